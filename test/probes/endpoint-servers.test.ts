// The latency probe against real MCP servers on 127.0.0.1: the official reference server, servers built
// with the official SDKs in both protocol eras, WebSocket servers with and without the `mcp`
// subprotocol, a hung one, restarts and expired sessions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {EndpointProbe} from '../../source/probes/endpoint.js';
import type {EndpointStatus, LatencySample} from '../../source/types.js';
import {startMcpServer, stopAllMcpServers, type McpServerKind} from '../helpers/mcp-servers.js';
import {waitFor} from '../helpers/ws-fake-mcp.js';

const timeoutMs = 2000;
const probes: EndpointProbe[] = [];
after(async () => {
	await Promise.all(probes.map((p) => p.stop()));
	await stopAllMcpServers();
});

function probeFor(
	url: string,
	extra: Partial<ConstructorParameters<typeof EndpointProbe>[0]> = {},
) {
	const probe = new EndpointProbe({url, timeoutMs, backoff: {baseMs: 20, maxMs: 100}, ...extra});
	probes.push(probe);
	probe.start();
	return probe;
}

async function samples(probe: EndpointProbe, n: number): Promise<LatencySample[]> {
	const out: LatencySample[] = [];
	for (let i = 0; i < n; i++) out.push(await probe.probe());
	return out;
}

function okSamples(list: LatencySample[]): void {
	for (const s of list) {
		assert.equal(s.error, null);
		assert.ok(typeof s.ms === 'number' && s.ms >= 0);
	}
}

type Expect = {
	kind: EndpointStatus['kind'];
	era: 'legacy' | 'modern';
	method: string;
	server: RegExp;
};

const cases: Array<[McpServerKind, Expect, {jsonResponse?: boolean}?]> = [
	[
		'everything-streamable',
		{kind: 'streamable-http', era: 'legacy', method: 'ping', server: /everything/},
	],
	['everything-sse', {kind: 'sse', era: 'legacy', method: 'ping', server: /everything/}],
	['legacy', {kind: 'streamable-http', era: 'legacy', method: 'ping', server: /./}],
	[
		'legacy',
		{kind: 'streamable-http', era: 'legacy', method: 'ping', server: /./},
		{jsonResponse: true},
	],
	['modern', {kind: 'streamable-http', era: 'modern', method: 'server/discover', server: /./}],
	['both-eras', {kind: 'streamable-http', era: 'modern', method: 'server/discover', server: /./}],
	['legacy-sse', {kind: 'sse', era: 'legacy', method: 'ping', server: /./}],
	['ws', {kind: 'ws', era: 'legacy', method: 'ping', server: /fake-mcp/}],
	['ws-mcp-subprotocol', {kind: 'ws', era: 'legacy', method: 'ping', server: /fake-mcp/}],
];

describe('one kept session on every transport and era', () => {
	for (const [kind, expect, opts] of cases) {
		test(`${kind}${opts?.jsonResponse ? ' (JSON replies)' : ''}: ${expect.kind}, ${expect.era} era, timing ${expect.method}`, async () => {
			const server = await startMcpServer(kind, opts);
			const probe = probeFor(server.url);
			await probe.ready();
			const taken = await samples(probe, 4);
			okSamples(taken);
			const status = probe.status();
			assert.equal(status.state, 'connected', status.lastError ?? '');
			assert.equal(status.kind, expect.kind);
			assert.equal(status.era, expect.era);
			assert.equal(status.method, expect.method);
			assert.match(status.server?.name ?? '', expect.server);
			assert.equal(status.protocolVersion !== null, true);
			if (expect.era === 'modern') assert.equal(status.protocolVersion, '2026-07-28');
			assert.equal(status.sessions, 1, 'one handshake for the whole run');
			assert.ok(status.handshakeMs !== null && status.handshakeMs > 0);
			if (kind.startsWith('everything') || kind.startsWith('ws')) return;
			const stats = await server.stats();
			const count = (m: string) => stats.requests.byMethod[m] ?? 0;
			if (expect.era === 'legacy') {
				assert.equal(count('initialize'), 1);
				assert.equal(count('ping'), 4);
				assert.equal(stats.sessionsCreated, 1, 'no session per probe');
			} else {
				assert.equal(count('initialize'), 0, 'the 2026 era has no initialize');
				assert.equal(count('ping'), 0, 'the 2026 era has no ping');
				assert.equal(count('server/discover'), 5, 'the handshake probe and four probes');
			}
			assert.equal(count('tools/call'), 0, 'the liveness probe calls no tool');
			await probe.stop();
			if (kind === 'legacy') {
				const afterStop = await server.stats();
				assert.equal(afterStop.sessionsDeleted, 1, 'the session is deleted on quit');
			}
		});
	}
});

