import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {removeTempDirs, runCli, tempDir} from './helpers/cli.js';

after(removeTempDirs);

// loadConfig's own checks of each flag are in config-bounds.test.ts; these are what the CLI adds on
// top of meow (which drops a missing value without a word, and throws for a repeated flag).
const cases: Array<[string[], string]> = [
	[['--config', ''], '--config: must not be empty'],
	[['--log', 'a.log', '--log', ''], '--log: must not be empty'],
	[['--log='], '--log: must not be empty'],
	[['--port='], '--port: must not be empty'],
	[['--log'], '--log: needs a value (write --log=--print-config for one that starts with -)'],
	[['--match', '-x'], '--match: needs a value (write --match=-x for one that starts with -)'],
	[
		['--interval', '2s', '--interval', '3s'],
		'--interval: given more than once (it takes one value)',
	],
	[
		['--project-dir', 'a', '--project-dir', 'b'],
		'--project-dir: given more than once (it takes one value)',
	],
	[['--interval', '-5'], '--interval: "-5" is not a duration (examples: 1000, 500ms, 2s)'],
];

test('empty, missing and repeated flag values exit 2 with one line naming the flag', async () => {
	for (const [args, line] of cases) {
		const r = await runCli([...args, '--print-config'], {timeoutMs: 120_000});
		assert.equal(r.status, 2, `${JSON.stringify(args)}: exit ${r.status}, ${r.stderr}`);
		assert.equal(r.stderr, `mcptop: ${line}\n`, JSON.stringify(args));
		assert.equal(r.stdout, '');
	}
});

test('a bare --config at the end is an error, not "search for a config"', async () => {
	const dir = tempDir();
	fs.writeFileSync(path.join(dir, 'mcptop.config.json'), '{"intervalMs": 2000}');
	const r = await runCli(['--print-config', '--config'], {cwd: dir, timeoutMs: 120_000});
	assert.equal(r.status, 2, r.stderr);
	assert.equal(r.stderr, 'mcptop: --config: needs a value\n');
	const ok = await runCli(['--print-config', '--config=mcptop.config.json'], {
		cwd: dir,
		timeoutMs: 120_000,
	});
	assert.equal(ok.status, 0, ok.stderr);
	assert.equal((JSON.parse(ok.stdout) as {intervalMs: number}).intervalMs, 2000);
});
