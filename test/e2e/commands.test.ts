import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';

after(removeTempDirs);

async function run(args: string[], env: Record<string, string>, cwd: string) {
	return runCli(args, {env, cwd});
}

function project(): string {
	const dir = tempDir();
	fs.writeFileSync(path.join(dir, 'unreal_blueprint_mcp_server.py'), 'print("server")\n');
	fs.writeFileSync(path.join(dir, 'memory_manager.py'), 'x = 1\n');
	fs.writeFileSync(path.join(dir, 'security_utils.py'), 'y = 2\n');
	fs.writeFileSync(path.join(dir, '.env'), 'TOKEN=secret\n', {mode: 0o600});
	fs.writeFileSync(path.join(dir, 'requirements.txt'), 'fastmcp\n');
	return dir;
}

test('backup, list, restore: --yes is needed without a terminal; --json results; modes kept', async () => {
	const dir = project();
	const env = {XDG_STATE_HOME: tempDir()};
	const backup = await run(['backup', '--json'], env, dir);
	assert.equal(backup.status, 0, backup.stderr);
	const result = JSON.parse(backup.stdout) as {ok: boolean; data: {id: string; dir: string}};
	assert.equal(result.ok, true);
	assert.equal(fs.statSync(path.dirname(result.data.dir)).mode & 0o777, 0o700);

	const list = await run(['restore'], env, dir);
	assert.equal(list.status, 0);
	assert.match(list.stdout, new RegExp(`${result.data.id}\\s+\\S+\\s+5 files`));

	fs.writeFileSync(path.join(dir, 'memory_manager.py'), 'x = "changed"\n');
	const refused = await run(['restore', result.data.id], env, dir);
	assert.equal(refused.status, 2);
	assert.match(refused.stderr, /pass --yes/);
	assert.equal(fs.readFileSync(path.join(dir, 'memory_manager.py'), 'utf8'), 'x = "changed"\n');

	const restored = await run(['restore', result.data.id, '--yes', '--json'], env, dir);
	assert.equal(restored.status, 0, restored.stderr);
	assert.equal((JSON.parse(restored.stdout) as {ok: boolean}).ok, true);
	assert.equal(fs.readFileSync(path.join(dir, 'memory_manager.py'), 'utf8'), 'x = 1\n');
	assert.equal(fs.statSync(path.join(dir, '.env')).mode & 0o777, 0o600);
	assert.ok(fs.existsSync(path.join(dir, 'memory_manager.py.pre_restore')));

	const unknown = await run(['restore', '../etc', '--yes'], env, dir);
	assert.equal(unknown.status, 1);
	assert.match(unknown.stdout, /restore refused/);

	const readOnly = await run(['backup', '--read-only'], env, dir);
	assert.equal(readOnly.status, 2);
	assert.match(readOnly.stderr, /read-only mode: backup is disabled/);
});

test('validate --json: five checks with reasons and a verdict, exit 1 on FAIL', async () => {
	const dir = project();
	const r = await run(['validate', '--json', '--port', '1'], {XDG_STATE_HOME: tempDir()}, dir);
	const report = JSON.parse(r.stdout) as {
		ok: boolean;
		data: {
			verdict: string;
			checks: Array<{name: string; status: string; reason: string}>;
			reportPath: string;
		};
	};
	assert.equal(report.data.checks.length, 5);
	for (const c of report.data.checks) {
		assert.match(c.status, /^(PASS|WARN|FAIL)$/);
		assert.ok(c.reason.length > 0);
	}
	assert.equal(report.data.verdict, 'FAIL', 'nothing listens on port 1 and no server answers');
	assert.equal(r.status, 1);
	assert.ok(fs.existsSync(report.data.reportPath));
});

test('restart without a terminal refuses without --yes; with --yes on the demo a new server holds the ports', async () => {
	const env = {XDG_STATE_HOME: tempDir()};
	const refused = await run(['--demo', 'restart'], env, tempDir());
	assert.equal(refused.status, 2);
	assert.match(refused.stdout + refused.stderr, /stop pid \d+/);
	assert.match(refused.stderr, /pass --yes/);

	const r = await run(['--demo', 'restart', '--yes', '--json'], env, tempDir());
	assert.equal(r.status, 0, r.stderr);
	const result = JSON.parse(r.stdout) as {
		ok: boolean;
		data: {
			oldPids: number[];
			newPid: number;
			listeningPids: number[];
			timings: {downtimeMs: number};
		};
	};
	assert.equal(result.ok, true);
	assert.equal(result.data.oldPids.length, 1);
	assert.ok(!result.data.listeningPids.includes(result.data.oldPids[0]!));
	assert.ok(result.data.listeningPids.length >= 1);
});