test('a 2025 server whose ping is -32601: tools/list is timed instead, and the pane says so', async () => {
	const server = await startMcpServer('legacy', {noPing: true});
	const probe = probeFor(server.url);
	await probe.ready();
	okSamples(await samples(probe, 3));
	const status = probe.status();
	assert.equal(status.method, 'tools/list');
	assert.equal(status.note, 'ping not supported (-32601): timing tools/list');
	const stats = await server.stats();
	assert.equal(stats.requests.byMethod['ping'], 1, 'ping is tried once, then not again');
	assert.equal(stats.requests.byMethod['tools/list'], 3);
});

test('an expired session (404) gets a new handshake within the same tick; no failed sample', async () => {
	const server = await startMcpServer('legacy');
	const probe = probeFor(server.url);
	await probe.ready();
	okSamples(await samples(probe, 2));
	await server.expireSessions();
	const renewed = await samples(probe, 3);
	okSamples(renewed);
	const status = probe.status();
	assert.equal(status.sessions, 2);
	assert.equal(status.state, 'connected');
	const stats = await server.stats();
	assert.equal(stats.requests.byMethod['initialize'], 2);
});

test('a server restarted mid-run: recovers within two intervals of being back, one outage', async () => {
	const server = await startMcpServer('legacy');
	const probe = probeFor(server.url);
	await probe.ready();
	okSamples(await samples(probe, 2));
	const states = new Set<string>();
	const errors = new Set<string>();
	await server.stop();
	for (let i = 0; i < 5; i++) {
		const s = await probe.probe();
		if (s.error) errors.add(s.error);
		states.add(probe.status().state);
		await new Promise((r) => setTimeout(r, 50));
	}
	assert.deepEqual([...states], ['reconnecting']);
	assert.ok(errors.size <= 2, `one outage, not an error burst: ${[...errors].join(' | ')}`);
	assert.match([...errors].join(' '), /connection refused/);
	await server.restart();
	// What the store does when the port listens again.
	probe.retryNow();
	const interval = 200;
	let recovered = -1;
	for (let tick = 0; tick < 2 && recovered < 0; tick++) {
		await new Promise((r) => setTimeout(r, interval));
		if ((await probe.probe()).error === null) recovered = tick;
	}
	assert.ok(recovered >= 0, `not back within two intervals: ${probe.status().lastError}`);
	assert.equal(probe.status().sessions, 2, 'a new session on the new server');
});

test('a server that accepts and never answers: the handshake times out, probes answer at once', async () => {
	const server = await startMcpServer('hung');
	const probe = probeFor(server.url, {timeoutMs: 300, backoff: {baseMs: 60_000, maxMs: 60_000}});
	await probe.ready();
	const status = probe.status();
	assert.equal(status.state, 'reconnecting');
	assert.match(String(status.lastError), /no answer to the MCP handshake in 300 ms/);
	const started = Date.now();
	const sample = await probe.probe();
	assert.equal(sample.ms, null);
	assert.ok(Date.now() - started < 300, 'a probe without a session does not wait');
	await probe.stop();
});

