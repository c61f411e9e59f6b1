// Issue 9: a server (or a log) whose every text carries escape sequences, C0/C1 controls, bidi and
// zero-width characters, and echoes the token with invisible characters slipped into it. Nothing of
// that may reach any output: --once (text and JSON), mcptop validate (text and JSON), the saved
// report, an incident dump, the Latency pane and the live screen.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import React from 'react';
import {render} from 'ink-testing-library';
import {ProtocolError} from '@modelcontextprotocol/client';
import {writeIncidentDump} from '../../source/actions/incident-dump.js';
import {LatencyPane} from '../../source/components/LatencyPane.js';
import {toEndpointError} from '../../source/mcp/errors.js';
import type {LatencyStatus, Snapshot} from '../../source/types.js';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {
	allStrings,
	describeUnsafe,
	hasUnsafe,
	hostileText,
	showsToken,
	smuggle,
	startHostileHttp,
	startHostileMcp,
	unsafeSamples,
	type HostileHttp,
	type HostileMcp,
} from '../helpers/hostile-mcp.js';
import {TerminalSession} from '../helpers/pty.js';
import {alert, snapshot, t0} from '../helpers/snapshot.js';

// Shares no 8-character start with any text the hostile server sends.
const token = 'Zq8-secret-0123456789abcdef';
const env = {MCPTOP_TOKEN: token};

const servers: Array<HostileMcp | HostileHttp> = [];
after(async () => {
	await Promise.all(servers.map((s) => s.close()));
	removeTempDirs();
});

async function hostileMcp(opts: {toolFails?: boolean} = {}): Promise<HostileMcp> {
	const server = await startHostileMcp({token, ...opts});
	servers.push(server);
	return server;
}

async function hostileHttp(): Promise<HostileHttp> {
	const server = await startHostileHttp();
	servers.push(server);
	return server;
}

function assertClean(what: string, text: string): void {
	assert.ok(!hasUnsafe(text), `${what}: ${describeUnsafe(text)}`);
}

/** The raw JSON text and every string in it, once parsed, hold nothing unsafe. */
function assertCleanJson<T>(what: string, text: string): T {
	assertClean(what, text);
	const value = JSON.parse(text) as T;
	assertClean(`${what}, parsed`, allStrings(value).join('\n'));
	return value;
}

function assertNoToken(what: string, text: string): void {
	assert.ok(!showsToken(text, token), `${what} shows the token:\n${text}`);
}

/** Flags that point the CLI at one server and watch its port; no process to find. */
function watch(url: string, port: number, transport?: string): string[] {
	return [
		...(transport ? ['--transport', transport] : []),
		'--endpoint',
		url,
		'--port',
		String(port),
		'--match',
		'no-such-process-xyz',
	];
}

let onceJson: Promise<Snapshot> | undefined;

/** One --once --json run against the hostile WebSocket server, shared by the tests that read it. */
function hostileSnapshot(): Promise<Snapshot> {
	onceJson ??= (async () => {
		const server = await hostileMcp();
		const r = await runCli(['--once', '--json', ...watch(server.url, server.port)], {env});
		assert.equal(r.status, 1, r.stderr);
		assertClean('stderr', r.stderr);
		assert.equal(r.stdout.trim().split('\n').length, 1);
		return assertCleanJson<Snapshot>('--once --json', r.stdout);
	})();
	return onceJson;
}

test('--once --json against a hostile WebSocket server: nothing unsafe, the echoed token redacted', async () => {
	const snap = await hostileSnapshot();
	assert.match(snap.latency.lastError ?? '', /server error -32000 on ping: ping failed.*\[token\]/);
	assert.ok(snap.latency.server?.name.startsWith('hostile-mcp'), snap.latency.server?.name);
	assertNoToken('lastError', snap.latency.lastError ?? '');
	assertNoToken('reasons', snap.reasons.join('\n'));
	assertNoToken('alerts', JSON.stringify(snap.alerts));
});

test('--once --json: a serverInfo.name that echoes the token is redacted', {}, async () => {
	const snap = await hostileSnapshot();
	assertNoToken('latency.server', JSON.stringify(snap.latency.server));
});

test('--once (text) against a hostile WebSocket server: clean lines, no token', async () => {
	const server = await hostileMcp();
	const r = await runCli(['--once', ...watch(server.url, server.port)], {env});
	assert.equal(r.status, 1, r.stderr);
	assertClean('stdout', r.stdout);
	assertClean('stderr', r.stderr);
	assert.match(r.stdout, /^FAIL /);
	assert.match(r.stdout, /ping failed.*\[token\]/);
	assertNoToken('stdout', r.stdout + r.stderr);
});

