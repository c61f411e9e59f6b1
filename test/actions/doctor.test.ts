import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, afterEach, describe, test} from 'node:test';
import {
	checkCommand,
	checkLogs,
	checkPorts,
	checkPython,
	checkScript,
	planStart,
	programWords,
	runDoctor,
	shellWords,
	triageCheck,
} from '../../source/actions/doctor.js';
import {defaultConfig} from '../../source/config.js';
import type {Config} from '../../source/types.js';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {mountTmpfs, remountReadOnly, unmount} from '../helpers/readonly-mount.js';
import {RestartSandbox, freePort, node, sandboxConfig} from '../helpers/restart-procs.js';

after(removeTempDirs);
let box: RestartSandbox | undefined;
afterEach(() => {
	box?.cleanup();
	box = undefined;
});

function projectConfig(dir: string, overrides: Partial<Config['restart']> = {}): Config {
	const config = defaultConfig();
	config.project.dir = dir;
	config.project.packages = [];
	config.logs = [path.join(dir, 'server.log')];
	config.ports = [];
	config.stateDir = path.join(dir, 'state');
	config.backup.dir = path.join(dir, 'backups');
	config.restart = {...config.restart, logFile: path.join(dir, 'restart.log'), ...overrides};
	return config;
}

function listen(port = 0): Promise<net.Server> {
	return new Promise((resolve, reject) => {
		const server = net.createServer((s) => s.destroy());
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(server));
	});
}

describe('the start command, word by word', () => {
	test('quotes, assignments, exec and env are read the way sh reads them', () => {
		assert.deepEqual(shellWords(`'/opt/my venv/bin/python' "a b" c\\ d`).words, [
			'/opt/my venv/bin/python',
			'a b',
			'c d',
		]);
		assert.equal(shellWords('python a.py && echo ok').shellSyntax, true);
		assert.deepEqual(
			programWords(['FOO=1', 'exec', 'env', '-u', 'X', 'BAR=2', 'python3', 's.py']),
			['python3', 's.py'],
		);
	});
});

