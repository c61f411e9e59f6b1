import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {
	runLatencyAnalysis,
	type LatencyAnalysisData,
	type LatencyAnalysisOptions,
} from '../../source/actions/latency-analysis.js';
import {assessLatency} from '../../source/lib/stats.js';
import type {ActionStep} from '../../source/types.js';
import {freePort, startFakeMcp, type FakeMcpOptions} from '../helpers/ws-fake-mcp.js';

const timeoutMs = 300;
const readOnly = [
	'get_server_status',
	'list_supported_blueprint_classes',
	'test_unreal_connection',
];
const cleanups: Array<() => unknown> = [];
after(async () => {
	for (const fn of cleanups.reverse()) await fn();
});

async function fake(opts: FakeMcpOptions = {}) {
	const server = await startFakeMcp(opts);
	cleanups.push(() => server.close());
	return server;
}

async function run(
	opts: Partial<LatencyAnalysisOptions> & {url: string},
	onStep?: (s: ActionStep) => void,
) {
	const steps: ActionStep[] = [];
	const result = await runLatencyAnalysis(
		{timeoutMs, tools: readOnly, iterations: 5, ...opts},
		(step) => {
			steps.push(step);
			onStep?.(step);
		},
	);
	const last = new Map(steps.map((s) => [s.id, s]));
	return {result, steps, last, data: result.data as LatencyAnalysisData};
}