test('a hostile HTTP status text: GET health check, refused WebSocket upgrade, Streamable HTTP', async () => {
	const web = await hostileHttp();
	for (const [url, transport] of [
		[`${web.url}/health`, 'http-get'],
		[web.url.replace(/^http/, 'ws'), undefined],
		[`${web.url}/mcp`, 'streamable-http'],
	] as const) {
		const r = await runCli(['--once', '--json', ...watch(url, web.port, transport)], {env});
		const what = `--once --json ${transport ?? 'ws'}`;
		assertClean(`${what} stderr`, r.stderr);
		const snap = assertCleanJson<Snapshot>(what, r.stdout);
		assert.match(snap.latency.lastError ?? '', /HTTP 503 Service Unavailable/, what);
		const text = await runCli(['--once', ...watch(url, web.port, transport)], {env});
		assertClean(`--once ${transport ?? 'ws'}`, text.stdout + text.stderr);
		assert.match(text.stdout, /HTTP 503 Service Unavailable/);
	}
});

test('a hostile HTTP status text that echoes the token is redacted', {}, async () => {
	const web = await hostileHttp();
	const url = web.url.replace(/^http/, 'ws');
	const r = await runCli(['--once', '--json', ...watch(url, web.port)], {env});
	assertNoToken('--once --json', r.stdout);
});

/** The path of the saved report in validate's output (text or JSON). */
function reportPath(stdout: string): string {
	const json = /"reportPath": "([^"]+)"/.exec(stdout)?.[1];
	const text = /Save the report: (\S+\.json)/.exec(stdout)?.[1];
	const file = json ?? text;
	assert.ok(file, `no report path in:\n${stdout}`);
	return file;
}

function assertCleanReport(file: string): {checks: Array<{name: string; reason: string}>} {
	const text = fs.readFileSync(file, 'utf8');
	assertNoToken(file, text);
	return assertCleanJson(file, text);
}

test('mcptop validate against a hostile server: text, --json and both saved reports are clean, no token', async () => {
	const server = await hostileMcp();
	const stateDir = tempDir();
	const args = ['validate', '--state-dir', stateDir, ...watch(server.url, server.port)];
	const text = await runCli(args, {env});
	assertClean('validate stdout', text.stdout);
	assertClean('validate stderr', text.stderr);
	assertNoToken('validate', text.stdout + text.stderr);
	assert.match(text.stdout, /MCP functionality: PASS: 3 tools listed/);
	const saved = assertCleanReport(reportPath(text.stdout));
	const mcp = JSON.stringify(saved.checks.find((c) => c.name === 'MCP functionality'));
	assert.match(mcp, /evil_tool/);
	assert.match(mcp, /status.*\[token\]/);

	const failing = await hostileMcp({toolFails: true});
	const json = await runCli(
		['validate', '--json', '--state-dir', stateDir, ...watch(failing.url, failing.port)],
		{env},
	);
	assertClean('validate --json stderr', json.stderr);
	assertNoToken('validate --json', json.stdout + json.stderr);
	const result = assertCleanJson<{data: {checks: Array<{name: string; reason: string}>}}>(
		'validate --json',
		json.stdout,
	);
	const reason = result.data.checks.find((c) => c.name === 'MCP functionality')?.reason ?? '';
	assert.match(reason, /get_server_status failed .*reported an error: status.*\[token\]/);
	assertCleanReport(reportPath(json.stdout));
});

test('mcptop validate through a hostile Streamable HTTP endpoint: clean text, JSON and report', async () => {
	const web = await hostileHttp();
	const stateDir = tempDir();
	for (const mode of [[], ['--json']]) {
		const r = await runCli(
			[
				'validate',
				...mode,
				'--state-dir',
				stateDir,
				...watch(`${web.url}/mcp`, web.port, 'streamable-http'),
			],
			{env},
		);
		assertClean(`validate ${mode.join(' ')}`, r.stdout + r.stderr);
		assert.match(r.stdout, /cannot open an MCP session .*HTTP 503 Service Unavailable/);
		const file = reportPath(r.stdout);
		assertCleanJson(file, fs.readFileSync(file, 'utf8'));
	}
});

