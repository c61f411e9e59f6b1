import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import React from 'react';
import {render} from 'ink-testing-library';
import {FleetView, type FleetViewProps} from '../../source/components/FleetView.js';
import {fleetKey, initialFleetView} from '../../source/fleet/keys.js';
import {filterRows, fleetQueries, sortRows, type FleetRow} from '../../source/fleet/rows.js';

const now = Date.parse('2026-11-24T10:00:00Z');
const ansi = /\u001B\[[0-9;]*m/g;

function row(i: number, overrides: Partial<FleetRow> = {}): FleetRow {
	return {
		instance: `10.0.0.${i}:9464`,
		host: `build-${String(i).padStart(3, '0')}`,
		health: 'OK',
		endpointUp: true,
		latencyP95Ms: 10 + i,
		lossPercent: 0,
		rssMb: 80 + i,
		rssTrendMbPerMin: 0.1,
		leak: false,
		alertsLastHour: {critical: 0, error: i % 3, warning: i % 5},
		lastRestart: now - 3600_000,
		...overrides,
	};
}

function view(overrides: Partial<FleetViewProps> = {}): string {
	const rows = overrides.rows ?? [
		row(1),
		row(2, {health: 'FAIL', endpointUp: false, lossPercent: 100}),
	];
	const props: FleetViewProps = {
		rows,
		total: rows.length,
		selected: 0,
		sort: 'health',
		reverse: false,
		filter: '',
		editingFilter: false,
		detail: null,
		prometheus: 'http://127.0.0.1:9090/',
		updatedAt: now,
		errors: [],
		now,
		width: 100,
		height: 24,
		...overrides,
	};
	const {lastFrame, unmount} = render(<FleetView {...props} />);
	const frame = (lastFrame() ?? '').replace(ansi, '');
	unmount();
	return frame;
}

describe('FleetView', () => {
	for (const width of [80, 160]) {
		it(`at ${width} columns: a row per machine, words for health, nothing wider than the terminal`, () => {
			const rows = sortRows(
				[
					row(1),
					row(2, {health: 'FAIL', endpointUp: false, lossPercent: 100}),
					row(3, {
						health: 'DOWN',
						endpointUp: null,
						latencyP95Ms: null,
						rssMb: null,
						rssTrendMbPerMin: null,
						lastRestart: null,
					}),
				],
				'health',
				false,
			);
			const frame = view({rows, width});
			const lines = frame.split('\n');
			assert.ok(
				lines.every((l) => [...l].length <= width),
				frame,
			);
			assert.ok(lines.length <= 23, 'at most rows - 1 lines');
			assert.match(frame, /Fleet http:\/\/127\.0\.0\.1:9090\//);
			assert.match(frame, /3\/3 machines · 2 not OK/);
			assert.match(frame, /STATE↓\s+MACHINE\s+P95\s+LOSS/);
			const order = ['DOWN', 'FAIL', 'OK'].map((w) => lines.findIndex((l) => l.startsWith(w)));
			assert.ok(
				order.every((i, k) => i > 0 && (k === 0 || i > (order[k - 1] ?? 0))),
				frame,
			);
			assert.match(frame, /FAIL\s+build-002 \(10\.0\.0\.2:94\S*\s+down\s+100\.0%/);
			assert.match(frame, /OK\s+build-001 \(10\.0\.0\.1:94\S*\s+11ms\s+0\.0%/);
			assert.match(frame, /1h00m ago/);
			if (width >= 160) assert.match(frame, /\+0\.1\/m/);
			assert.match(frame, /Enter detail/);
		});
	}

	it('300 machines fit the screen: the selected one stays visible', () => {
		const rows = Array.from({length: 300}, (_, i) => row(i + 1));
		const frame = view({rows, selected: 250, height: 30});
		const lines = frame.split('\n');
		assert.ok(lines.length <= 29, `${lines.length} lines`);
		assert.match(frame, /›build-251/);
		assert.match(frame, /300\/300 machines · 0 not OK/);
	});

	it('shows the filter being typed, the errors, and what an empty fleet means', () => {
		assert.match(view({filter: 'build-00', editingFilter: true}), /\/build-00▏/);
		assert.match(view({rows: [], total: 5, filter: 'zzz'}), /no machine matches the filter "zzz"/);
		assert.match(view({rows: [], total: 0}), /nothing matches the fleet selector/);
		assert.match(
			view({errors: ['cannot reach Prometheus at http://x/: ECONNREFUSED']}),
			/FAIL cannot reach Prometheus/,
		);
	});

	it('Enter: the machine detail from the same data, with its series', () => {
		const frame = view({
			rows: [row(7, {leak: true, rssTrendMbPerMin: 2.5})],
			detail: {
				instance: '10.0.0.7:9464',
				series: [
					{name: 'mcptop_port_listening', labels: {port: '6277', name: 'mcp'}, value: 1},
					{name: 'probe_success', labels: {}, value: 1},
				],
			},
		});
		assert.match(frame, /build-007/);
		assert.match(frame, /server RSS 87\.0 MB \(\+2\.5\/m LEAK\)/);
		assert.match(frame, /mcptop_port_listening\{port="6277",name="mcp"\} 1/);
		assert.match(frame, /Esc back/);
	});
});

describe('fleet rows and keys', () => {
	it('sorts worst first by each key, unknown figures last, and filters by host, instance or health', () => {
		const rows = [
			row(1, {latencyP95Ms: 5}),
			row(2, {latencyP95Ms: null}),
			row(3, {latencyP95Ms: 50}),
		];
		assert.deepEqual(
			sortRows(rows, 'latency', false).map((r) => r.host),
			['build-003', 'build-001', 'build-002'],
		);
		assert.deepEqual(
			sortRows(rows, 'host', true).map((r) => r.host),
			['build-003', 'build-002', 'build-001'],
		);
		assert.deepEqual(
			filterRows(rows, 'BUILD-002').map((r) => r.host),
			['build-002'],
		);
		assert.deepEqual(
			filterRows(rows, '10.0.0.3').map((r) => r.host),
			['build-003'],
		);
		assert.equal(filterRows([row(1), row(2, {health: 'FAIL'})], 'fail').length, 1);
	});

	it('keys: move, sort, reverse, filter (no control characters), detail, back, quit', () => {
		const ids = ['a', 'b', 'c'];
		let s = fleetKey(initialFleetView, {input: 'j'}, ids);
		s = fleetKey(s, {input: '', down: true}, ids);
		s = fleetKey(s, {input: 'j'}, ids);
		assert.equal(s.selected, 2, 'clamped at the last row');
		s = fleetKey(s, {input: '', enter: true}, ids);
		assert.equal(s.detail, 'c');
		assert.equal(
			fleetKey(s, {input: 'j'}, ids).selected,
			2,
			'keys other than Esc do nothing in the detail',
		);
		s = fleetKey(s, {input: '', escape: true}, ids);
		assert.equal(s.detail, null);
		s = fleetKey(s, {input: 's'}, ids);
		assert.equal(s.sort, 'host');
		assert.equal(fleetKey(s, {input: 'S'}, ids).reverse, true);
		s = fleetKey(s, {input: '/'}, ids);
		s = fleetKey(s, {input: 'b\u001B[31mx'}, ids);
		assert.equal(s.filter, 'b[31mx');
		s = fleetKey(s, {input: '', backspace: true}, ids);
		s = fleetKey(s, {input: '', enter: true}, ids);
		assert.deepEqual([s.filter, s.editingFilter], ['b[31m', false]);
		assert.equal(fleetKey(s, {input: 'q'}, ids).quit, true);
		assert.equal(fleetKey(s, {input: 'r'}, ids).refresh, true);
	});

	it('asks Prometheus a fixed number of queries whatever the fleet size, all on the selector', () => {
		const queries = Object.values(fleetQueries('job="mcptop",site="studio"'));
		assert.equal(queries.length, 11);
		for (const q of queries) assert.ok(q.includes('job="mcptop",site="studio"'), q);
	});
});
