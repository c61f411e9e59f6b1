import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {App, computeLayout} from '../source/app.js';
import {ActionRunner} from '../source/actions/runner.js';
import {defaultConfig} from '../source/config.js';
import type {Snapshot} from '../source/types.js';
import {alert, snapshot} from './helpers/snapshot.js';

const flush = () => new Promise((r) => setTimeout(r, 20));

test('the layout never asks for more than rows - 1 lines, from 40×12 to 200×60', () => {
	for (const columns of [40, 80, 120, 200]) {
		for (let rows = 12; rows <= 60; rows++) {
			for (const procs of [0, 1, 5, 40]) {
				const l = computeLayout(columns, rows, {ports: 2, processes: procs, latency: 3});
				const total = 2 + l.ports + l.processes + l.latency + l.alerts;
				assert.ok(total <= rows - 1, `${columns}×${rows} with ${procs} processes: ${total} lines`);
				assert.ok(l.alerts >= 1, `${columns}×${rows}: the alerts pane keeps a line`);
				assert.equal(l.small !== null, columns < 80 || rows < 24);
			}
		}
	}
});

function harness(snap: Snapshot) {
	let paused = false;
	const listeners = new Set<() => void>();
	let current = snap;
	const store = {
		subscribe: (l: () => void) => {
			listeners.add(l);
			return () => listeners.delete(l);
		},
		getSnapshot: () => current,
		togglePause: () => {
			paused = !paused;
			current = {...current, paused};
			for (const l of listeners) l();
		},
	};
	const config = defaultConfig();
	const runner = new ActionRunner(
		{
			backup: {
				title: 'Backup',
				destructive: false,
				writes: true,
				run: async (_c, report) => {
					report({id: 'copy', label: 'Copy files', status: 'ok'});
					return {ok: true, summary: 'backup saved'};
				},
			},
			restart: {
				title: 'Restart server',
				destructive: true,
				writes: true,
				plan: async () => ({
					lines: ['stop pid 4242: python unreal_blueprint_mcp_server.py'],
					problems: [],
					context: null,
				}),
				run: async () => ({ok: true, summary: 'restarted'}),
			},
		},
		{readOnly: false},
	);
	let quit = 0;
	const ui = render(<App store={store} runner={runner} config={config} onQuit={() => quit++} />);
	return {ui, quitCount: () => quit};
}

test('keys: ? help, Esc closes, p pauses, Tab moves focus, / filters, q quits', async () => {
	const {ui, quitCount} = harness(
		snapshot({
			alerts: {
				...snapshot().alerts,
				items: [
					alert({text: 'ERROR disk full'}),
					alert({severity: 'warning', text: 'WARNING slow response'}),
				],
			},
		}),
	);
	await flush();
	assert.match(ui.lastFrame()!, /▶ Alerts/);
	ui.stdin.write('?');
	await flush();
	assert.match(ui.lastFrame()!, /▶ Help/);
	assert.match(ui.lastFrame()!, /restart the server/);
	ui.stdin.write('\u001B');
	await flush();
	assert.doesNotMatch(ui.lastFrame()!, /▶ Help/);
	ui.stdin.write('p');
	await flush();
	assert.match(ui.lastFrame()!, /PAUSED/);
	ui.stdin.write('\t');
	await flush();
	assert.match(ui.lastFrame()!, /▶ Ports/);
	ui.stdin.write('/');
	await flush();
	for (const ch of 'slow') ui.stdin.write(ch);
	await flush();
	const filtered = ui.lastFrame()!;
	assert.match(filtered, /\/slow/);
	assert.match(filtered, /WARNING slow response/);
	assert.doesNotMatch(filtered, /disk full/);
	ui.stdin.write('\r');
	ui.stdin.write('\u001B');
	await flush();
	assert.match(ui.lastFrame()!, /disk full/);
	ui.stdin.write('q');
	await flush();
	assert.equal(quitCount(), 1);
	ui.unmount();
});

test('a destructive action asks y/N and n cancels; a safe one runs and its result stays until Esc', async () => {
	const {ui} = harness(snapshot());
	await flush();
	ui.stdin.write('r');
	await flush();
	assert.match(ui.lastFrame()!, /stop pid 4242/);
	assert.match(ui.lastFrame()!, /Proceed\? y = yes/);
	ui.stdin.write('n');
	await flush();
	assert.doesNotMatch(ui.lastFrame()!, /Restart server/);
	ui.stdin.write('b');
	await flush();
	assert.match(ui.lastFrame()!, /OK backup saved/);
	assert.match(ui.lastFrame()!, /✓ OK\s+Copy files/);
	ui.stdin.write('\u001B');
	await flush();
	assert.doesNotMatch(ui.lastFrame()!, /backup saved/);
	ui.unmount();
});

test('keys that arrive in one chunk act one after another on fresh state', async () => {
	const {ui} = harness(snapshot());
	await flush();
	ui.stdin.write('?');
	await flush();
	assert.match(ui.lastFrame()!, /▶ Help/);
	ui.stdin.write('\u001Bp');
	await flush();
	assert.doesNotMatch(ui.lastFrame()!, /▶ Help/);
	assert.match(ui.lastFrame()!, /PAUSED/);
	ui.stdin.write('\t\t');
	await flush();
	assert.match(ui.lastFrame()!, /▶ Processes/);
	ui.unmount();
});

test('Enter and Esc in one chunk while filtering: applied, then cleared', async () => {
	const {ui} = harness(
		snapshot({
			alerts: {
				...snapshot().alerts,
				items: [alert({text: 'ERROR disk full'}), alert({text: 'ERROR other'})],
			},
		}),
	);
	await flush();
	ui.stdin.write('/disk');
	await flush();
	assert.match(ui.lastFrame()!, /1 of 2 match/);
	ui.stdin.write('\r\u001B');
	await flush();
	assert.doesNotMatch(ui.lastFrame()!, /\/disk/);
	assert.match(ui.lastFrame()!, /ERROR other/);
	ui.unmount();
});
