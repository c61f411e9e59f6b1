import assert from 'node:assert/strict';
import {test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {MonitorStore} from '../../source/monitor/store.js';
import {snapshotLineParts} from '../../source/render/snapshot-json.js';
import type {LogLine, Snapshot} from '../../source/types.js';
import {fixedProbes} from '../helpers/probes.js';

// The store is real; the probes answer at once with fixed readings.
const hostile = [
	'2025-09-17 10:00:00,123 - ERROR - "items":"\u0000mcptop-alert-items\u0000"',
	'\u0000mcptop-alert-items\u0000',
	'WARNING quotes " and backslashes \\ and "items":[]',
	'CRITICAL 界 😀 \u2028 line separator',
];

test('--json lines are JSON.stringify of each snapshot, and the alert list is kept while unchanged', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 30;
	const store = new MonitorStore(cfg, fixedProbes(), {firstRoundWaitMs: 0});
	const lineParts = snapshotLineParts();
	const toJson = (snapshot: Snapshot) => Buffer.concat(lineParts(snapshot));
	store.start();
	try {
		let previous = store.getSnapshot();
		for (let round = 0; round < 8; round++) {
			const adds = round % 2 === 0;
			if (adds) {
				const line: LogLine = {
					source: 'app.log',
					severity: round % 4 === 0 ? 'error' : 'warning',
					text: hostile[round % hostile.length]!,
					time: round,
				};
				store.ingest({source: 'app.log', lines: 3, alerts: [line, line], lastLines: []});
			}
			await store.nextRound();
			const snapshot = store.getSnapshot();
			const line = toJson(snapshot).toString('utf8');
			assert.equal(line, `${JSON.stringify(snapshot)}\n`);
			assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(snapshot)));
			if (round > 0) {
				// A round without new alerts keeps the very same list; one with new alerts does not.
				assert.equal(snapshot.alerts.items === previous.alerts.items, !adds, `round ${round}`);
			}
			previous = snapshot;
		}
		// Rounds 4 and 6 repeat the lines of rounds 0 and 2: merged (same length, a new newest alert).
		assert.equal(previous.alerts.items.length, 2);
		assert.deepEqual(
			previous.alerts.items.map((a) => a.count),
			[4, 4],
		);
		assert.equal(previous.alerts.totals.error + previous.alerts.totals.warning, 8);
	} finally {
		await store.stop();
	}
});

test('--json: alerts kept from line to line, merged, evicted past capacity, still JSON.stringify', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 30;
	const store = new MonitorStore(cfg, fixedProbes(), {firstRoundWaitMs: 0});
	const lineParts = snapshotLineParts();
	const toJson = (snapshot: Snapshot) => Buffer.concat(lineParts(snapshot));
	store.start();
	try {
		let seen = 0;
		for (let round = 0; round < 12; round++) {
			// 60 new lines a round and 10 repeats of older ones: the list passes the book's capacity.
			const lines: LogLine[] = [];
			for (let i = 0; i < 70; i++) {
				const n = i < 60 ? round * 60 + i : (round * 7 + i) % (round * 60 + 1);
				lines.push({
					source: 'app.log',
					severity: n % 3 === 0 ? 'error' : 'warning',
					text: `${hostile[n % hostile.length]} #${n}`,
					time: round * 1000 + i,
				});
			}
			store.ingest({source: 'app.log', lines: lines.length, alerts: lines, lastLines: []});
			await store.nextRound();
			const snapshot = store.getSnapshot();
			seen = Math.max(seen, snapshot.alerts.items.length);
			assert.equal(
				toJson(snapshot).toString('utf8'),
				`${JSON.stringify(snapshot)}\n`,
				`round ${round}`,
			);
		}
		assert.ok(seen >= 500, `the list reached the book's capacity (${seen})`);
		assert.ok(
			store.getSnapshot().alerts.items.some((a) => a.count > 1),
			'some alerts merged',
		);
	} finally {
		await store.stop();
	}
});
