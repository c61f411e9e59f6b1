// Telemetry turns probes and snapshots into metrics only when something reads them (/metrics, the
// textfile, --once --prom): a screen or --json alone does no metrics work per tick.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {defaultConfig} from '../../source/config.js';
import {Telemetry} from '../../source/metrics/telemetry.js';
import {MonitorStore} from '../../source/monitor/store.js';
import type {Config} from '../../source/types.js';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {fixedProbes} from '../helpers/probes.js';

async function twoRounds(config: Config, expose: boolean): Promise<Telemetry> {
	const telemetry = new Telemetry(config, {reports: false, expose, warn: () => undefined});
	const store = new MonitorStore(config, telemetry.tap(fixedProbes()));
	telemetry.attach(store);
	store.start();
	try {
		await store.nextRound();
		await store.nextRound();
	} finally {
		store.stop();
		await telemetry.stop();
	}
	return telemetry;
}

const latencyCount = /^mcptop_mcp_request_duration_seconds_count(?:\{[^}]*\})? (\d+)/m;

test('metrics are kept only when the exposition has a reader', async () => {
	try {
		const config = {...defaultConfig(), stateDir: tempDir()};
		const read = await twoRounds(config, true);
		assert.ok(read.exposition.updatedAt > 0, 'snapshots reach the exposition');
		const readBody = (await read.exposition.render('text')).body;
		assert.ok(Number(latencyCount.exec(readBody)?.[1]) >= 2, readBody);

		const unread = await twoRounds(config, false);
		assert.equal(unread.exposition.updatedAt, 0, 'no snapshot was turned into metrics');
		const unreadBody = (await unread.exposition.render('text')).body;
		assert.equal(Number(latencyCount.exec(unreadBody)?.[1] ?? 0), 0, unreadBody);

		// A textfile is a reader too.
		const textfile = path.join(tempDir(), 'mcptop.prom');
		const withFile = await twoRounds({...config, metrics: {...config.metrics, textfile}}, false);
		assert.ok(withFile.exposition.updatedAt > 0, 'the textfile is fed');
	} finally {
		removeTempDirs();
	}
});