test('file names with bidi, zero-width and escape characters: validate escapes them everywhere', async () => {
	const dir = tempDir();
	const stateDir = tempDir();
	const names = ['evil\u202egnp.py', 'zero\u200bwidth.py', `esc${unsafeSamples.csi}red.py`];
	fs.writeFileSync(
		path.join(dir, 'mcptop.config.json'),
		JSON.stringify({project: {dir, files: names}}),
	);
	const web = await hostileHttp();
	const args = [
		'validate',
		'--state-dir',
		stateDir,
		...watch(`${web.url}/health`, web.port, 'http-get'),
	];
	const text = await runCli(args, {cwd: dir});
	assertClean('validate', text.stdout + text.stderr);
	assert.match(text.stdout, /missing: evilgnp\.py, zerowidth\.py, escred\.py/);
	const json = await runCli([...args, '--json'], {cwd: dir});
	assertClean('validate --json', json.stdout + json.stderr);
	// The data itself is what the config says, escaped in the text: \u202e, not U+202E.
	const result = JSON.parse(json.stdout) as {data: {checks: Array<{reason: string}>}};
	assert.ok(result.data.checks.some((c) => c.reason.includes(names[0]!)));
	assert.match(json.stdout, /evil\\u202egnp\.py/);
	const file = reportPath(json.stdout);
	const saved = fs.readFileSync(file, 'utf8');
	assertClean(file, saved);
	assert.match(saved, /evil\\u202egnp\.py.*zero\\u200bwidth\.py.*esc\\u001b\[31mred\.py/);
	assert.ok(
		(JSON.parse(saved) as {checks: Array<{reason: string}>}).checks.some((c) =>
			c.reason.includes(names.join(', ')),
		),
	);
});

test('an incident dump escapes every unsafe character in every field and parses back the same', async () => {
	const dir = tempDir();
	const bad = hostileText('crash');
	const context = {
		alert: alert({severity: 'critical', text: bad, source: `log${unsafeSamples.rlo}.txt`}),
		lastLines: [bad, `\ud800 lone ${unsafeSamples.tag} tag`, 'plain line'],
		lastAlerts: [alert({text: bad})],
		snapshot: snapshot({host: `host${unsafeSamples.zwsp}`, reasons: [bad]}),
	};
	const file = await writeIncidentDump(dir, context);
	const text = fs.readFileSync(file, 'utf8');
	assertClean(file, text);
	const body = JSON.parse(text) as {alert: unknown; lastLines: unknown; metrics: unknown};
	assert.deepEqual(body.alert, context.alert);
	assert.deepEqual(body.lastLines, context.lastLines);
	assert.deepEqual(body.metrics, context.snapshot);
	assert.ok(text.includes('\\u202egpj.exe\\u2066\\u200b\\ufeff\\u009b31m\\u0000\\u0007'), text);
});

/** Ink's frame has no colours here (no TTY), so any escape character in it came from the data. */
function assertCleanFrame(what: string, frame: string): void {
	assertClean(what, frame);
	for (const sample of Object.values(unsafeSamples)) assert.ok(!frame.includes(sample), what);
}

test('the Latency pane shows the hostile server as clean text at 80 and 120 columns', async () => {
	const snap = await hostileSnapshot();
	const rpc = toEndpointError(
		new ProtocolError(-32000, `${hostileText('boom')} ${smuggle(token)}`),
		{
			url: 'ws://127.0.0.1:1',
			secrets: [token],
			what: 'ping',
		},
	);
	const variants: LatencyStatus[] = [
		snap.latency,
		{...snap.latency, lastError: rpc.message, hint: null},
		{...snap.latency, lastError: null, health: 'OK', state: 'connected'},
	];
	for (const latency of variants) {
		for (const width of [80, 120]) {
			const {lastFrame, unmount} = render(
				React.createElement(LatencyPane, {latency, now: t0, width, rows: 3, focused: false}),
			);
			const frame = lastFrame() ?? '';
			unmount();
			assertCleanFrame(`pane at ${width}`, frame);
			assert.ok(frame.split('\n').every((l) => l.length <= width));
		}
	}
	const {lastFrame} = render(
		React.createElement(LatencyPane, {
			latency: variants[1]!,
			now: t0,
			width: 120,
			rows: 3,
			focused: false,
		}),
	);
	assert.match(lastFrame() ?? '', /server error -32000 on ping: boomgpj\.exe.*\[token\]/);
	assertNoToken('pane', lastFrame() ?? '');
});

test('the live screen: hostile server and log stay inert, nothing injected reaches the terminal, the automatic dump is clean', async () => {
	const server = await hostileMcp();
	const dir = tempDir();
	const log = path.join(dir, 'server.log');
	fs.writeFileSync(log, '');
	const session = new TerminalSession(
		['--no-color', '--log', log, '--state-dir', dir, ...watch(server.url, server.port)],
		{cols: 120, rows: 40, env},
	);
	try {
		await session.waitFor(/ping failed/);
		// A critical line writes an incident dump on its own.
		fs.appendFileSync(log, `2025-09-17 10:00:00,123 - CRITICAL - ${hostileText('crash')}\n`);
		const screen = await session.waitFor(/CRIT .*crash/);
		assertClean('screen', screen);
		assertNoToken('screen', screen);
		assert.match(screen, /ping failedgpj\.exe.*\[token\]/);
		// With --no-color the UI itself writes no SGR, no OSC and none of the other samples.
		for (const [name, sample] of Object.entries(unsafeSamples)) {
			assert.ok(!session.output.includes(sample), `the terminal received ${name}`);
		}
		assert.doesNotMatch(
			session.output,
			/\x1b\]|\x1b\[[0-9;]*m|[\u202a-\u202e\u2066-\u2069\u200b\ufeff\x9b]/,
		);
		const incidents = path.join(dir, 'incidents');
		const deadline = Date.now() + 15_000;
		while (!(fs.existsSync(incidents) && fs.readdirSync(incidents).length > 0)) {
			assert.ok(Date.now() < deadline, 'no incident dump was written');
			await new Promise((r) => setTimeout(r, 100));
		}
		const dump = path.join(incidents, fs.readdirSync(incidents)[0]!);
		const body = assertCleanJson<{alert: {text: string}; metrics: Snapshot}>(
			dump,
			fs.readFileSync(dump, 'utf8'),
		);
		assertNoToken(dump, JSON.stringify(body));
		assert.match(body.alert.text, /CRITICAL - crashgpj\.exe/);
		session.press('q');
		assert.equal(await session.exit(), 0);
	} finally {
		session.kill();
	}
});