describe('runLatencyAnalysis', () => {
	test('measures each read-only tool N times and never calls any other tool', async () => {
		let n = 0;
		const server = await fake({delayMs: () => 1 + (n++ % 4)});
		const {result, steps, last, data} = await run({url: server.url});
		assert.equal(result.ok, true, result.summary);
		assert.match(result.summary, /^3 tools measured, slowest \S+ mean [\d.]+ ms \(\w+\)$/);
		const calls = server.received.filter((r) => r.method === 'tools/call');
		assert.equal(calls.length, 15);
		for (const call of calls) {
			const params = call.params as {name: string; arguments: unknown};
			assert.ok(readOnly.includes(params.name), `called ${params.name}`);
			assert.deepEqual(params.arguments, {});
		}
		assert.ok(!calls.some((c) => (c.params as {name: string}).name === 'create_blueprint'));
		assert.deepEqual(
			data.tools.map((t) => [t.tool, t.count, t.calls, t.failed]),
			readOnly.map((tool) => [tool, 5, 5, 0]),
		);
		for (const t of data.tools) {
			assert.ok(t.min !== null && t.max !== null && t.mean !== null && t.p95 !== null);
			assert.ok(t.min <= t.median! && t.median! <= t.max && t.p95 <= t.p99! && t.p99! <= t.max);
			assert.ok(t.stdev !== null && t.stdev >= 0);
			assert.equal(t.assessment, assessLatency(t.mean));
		}
		assert.equal(steps[0]!.status, 'running');
		assert.equal(last.get('connect')!.status, 'ok');
		assert.equal(last.get('tools')!.detail, '4 tools offered');
		assert.match(
			last.get('tool:get_server_status')!.detail!,
			/^mean [\d.]+ ms, median .*p95 .*: \w+$/,
		);
		assert.equal(server.accepted, 1, 'one connection for the whole analysis');
	});

	test('a configured tool the server does not offer is skipped, not called', async () => {
		const server = await fake();
		const {result, last, data} = await run({
			url: server.url,
			tools: ['get_server_status', 'no_such_tool'],
			iterations: 2,
		});
		assert.equal(last.get('tool:no_such_tool')!.status, 'skipped');
		assert.equal(last.get('tool:no_such_tool')!.detail, 'not offered by the server');
		assert.ok(!server.received.some((r) => (r.params as {name?: string})?.name === 'no_such_tool'));
		assert.equal(data.tools[1]!.calls, 0);
		assert.match(result.summary, /1 not offered by the server/);
	});

	test('a tool that reports errors fails its step and the analysis', async () => {
		const server = await fake({failingTools: ['test_unreal_connection']});
		const {result, last, data} = await run({url: server.url, iterations: 3});
		assert.equal(result.ok, false);
		const step = last.get('tool:test_unreal_connection')!;
		assert.equal(step.status, 'fail');
		assert.match(step.detail!, /3\/3 failed: tool test_unreal_connection reported an error/);
		assert.deepEqual(data.tools[2]!.errors, [
			{
				message: 'tool test_unreal_connection reported an error: test_unreal_connection failed',
				count: 3,
			},
		]);
		assert.match(result.summary, /3 calls failed/);
		assert.ok(result.next);
	});

	test('a tool that stops answering is given up after 3 timeouts, bounded', async () => {
		const server = await fake();
		const {result, last, data} = await run(
			{url: server.url, tools: ['get_server_status'], iterations: 50},
			(step) => {
				if (step.id === 'tools' && step.status !== 'running') server.mode = 'never-answers';
			},
		);
		assert.equal(result.ok, false);
		assert.equal(data.tools[0]!.calls, 3);
		assert.equal(data.tools[0]!.note, 'stopped after 3 timeouts in a row');
		assert.match(
			last.get('tool:get_server_status')!.detail!,
			/no reply to tools\/call get_server_status in 300 ms/,
		);
		assert.equal(
			result.summary,
			'latency analysis: every call failed (no reply to tools/call get_server_status in 300 ms)',
		);
	});

	test('a server that requires initialize, and a bearer token that never leaks', async () => {
		const token = 'latency-secret-42';
		const server = await fake({token, requireInitialize: true});
		const {result, steps} = await run({url: server.url, token, iterations: 2});
		assert.equal(result.ok, true, result.summary);
		assert.equal(server.authorizations[0], `Bearer ${token}`);
		// The 2026 era is probed first; this 2025 server refuses it, so the client initializes.
		assert.deepEqual(
			server.received.slice(0, 2).map((r) => r.method),
			['server/discover', 'initialize'],
		);
		const refused = await run({url: server.url, token: 'wrong-token-zz', iterations: 1});
		assert.equal(refused.result.ok, false);
		assert.match(refused.result.summary, /HTTP 401/);
		const everything = JSON.stringify([result, steps, refused.result, refused.steps]);
		assert.ok(!everything.includes(token));
		assert.ok(!everything.includes('wrong-token-zz'));
	});

	test('nothing listening, an http:// URL, or bad settings: a clear failure', async () => {
		const port = await freePort();
		const refused = await run({url: `ws://127.0.0.1:${port}`});
		assert.equal(refused.result.ok, false);
		assert.equal(
			refused.result.summary,
			`cannot reach the MCP endpoint: connection refused (nothing listening on 127.0.0.1:${port})`,
		);
		assert.equal(refused.last.get('connect')!.status, 'fail');

		const health = await run({url: 'http://127.0.0.1:6277/health'});
		assert.match(health.result.summary, /the MCP Inspector proxy's health check: it has no MCP/);
		assert.match(health.result.next!, /MCP_PROXY_AUTH_TOKEN/);
		const none = await run({url: 'ws://127.0.0.1:1', tools: []});
		assert.equal(none.result.summary, 'no tools to measure');
		const zero = await run({url: 'ws://127.0.0.1:1', iterations: 0});
		assert.match(zero.result.summary, /iterations must be a whole number from 1 to 1000, got 0/);
	});

	test('an abort signal stops the run between calls', async () => {
		const server = await fake({delayMs: 5});
		const abort = new AbortController();
		const {result, data} = await run(
			{url: server.url, iterations: 1000, signal: abort.signal},
			(step) => {
				if (step.id === 'tool:get_server_status' && step.status === 'running') abort.abort();
			},
		);
		assert.equal(result.ok, false);
		assert.equal(data.cancelled, true);
		assert.match(result.summary, /cancelled after 1\/3 tools/);
		assert.ok(data.tools[0]!.calls < 1000);
		assert.equal(data.tools.length, 1);
	});
});