test('auto on a bare port and on a ws:// URL finds the transport, and the hint names a URL that works', async () => {
	const server = await startMcpServer('legacy');
	for (const url of [server.origin, server.origin.replace('http:', 'ws:')]) {
		const probe = probeFor(url);
		await probe.ready();
		okSamples(await samples(probe, 1));
		const status = probe.status();
		assert.equal(status.kind, 'streamable-http');
		assert.equal(status.hint, `set endpoint.url to ${server.url} (Streamable HTTP answered there)`);
		// Following the hint works, with no hint left.
		const followed = probeFor(server.url);
		await followed.ready();
		okSamples(await samples(followed, 1));
		assert.equal(followed.status().hint, null);
	}
	const sse = await startMcpServer('legacy-sse');
	const found = probeFor(sse.origin);
	await found.ready();
	okSamples(await samples(found, 1));
	assert.equal(found.status().kind, 'sse');
	assert.match(
		String(found.status().hint),
		/^set endpoint\.url to http:\/\/127\.0\.0\.1:\d+\/sse \(SSE answered there\)$/,
	);
});

test('the bearer token reaches the server and never the output; 401 and 403 say what is true', async () => {
	const token = 'tok-Zq81-secret';
	const server = await startMcpServer('legacy', {token});
	const good = probeFor(server.url, {token});
	const none = probeFor(server.url);
	const wrong = probeFor(server.url, {token: 'not-the-token-77'});
	await Promise.all([good.ready(), none.ready(), wrong.ready()]);
	const seen = JSON.stringify([
		await samples(good, 2),
		good.status(),
		await samples(none, 1),
		none.status(),
		await samples(wrong, 1),
		wrong.status(),
	]);
	assert.ok(!seen.includes(token), 'the token is in no status or sample');
	assert.ok(!seen.includes('not-the-token-77'));
	assert.equal(good.status().state, 'connected');
	assert.match(String(none.status().lastError), /HTTP 401.*no token is configured/);
	assert.match(String(none.status().hint), /MCPTOP_TOKEN/);
	assert.match(String(wrong.status().lastError), /HTTP 403.*forbidden/);
	assert.doesNotMatch(String(wrong.status().lastError), /wants a bearer token/);
	const stats = await server.stats();
	assert.ok(stats.authorizations.includes(`Bearer ${token}`));
});

test('probing adds no session or log line of its own per tick', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-log-'));
	const logFile = path.join(dir, 'server.log');
	const server = await startMcpServer('legacy', {logFile});
	const probe = probeFor(server.url);
	await probe.ready();
	await samples(probe, 1);
	const before = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;
	await samples(probe, 10);
	assert.ok(await waitFor(() => fs.readFileSync(logFile, 'utf8').length > 0));
	const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
	const added = lines.slice(before);
	// One access line per request, as uvicorn writes; no session created or ended, nothing above INFO.
	assert.equal(added.length, 10, added.join('\n'));
	assert.ok(
		added.every((l) => / - INFO - .*"POST \/mcp HTTP\/1\.1" 200/.test(l)),
		added.join('\n'),
	);
	assert.equal((await server.stats()).sessionsCreated, 1);
	fs.rmSync(dir, {recursive: true, force: true});
});

test('a broken SSE event stream (server restarted): a new client and a new handshake', async () => {
	const server = await startMcpServer('legacy-sse');
	const probe = probeFor(server.url);
	await probe.ready();
	okSamples(await samples(probe, 2));
	await server.restart();
	probe.retryNow();
	assert.ok(
		await waitFor(async () => (await probe.probe()).error === null, 10_000, 100),
		`no recovery: ${probe.status().lastError}`,
	);
	const status = probe.status();
	assert.equal(status.state, 'connected');
	assert.equal(status.sessions, 2);
	assert.equal((await server.stats()).sessionsCreated, 1, 'one session on the new server');
});
