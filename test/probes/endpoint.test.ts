import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, describe, test} from 'node:test';
import {EndpointProbe, backoffDelay} from '../../source/probes/endpoint.js';
import type {LatencySample} from '../../source/types.js';
import {
	freePort,
	startFakeMcp,
	startHttpServer,
	startSilentServer,
	waitFor,
	type FakeMcpOptions,
} from '../helpers/ws-fake-mcp.js';

const timeoutMs = 300;
const fastBackoff = {baseMs: 10, maxMs: 50};
const cleanups: Array<() => unknown> = [];
after(async () => {
	for (const fn of cleanups.reverse()) await fn();
});

async function fake(opts: FakeMcpOptions = {}) {
	const server = await startFakeMcp(opts);
	cleanups.push(() => server.close());
	return server;
}

function probeFor(
	url: string,
	extra: Partial<ConstructorParameters<typeof EndpointProbe>[0]> = {},
) {
	const probe = new EndpointProbe({url, timeoutMs, backoff: fastBackoff, ...extra});
	cleanups.push(() => probe.stop());
	probe.start();
	return probe;
}

/** Probes until a sample satisfies `ok`, bounded in count; returns the samples taken. */
async function probeUntil(
	probe: EndpointProbe,
	ok: (s: LatencySample) => boolean,
	tries = 200,
): Promise<LatencySample[]> {
	const samples: LatencySample[] = [];
	for (let i = 0; i < tries; i++) {
		const sample = await probe.probe();
		samples.push(sample);
		if (ok(sample)) return samples;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	assert.fail(`no matching sample in ${tries} probes; last: ${JSON.stringify(samples.at(-1))}`);
}

describe('EndpointProbe over WebSocket', () => {
	test('a healthy server: pings on one kept connection, timed', async () => {
		const server = await fake({delayMs: 5});
		let clock = 1_000_000;
		const probe = probeFor(server.url, {now: () => clock++});
		assert.equal(probe.status().state, 'connecting');
		await probe.ready();
		assert.equal(probe.status().state, 'connected');
		const samples: LatencySample[] = [];
		for (let i = 0; i < 5; i++) samples.push(await probe.probe());
		for (const s of samples) {
			assert.equal(s.error, null);
			assert.ok(s.ms !== null && s.ms >= 5 - 1, `round trip includes the server delay: ${s.ms}`);
		}
		assert.ok(samples[1]!.time > samples[0]!.time, 'sample time comes from the injected clock');
		assert.equal(server.accepted, 1, 'one connection, kept');
		// The 2026 era is asked first; this 2025 server says -32601, so the client initializes once.
		assert.deepEqual(
			server.received.map((r) => r.method),
			[
				'server/discover',
				'initialize',
				'notifications/initialized',
				'ping',
				'ping',
				'ping',
				'ping',
				'ping',
			],
		);
		const status = probe.status();
		assert.ok(status.handshakeMs !== null && status.handshakeMs > 0, 'the handshake is timed');
		assert.deepEqual(
			{...status, handshakeMs: 0},
			{
				url: server.url,
				kind: 'ws',
				transport: 'auto',
				state: 'connected',
				lastError: null,
				hint: null,
				method: 'ping',
				note: null,
				era: 'legacy',
				protocolVersion: '2025-06-18',
				server: {name: 'fake-mcp', version: '1.0.0'},
				handshakeMs: 0,
				sessions: 1,
				reconnects: 0,
				nextRetryAt: null,
			},
		);
	});

	test('a slow server: timeouts are failed samples, two in a row replace the connection', async () => {
		const server = await fake();
		const probe = probeFor(server.url);
		await probe.ready();
		server.delayMs = 2000;
		const first = await probe.probe();
		assert.deepEqual([first.ms, first.error], [null, 'no reply to ping in 300 ms']);
		assert.equal(probe.status().state, 'connected', 'one timeout is not yet a hung server');
		const second = await probe.probe();
		assert.equal(second.error, 'no reply to ping in 300 ms');
		const status = probe.status();
		assert.notEqual(status.state, 'connected');
		assert.equal(status.lastError, 'no reply to 2 ping in a row (300 ms each); reconnecting');
		server.delayMs = 0;
		await probeUntil(probe, (s) => s.ms !== null);
		assert.ok(server.accepted >= 2, 'a fresh connection was made');
		assert.equal(probe.status().lastError, null);
	});

	test('server killed mid-run and back on the same port: reconnects, samples succeed again', async () => {
		const server = await startFakeMcp();
		const port = server.port;
		const probe = probeFor(server.url);
		await probe.ready();
		assert.equal((await probe.probe()).error, null);
		await server.close();
		const failed = await probeUntil(probe, (s) => s.ms === null);
		assert.ok(failed.at(-1)!.error, 'a failed sample carries an error');
		assert.ok(
			await waitFor(() => probe.status().lastError?.includes('connection refused') ?? false),
		);
		assert.equal(probe.status().state, 'reconnecting');
		const back = await fake({port});
		await probeUntil(probe, (s) => s.ms !== null);
		assert.equal(back.accepted, 1);
		const status = probe.status();
		assert.equal(status.state, 'connected');
		assert.ok(status.reconnects >= 1);
		assert.equal(status.nextRetryAt, null);
	});

	test('a server that never completes the handshake: timed out, probe answers at once', async () => {
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const probe = probeFor(silent.url, {backoff: {baseMs: 60_000, maxMs: 60_000}});
		await probe.ready();
		const status = probe.status();
		assert.equal(status.lastError, 'WebSocket handshake timed out after 300 ms');
		assert.equal(status.state, 'reconnecting');
		assert.ok(status.nextRetryAt !== null);
		const sample = await probe.probe();
		assert.deepEqual(
			[sample.ms, sample.error],
			[null, 'WebSocket handshake timed out after 300 ms'],
		);
		await probe.stop();
		assert.equal(probe.status().state, 'stopped');
		assert.equal(probe.status().nextRetryAt, null);
		assert.equal((await probe.probe()).error, 'probe stopped');
	});

	test('a server that answers non-JSON: failed samples with the reason', async () => {
		const server = await fake({mode: 'non-json'});
		const probe = probeFor(server.url);
		await probe.ready();
		const sample = await probe.probe();
		assert.equal(sample.ms, null);
		assert.equal(sample.error, 'server sent non-JSON: "<html>this is not json</html>"');
		assert.equal(probe.status().lastError, sample.error);
	});

	test('an oversized reply: failed sample, connection dropped and retried', async () => {
		const server = await fake({mode: 'oversized'});
		const probe = probeFor(server.url);
		await probe.ready();
		const sample = await probe.probe();
		assert.equal(sample.error, 'frame larger than 1 MiB');
		assert.ok(await waitFor(() => server.accepted >= 2), 'reconnected after the drop');
		server.mode = 'healthy';
		await probeUntil(probe, (s) => s.ms !== null);
	});

	test('a ping answered with an error other than -32601: failed samples with the server text', async () => {
		const server = await fake();
		const probe = probeFor(server.url);
		await probe.ready();
		server.mode = 'rpc-error';
		const refused = await probe.probe();
		assert.equal(refused.error, 'server error -32000 on ping: Internal failure');
		assert.equal(probe.status().method, 'ping', 'only -32601 switches what is timed');
		assert.equal(probe.status().state, 'connected', 'an answered error is not a lost session');
	});

	test('a plain HTTP service on a ws:// URL: no MCP anywhere, every path tried is named', async () => {
		const plain = await startHttpServer();
		cleanups.push(() => plain.close());
		plain.status = 404;
		const probe = probeFor(`ws://127.0.0.1:${plain.port}`, {
			// Three transports are tried in turn: each needs its own time on a busy machine.
			timeoutMs: 3000,
			backoff: {baseMs: 60_000, maxMs: 60_000},
		});
		await probe.ready();
		const status = probe.status();
		assert.equal(
			status.lastError,
			'no MCP answer: tried WebSocket 127.0.0.1:' +
				plain.port +
				' (HTTP 404), Streamable HTTP /mcp (HTTP 404), SSE /sse (HTTP 404)',
		);
	});

	test('the token goes in the Authorization header and nowhere else', async () => {
		const token = 'tok-9f8e7d6c5b4a';
		const server = await fake({token});
		const good = probeFor(server.url, {token});
		await good.ready();
		assert.equal((await good.probe()).error, null);
		assert.equal(server.authorizations[0], `Bearer ${token}`);

		const rejected = probeFor(server.url, {token: `${token}-old`});
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const hung = probeFor(silent.url, {token});
		const refused = probeFor(`ws://127.0.0.1:${await freePort()}`, {token});
		await Promise.all([rejected.ready(), hung.ready(), refused.ready()]);
		const seen: string[] = [];
		for (const probe of [good, rejected, hung, refused]) {
			seen.push(JSON.stringify(probe.status()), JSON.stringify(await probe.probe()));
		}
		assert.match(seen.join('\n'), /HTTP 401 Unauthorized: the bearer token was rejected/);
		for (const text of seen) assert.ok(!text.includes(token), text);
	});
});

describe('EndpointProbe over HTTP', () => {
	test('GETs the URL; 2xx is up, other statuses and refusals are failed samples', async () => {
		const plain = await startHttpServer();
		cleanups.push(() => plain.close());
		const probe = probeFor(`${plain.url}/health`, {token: 'http-token-123'});
		await probe.ready();
		const ok = await probe.probe();
		assert.equal(ok.error, null);
		assert.ok(ok.ms !== null && ok.ms >= 0);
		assert.deepEqual(plain.requests[0], {
			method: 'GET',
			url: '/health',
			authorization: 'Bearer http-token-123',
		});
		assert.equal(probe.status().kind, 'inspector', "a /health URL is the Inspector proxy's check");
		assert.equal(probe.status().method, 'GET /health');
		assert.match(String(probe.status().note), /proves only that the Inspector proxy runs/);
		assert.equal(probe.status().state, 'connected');

		plain.status = 503;
		const down = await probe.probe();
		assert.deepEqual([down.ms, down.error], [null, 'HTTP 503 Service Unavailable']);
		assert.equal(probe.status().lastError, 'HTTP 503 Service Unavailable');
		assert.ok(!JSON.stringify(probe.status()).includes('http-token-123'));

		const port = await freePort();
		const nothing = probeFor(`http://127.0.0.1:${port}/health`);
		assert.equal(
			(await nothing.probe()).error,
			`connection refused (nothing listening on 127.0.0.1:${port})`,
		);
	});

	test('a silent HTTP server: no reply to GET within the timeout', async () => {
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const probe = probeFor(`http://127.0.0.1:${silent.port}/health`);
		const sample = await probe.probe();
		assert.deepEqual([sample.ms, sample.error], [null, 'no reply to GET in 300 ms']);
	});

	test('a URL of another scheme: failed samples, never a throw', async () => {
		const probe = probeFor('ftp://127.0.0.1/x');
		const sample = await probe.probe();
		assert.equal(sample.ms, null);
		assert.equal(sample.error, 'not a ws://, wss://, http:// or https:// URL: ftp://127.0.0.1/x');
	});
});

describe('backoff and cleanup', () => {
	test('full-jitter backoff: random(0, min(max, base * 2^n))', () => {
		const backoff = {baseMs: 100, maxMs: 1000};
		assert.deepEqual(
			[0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, backoff, () => 0.999999)),
			[99, 199, 399, 799, 999, 999, 999],
		);
		assert.equal(
			backoffDelay(5, backoff, () => 0),
			0,
		);
		assert.equal(
			backoffDelay(1, backoff, () => 0.5),
			100,
		);
	});

	test('reconnect delays follow the backoff and reset after a good connection', async () => {
		const port = await freePort();
		// Each reading of the clock jumps 1000 ms, so nextRetryAt % 1000 is the delay that was chosen.
		let clock = 0;
		const probe = probeFor(`ws://127.0.0.1:${port}`, {
			now: () => (clock += 1000),
			backoff: {baseMs: 200, maxMs: 800},
			random: () => 0.999,
		});
		const seen = new Map<number, number>();
		const observe = (count: number) => () => {
			const at = probe.status().nextRetryAt;
			if (at !== null) seen.set(at, at % 1000);
			return seen.size >= count;
		};
		assert.ok(await waitFor(observe(4), 10_000, 2));
		assert.deepEqual([...seen.values()].slice(0, 4), [199, 399, 799, 799]);
		const server = await startFakeMcp({port});
		assert.ok(await waitFor(() => probe.status().state === 'connected'));
		assert.ok(probe.status().reconnects >= 4);
		seen.clear();
		await server.close();
		assert.ok(await waitFor(observe(1), 10_000, 2));
		assert.deepEqual([...seen.values()][0], 199, 'the backoff starts over after a good connection');
	});

	test('stop() leaves no timers or sockets: the process exits on its own', async () => {
		// Answers the handshake, then nothing: the child's ping stays in flight.
		const hung = await fake();
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const plain = await startHttpServer();
		cleanups.push(() => plain.close());
		const refusedUrl = `ws://127.0.0.1:${await freePort()}`;
		const here = path.dirname(fileURLToPath(import.meta.url));
		const child = spawn(
			process.execPath,
			[
				'--import',
				'tsx',
				path.join(here, '../helpers/ws-probe-child.ts'),
				hung.url,
				silent.url,
				refusedUrl,
				`${plain.url}/health`,
			],
			{stdio: ['ignore', 'pipe', 'pipe'], cwd: path.join(here, '../..')},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d));
		child.stderr.on('data', (d: Buffer) => (stderr += d));
		let code: number | null = null;
		child.on('exit', (c) => (code = c ?? -1));
		// The child starts tsx first: on a busy machine that alone can take seconds.
		assert.ok(
			await waitFor(
				() => hung.received.some((r) => r.method === 'notifications/initialized'),
				30_000,
			),
		);
		hung.mode = 'never-answers';
		const exited = await waitFor(() => code !== null, 20_000, 25);
		if (!exited) process.kill(child.pid!, 'SIGKILL');
		assert.ok(exited, `the child kept running after stop(); stdout: ${stdout} stderr: ${stderr}`);
		assert.equal(code, 0, stderr);
		const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
			before: string[];
			after: string[];
			resources: string[];
		};
		assert.deepEqual(report.before, ['connected', 'connecting', 'reconnecting', 'connected']);
		assert.deepEqual(report.after, ['stopped', 'stopped', 'stopped', 'stopped']);
		assert.ok(!report.resources.includes('Timeout'), report.resources.join(','));
		assert.ok(!report.resources.includes('TCPSocketWrap'), report.resources.join(','));
		assert.ok(
			hung.received.some((r) => r.method === 'ping'),
			'a ping was in flight',
		);
	});
});

test('retryNow skips the backoff once the server is back', async () => {
	const first = await startFakeMcp();
	const port = first.port;
	const probe = new EndpointProbe({
		url: first.url,
		timeoutMs: 500,
		backoff: {baseMs: 60_000, maxMs: 60_000},
		random: () => 0.99,
	});
	probe.start();
	try {
		await probe.ready();
		assert.equal(probe.status().state, 'connected');
		await first.close();
		assert.ok(await waitFor(() => probe.status().state === 'reconnecting', 5000));
		const back = await startFakeMcp({port});
		try {
			assert.ok(
				(probe.status().nextRetryAt ?? 0) - Date.now() > 30_000,
				'the backoff alone would wait',
			);
			probe.retryNow();
			assert.ok(
				await waitFor(() => probe.status().state === 'connected', 5000),
				'connected at once',
			);
			const sample = await probe.probe();
			assert.equal(typeof sample.ms, 'number');
		} finally {
			await back.close();
		}
	} finally {
		await probe.stop();
	}
});
