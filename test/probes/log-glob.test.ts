import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {defaultConfig} from '../../source/config.js';
import {LogGlob, isLogPattern} from '../../source/probes/log-glob.js';
import type {LogTailBatch} from '../../source/probes/log-tail.js';

async function until(check: () => boolean, ms = 10_000): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 25));
	}
}

test('a wildcard log path follows every matching file, also ones created later', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-glob-'));
	const logs = path.join(dir, 'Saved', 'Logs');
	fs.mkdirSync(logs, {recursive: true});
	fs.writeFileSync(
		path.join(logs, 'Editor.log'),
		'[2025.09.17-10.00.00:000][  0]LogInit: Display: old line\n',
	);
	fs.writeFileSync(path.join(logs, 'notes.txt'), 'Error: not a log\n');
	const batches: LogTailBatch[] = [];
	const glob = new LogGlob({
		pattern: path.join(logs, '*.log'),
		classifier: compileRules(defaultConfig().alerts.rules),
		onBatch: (b) => batches.push(b),
		rescanMs: 100,
	});
	assert.equal(isLogPattern(path.join(logs, '*.log')), true);
	assert.equal(isLogPattern('/tmp/server.log'), false);
	glob.start();
	try {
		await until(() => glob.status().state === 'following');
		fs.appendFileSync(
			path.join(logs, 'Editor.log'),
			'[2025.09.17-10.00.01:123][  0]LogUnrealBlueprintMCP: Error: bridge lost\n',
		);
		// A new session's log appears after start: its lines from the beginning count.
		fs.writeFileSync(
			path.join(logs, 'Editor-backup-2.log'),
			'[2025.09.17-10.00.02:000][  0]LogUnrealBlueprintMCP: Warning: slow compile\n',
		);
		await until(() => batches.flatMap((b) => b.alerts).length >= 2).catch((error: unknown) => {
			throw new Error(
				`${String(error)}: ${JSON.stringify(batches.map((b) => [b.source, b.lines, b.alerts.length]))}`,
			);
		});
		const alerts = batches.flatMap((b) => b.alerts);
		assert.deepEqual(alerts.map((a) => `${a.source} ${a.severity}`).sort(), [
			'Editor-backup-2.log warning',
			'Editor.log error',
		]);
		assert.ok(!alerts.some((a) => a.source === 'notes.txt'));
		assert.equal(glob.status().path, path.join(logs, '*.log'));
	} finally {
		await glob.stop();
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a wildcard in a folder that does not exist yet waits', async () => {
	const glob = new LogGlob({
		pattern: path.join(os.tmpdir(), 'mcptop-no-such-dir-xyz', '*.log'),
		classifier: compileRules(defaultConfig().alerts.rules),
		onBatch: () => {},
	});
	glob.start();
	try {
		assert.equal(glob.status().state, 'waiting');
		assert.equal(glob.status().error, null);
	} finally {
		await glob.stop();
	}
});
