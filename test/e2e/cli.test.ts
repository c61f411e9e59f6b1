import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {cliArgs} from '../helpers/pty.js';
import {processesWithStateHome, removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {startFakeMcp, startHttpServer} from '../helpers/ws-fake-mcp.js';

const run = runCli;
after(removeTempDirs);

test('bad flags and bad config exit 2 with one line naming the problem', async () => {
	const cases: Array<[string[], RegExp, string?]> = [
		[['--bogus'], /unknown flag --bogus/],
		[['--interval', '1'], /--interval: 1 ms is too short .*did you mean 1s\?/],
		[['--endpoint', 'localhost:6277'], /--endpoint: .*must start with ws:\/\//],
		[['--match', '(x'], /--match: bad regular expression/],
		[['--port', '99999'], /--port: must be a port number/],
		[['frobnicate'], /unknown command "frobnicate"/],
		[['--config', '/nonexistent/x.json'], /--config: cannot read .*no such file/],
	];
	for (const [args, message] of cases) {
		const r = await run(args);
		assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
		assert.match(r.stderr, message);
		assert.equal(
			r.stderr
				.trim()
				.split('\n')
				.filter((l) => !/nodedir|npm warn/.test(l)).length,
			1,
			r.stderr,
		);
	}
	const dir = tempDir();
	fs.writeFileSync(
		path.join(dir, 'mcptop.config.json'),
		JSON.stringify({endpoint: {timeoutMS: 5}}),
	);
	const r = await run([], {cwd: dir});
	assert.equal(r.status, 2);
	assert.match(r.stderr, /endpoint\.timeoutMS: unknown key/);
});

test('--print-config prints the effective config as JSON and never the token', async () => {
	const r = await run(['--print-config', '--interval', '2s'], {
		env: {MCPTOP_TOKEN: 'sekret-token-123'},
	});
	assert.equal(r.status, 0, r.stderr);
	const config = JSON.parse(r.stdout) as {intervalMs: number; endpoint: {tokenEnv: string}};
	assert.equal(config.intervalMs, 2000);
	assert.equal(config.endpoint.tokenEnv, 'MCPTOP_TOKEN');
	assert.doesNotMatch(r.stdout, /sekret/);
});

test('--once --json: one snapshot after a full round; exit 1 when unhealthy; the token never shows', async () => {
	const server = await startFakeMcp({token: 'sekret-token-123'});
	const dir = tempDir();
	const log = path.join(dir, 'server.log');
	fs.writeFileSync(log, '');
	try {
		const r = await run(
			[
				'--once',
				'--json',
				'--endpoint',
				server.url,
				'--port',
				`${server.port}:mcp`,
				'--log',
				log,
				'--match',
				'no-such-process-xyz',
			],
			{env: {MCPTOP_TOKEN: 'sekret-token-123'}},
		);
		assert.equal(r.status, 1, r.stderr);
		const lines = r.stdout.trim().split('\n');
		assert.equal(lines.length, 1);
		const snap = JSON.parse(lines[0]!) as Record<string, unknown> & {
			health: string;
			latency: {state: string; samples: Array<number | null>};
			ports: Array<{listening: boolean; pid: number}>;
			reasons: string[];
		};
		for (const key of [
			'time',
			'host',
			'health',
			'ports',
			'processes',
			'system',
			'latency',
			'alerts',
		]) {
			assert.ok(key in snap, `missing ${key}`);
		}
		assert.equal(snap.latency.state, 'connected');
		assert.equal(typeof snap.latency.samples[0], 'number', 'the first round has a real ping');
		assert.equal(snap.ports[0]!.listening, true);
		assert.equal(snap.ports[0]!.pid, process.pid, 'the owner of the port is this test process');
		assert.equal(snap.health, 'FAIL');
		assert.ok(snap.reasons.some((r) => r.includes('no process matches')));
		assert.equal(server.authorizations[0], 'Bearer sekret-token-123');
		assert.doesNotMatch(r.stdout + r.stderr, /sekret/);
	} finally {
		await server.close();
	}
});

test('a plain HTTP service on the endpoint port: no MCP, the hint says how to watch it, and that works', async () => {
	const web = await startHttpServer();
	try {
		const ws = await run([
			'--once',
			'--json',
			'--endpoint',
			web.url.replace(/^http/, 'ws'),
			'--port',
			String(web.port),
		]);
		const snap = JSON.parse(ws.stdout) as {latency: {lastError: string; hint: string | null}};
		assert.match(snap.latency.lastError, /^no MCP answer: tried WebSocket .*\(HTTP 200\)/);
		const advice = /use --transport http-get --endpoint (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(
			snap.latency.hint ?? '',
		);
		assert.ok(advice, String(snap.latency.hint));
		const http = await run([
			'--once',
			'--json',
			'--transport',
			'http-get',
			'--endpoint',
			advice[1]!,
			'--port',
			String(web.port),
		]);
		const ok = JSON.parse(http.stdout) as {latency: {kind: string; samples: Array<number | null>}};
		assert.equal(ok.latency.kind, 'http-get');
		assert.equal(typeof ok.latency.samples[0], 'number');
	} finally {
		await web.close();
	}
});

test('stdout not a terminal: one JSON line per interval until stopped', async () => {
	const server = await startFakeMcp();
	const child = spawn(
		process.execPath,
		[...cliArgs, '--interval', '200ms', '--endpoint', server.url, '--port', String(server.port)],
		{
			cwd: tempDir(),
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, XDG_CONFIG_HOME: tempDir()},
		},
	);
	try {
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		const deadline = Date.now() + 30_000;
		while (out.split('\n').filter(Boolean).length < 3 && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 100));
		}
		const lines = out.split('\n').filter(Boolean);
		assert.ok(lines.length >= 3, `got ${lines.length} lines`);
		const times = lines.map((l) => (JSON.parse(l) as {time: number}).time);
		assert.ok(times[2]! > times[1]! && times[1]! > times[0]!);
		const exited = new Promise<number | null>((resolve) =>
			child.on('exit', (code) => resolve(code)),
		);
		child.kill('SIGTERM');
		assert.equal(await exited, 0);
	} finally {
		if (child.exitCode === null) child.kill('SIGKILL');
		await server.close();
	}
});

test('--demo --once --json watches the demo stack and stops it after', async () => {
	const state = tempDir();
	const r = await run(['--demo', '--once', '--json'], {env: {XDG_STATE_HOME: state}});
	assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
	const snap = JSON.parse(r.stdout) as {
		health: string;
		ports: Array<{listening: boolean}>;
		processes: Array<{command: string}>;
		latency: {state: string};
	};
	assert.equal(r.status, snap.health === 'OK' ? 0 : 1);
	assert.ok(snap.ports.every((p) => p.listening));
	assert.ok(snap.processes.some((p) => p.command.includes('unreal_blueprint_mcp_server')));
	assert.equal(snap.latency.state, 'connected');
	// Nothing the demo started is left: no process carries this run's state folder.
	assert.deepEqual(processesWithStateHome(state), [], 'demo processes left running');
});