describe('doctor checks with real things', () => {
	test('a port held by another program is a FAIL naming its pid; the expected server is a PASS', async (t) => {
		const other = await listen();
		t.after(() => other.close());
		const otherPort = (other.address() as net.AddressInfo).port;
		box = new RestartSandbox();
		const serverPort = await freePort();
		const server = await box.startServer(['--port', String(serverPort)]);
		const freeOne = await freePort();
		const config = sandboxConfig(box, [otherPort, serverPort, freeOne]);
		const checks = await checkPorts(config);
		const [held, ours, free] = checks;
		assert.equal(held?.status, 'FAIL');
		assert.match(
			held!.reason,
			new RegExp(`held by pid ${process.pid} \\(node\\), not the expected server`),
		);
		assert.match(held!.next!, new RegExp(`Stop pid ${process.pid}`));
		assert.deepEqual(
			{priority: held!.triage?.priority, category: held!.triage?.category},
			{priority: 'critical', category: 'connection'},
		);
		assert.equal(ours?.status, 'PASS');
		assert.match(ours!.reason, new RegExp(`held by pid ${server.pid} .*the expected server`));
		assert.equal(free?.status, 'PASS');
		assert.match(free!.reason, /^free/);
		assert.equal(free!.triage, null);
	});

	test('a script started directly without its run bit is a FAIL; with it, a PASS', async () => {
		const dir = tempDir();
		const script = path.join(dir, 'server.py');
		fs.writeFileSync(script, '#!/usr/bin/env python3\nprint("hi")\n', {mode: 0o644});
		const config = projectConfig(dir, {command: './server.py --port 1'});
		const plan = await planStart(config);
		assert.deepEqual(plan.script, {path: './server.py', direct: true});
		// Without its run bit the #! line still names the interpreter it would run under.
		assert.match(plan.interpreter.how, /the #! line of \.\/server\.py/);
		assert.equal(plan.interpreter.written, 'python3');
		const command = await checkCommand(config, plan);
		assert.equal(command.status, 'FAIL');
		assert.match(command.reason, /\.\/server\.py has no run bit \(mode 644\)/);
		const before = await checkScript(config, plan);
		assert.equal(before.status, 'FAIL');
		assert.match(before.reason, /started directly but has no run bit \(mode 644\)/);
		assert.match(before.next!, /chmod \+x/);
		assert.equal(before.triage?.priority, 'critical');
		fs.chmodSync(script, 0o755);
		const afterChmod = await checkScript(config, await planStart(config));
		assert.equal(afterChmod.status, 'PASS', afterChmod.reason);
		// Run through its interpreter, the run bit does not matter.
		fs.chmodSync(script, 0o644);
		const viaPython = projectConfig(dir, {command: 'python3 server.py'});
		const result = await checkScript(viaPython, await planStart(viaPython));
		assert.equal(result.status, 'PASS', result.reason);
		assert.match(result.reason, /run by its interpreter/);
	});

	test('a missing script and a program not on PATH are FAILs with fixes', async () => {
		const dir = tempDir();
		const config = projectConfig(dir, {command: 'python3 nowhere.py'});
		const script = await checkScript(config, await planStart(config));
		assert.equal(script.status, 'FAIL');
		assert.match(script.reason, /nowhere\.py does not exist/);
		const missing = projectConfig(dir, {command: 'mcptop-no-such-program-x1 --serve'});
		const report = await runDoctor(missing, () => {});
		const command = report.data.checks.find((c) => c.id === 'command')!;
		assert.equal(command.status, 'FAIL');
		assert.match(command.reason, /mcptop-no-such-program-x1 is not found on PATH/);
		assert.equal(report.ok, false);
	});

	test(
		'a read-only log directory is a FAIL for the restart log',
		{skip: process.getuid?.() === 0 ? false : 'mounting a read-only tmpfs needs root'},
		async (t) => {
			const dir = tempDir();
			const logs = path.join(dir, 'logs');
			fs.mkdirSync(logs);
			const why = mountTmpfs(logs);
			if (why) return t.skip(`cannot mount a tmpfs: ${why}`);
			t.after(() => unmount(logs));
			remountReadOnly(logs);
			const config = projectConfig(dir, {logFile: path.join(logs, 'mcp_server.log')});
			const checks = await checkLogs(config);
			const restartLog = checks.find((c) => c.name.startsWith('Restart log'))!;
			assert.equal(restartLog.status, 'FAIL');
			assert.match(restartLog.reason, /read-only file system/);
			assert.match(restartLog.next!, /restart\.logFile/);
			const serverLog = checks.find((c) => c.name.startsWith('Server log'))!;
			assert.equal(serverLog.status, 'PASS');
		},
	);

	test('a venv python missing a package: the interpreter is the venv, the package a FAIL', async () => {
		const dir = tempDir();
		const made = spawnSync('python3', ['-m', 'venv', '--without-pip', path.join(dir, 'venv')], {
			encoding: 'utf8',
			timeout: 60_000,
		});
		assert.equal(made.status, 0, made.stderr);
		fs.writeFileSync(path.join(dir, 'server.py'), 'print(1)\n');
		const config = projectConfig(dir, {command: 'venv/bin/python server.py'});
		config.project.python = 'venv/bin/python';
		config.project.packages = ['json', 'mcptop_surely_missing_pkg'];
		const [interpreter, packages] = await checkPython(config, await planStart(config));
		assert.equal(interpreter?.status, 'PASS', interpreter?.reason);
		assert.match(interpreter!.reason, new RegExp(`in venv ${dir}/venv`));
		assert.equal(packages?.status, 'FAIL');
		assert.match(packages!.reason, /: mcptop_surely_missing_pkg$/);
		assert.match(packages!.next!, /venv\/bin\/python -m pip install mcptop_surely_missing_pkg/);
		// The venv exists but the start command runs python3 from PATH: a WARN that says so.
		const offVenv = projectConfig(dir, {command: 'python3 server.py'});
		offVenv.project.python = 'venv/bin/python';
		const [warned] = await checkPython(offVenv, await planStart(offVenv));
		assert.equal(warned?.status, 'WARN', warned?.reason);
		assert.match(warned!.next!, /Write venv\/bin\/python instead of python3/);
	});

	test('validation checks get the guide’s triage', () => {
		const t = triageCheck({
			name: 'MCP functionality',
			status: 'FAIL',
			reason: 'cannot open an MCP session: HTTP 401',
			next: null,
		});
		assert.equal(t?.category, 'authentication');
		assert.equal(
			triageCheck({name: 'Network services', status: 'WARN', reason: 'no clients', next: null})
				?.priority,
			'low',
		);
		assert.equal(
			triageCheck({name: 'File integrity', status: 'PASS', reason: 'ok', next: null}),
			null,
		);
	});
});

describe('mcptop doctor', () => {
	test('--json lists every check with triage and exits 1 on a FAIL; plain text gives the fixes', async () => {
		const dir = tempDir();
		fs.writeFileSync(path.join(dir, 'server.js'), 'setInterval(() => {}, 1000);\n');
		const held = await listen();
		const port = (held.address() as net.AddressInfo).port;
		try {
			fs.writeFileSync(
				path.join(dir, 'mcptop.config.json'),
				JSON.stringify({
					ports: [{port, name: 'mcp'}],
					logs: ['server.log'],
					project: {dir: '.', packages: []},
					restart: {command: `'${node}' server.js`, logFile: 'restart.log'},
					stateDir: 'state',
					backup: {dir: 'backups'},
				}),
			);
			const json = await runCli(['doctor', '--json'], {cwd: dir});
			assert.equal(json.status, 1, json.stderr);
			const result = JSON.parse(json.stdout) as {
				ok: boolean;
				data: {verdict: string; checks: Array<{id: string; status: string; triage: unknown}>};
			};
			assert.equal(result.ok, false);
			assert.equal(result.data.verdict, 'FAIL');
			const portCheck = result.data.checks.find((c) => c.id === `port:${port}`)!;
			assert.equal(portCheck.status, 'FAIL');
			assert.deepEqual(
				(portCheck.triage as {priority: string; category: string}).priority,
				'critical',
			);
			assert.equal(result.data.checks.find((c) => c.id === 'command')?.status, 'PASS');
			assert.equal(result.data.checks.find((c) => c.id === 'script')?.status, 'PASS');
			const text = await runCli(['doctor'], {cwd: dir});
			assert.equal(text.status, 1);
			assert.match(
				text.stdout,
				new RegExp(`FAIL Port ${port} \\(mcp\\): held by pid ${process.pid}`),
			);
			assert.match(text.stdout, /fix: Stop pid/);
			assert.match(text.stdout, /triage: critical \(server won't start\), connection/);
		} finally {
			held.close();
		}
		// Nothing held, everything present: exit 0.
		const ok = await runCli(['doctor', '--port', String(await freePort())], {cwd: dir});
		assert.equal(ok.status, 0, ok.stdout + ok.stderr);
		assert.match(ok.stdout, /doctor PASS/);
	});
});
