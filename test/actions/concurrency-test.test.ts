import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {
	runConcurrencyTest,
	type ConcurrencyTestData,
	type ConcurrencyTestOptions,
} from '../../source/actions/concurrency-test.js';
import {assessConcurrency} from '../../source/lib/stats.js';
import type {ActionStep} from '../../source/types.js';
import {freePort, startFakeMcp, waitFor, type FakeMcpOptions} from '../helpers/ws-fake-mcp.js';

const timeoutMs = 400;
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
	opts: Partial<ConcurrencyTestOptions> & {url: string},
	onStep?: (s: ActionStep) => void,
) {
	const steps: ActionStep[] = [];
	const result = await runConcurrencyTest({timeoutMs, workers: 4, requests: 5, ...opts}, (step) => {
		steps.push(step);
		onStep?.(step);
	});
	const last = new Map(steps.map((s) => [s.id, s]));
	return {result, steps, last, data: result.data as ConcurrencyTestData};
}

describe('runConcurrencyTest', () => {
	test('W workers on their own connections, R sequential get_server_status calls each', async () => {
		const server = await fake({delayMs: 1});
		const {result, last, data} = await run({url: server.url});
		assert.equal(server.accepted, 4, 'one connection per worker');
		const calls = server.received.filter((r) => r.method === 'tools/call');
		assert.equal(calls.length, 20);
		assert.ok(calls.every((c) => (c.params as {name: string}).name === 'get_server_status'));
		for (let connection = 1; connection <= 4; connection++) {
			assert.equal(calls.filter((c) => c.connection === connection).length, 5);
		}
		assert.deepEqual(
			[data.planned, data.ok, data.failed, data.notSent, data.successRate],
			[20, 20, 0, 0, 1],
		);
		assert.equal(data.perWorker.length, 4);
		for (const w of data.perWorker) {
			assert.deepEqual([w.connected, w.ok, w.failed], [true, 5, 0]);
			assert.ok(w.meanMs !== null && w.meanMs > 0);
		}
		assert.ok(data.rps > 0);
		assert.equal(data.latency.count, 20);
		assert.equal(data.assessment, assessConcurrency(1, data.rps));
		assert.equal(result.ok, data.assessment !== 'Poor');
		assert.match(
			result.summary,
			/^20\/20 ok \(100 %\), [\d.]+ req\/s, mean [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms: \w+$/,
		);
		assert.equal(last.get('connect')!.detail, '4/4 connected');
		assert.equal(last.get('requests')!.detail, result.summary);
		assert.equal(server.openConnections(), 0, 'every connection closed afterwards');
	});

	test('a server failing every call: Poor, with the error', async () => {
		const server = await fake({failingTools: ['get_server_status']});
		const {result, last, data} = await run({url: server.url, workers: 2, requests: 3});
		assert.equal(result.ok, false);
		assert.equal(data.assessment, 'Poor');
		assert.equal(data.failed, 6);
		assert.equal(last.get('requests')!.status, 'fail');
		assert.deepEqual(data.errors, [
			{message: 'tool get_server_status reported an error: get_server_status failed', count: 6},
		]);
		assert.match(result.next!, /fails under load/);
	});

	test('a server without get_server_status: said so after one tools/list, no call sent', async () => {
		const server = await fake({tools: ['echo', 'get_sum']});
		const {result, last} = await run({url: server.url, workers: 2, requests: 3});
		assert.equal(result.ok, false);
		assert.equal(
			result.summary,
			'the server offers no get_server_status tool to call (2 tools offered)',
		);
		assert.match(result.next!, /UnrealBlueprintMCP server/);
		assert.doesNotMatch(result.next!, /under load/);
		assert.deepEqual(
			[last.get('tools')!.status, last.get('tools')!.detail],
			['fail', '2 tools offered, not get_server_status'],
		);
		assert.equal(last.get('requests'), undefined, 'no calls started');
		assert.equal(server.received.filter((r) => r.method === 'tools/call').length, 0);
		assert.equal(server.received.filter((r) => r.method === 'tools/list').length, 1);
		assert.equal(server.openConnections(), 0, 'every connection closed afterwards');
	});

	test('bounded in time: the deadline stops the run and counts what was not sent', async () => {
		const server = await fake({delayMs: 50});
		const {result, data} = await run({
			url: server.url,
			workers: 2,
			requests: 1000,
			deadlineMs: 500,
		});
		assert.equal(data.deadlineHit, true);
		assert.ok(data.notSent > 0);
		assert.equal(data.ok + data.failed + data.notSent, 2000);
		assert.match(result.summary, /stopped at the 500 ms deadline, \d+ not sent/);
		assert.equal(result.ok, false, 'most requests never ran');
	});

	test('connections dropped mid-run: the rest fail at once, counts add up', async () => {
		const server = await fake({delayMs: 10});
		const pending = run({url: server.url, workers: 2, requests: 200});
		assert.ok(await waitFor(() => server.received.length >= 8, 5000));
		server.dropClients();
		const {result, data} = await pending;
		assert.equal(result.ok, false);
		assert.ok(data.failed > 0);
		assert.equal(data.ok + data.failed + data.notSent, 400);
		assert.ok(data.ok < 400);
		assert.match(data.errors[0]!.message, /connection lost/);
	});

	test('an abort signal cancels the run', async () => {
		const server = await fake({delayMs: 5});
		const abort = new AbortController();
		const {result, data} = await run(
			{url: server.url, workers: 2, requests: 1000, signal: abort.signal},
			(step) => {
				if (step.id === 'requests' && step.status === 'running') abort.abort();
			},
		);
		assert.equal(result.ok, false);
		assert.equal(data.cancelled, true);
		assert.match(result.summary, /cancelled, \d+ not sent/);
		assert.ok(data.notSent > 0);
	});

	test('refused, http:// and out-of-range settings fail with a clear line', async () => {
		const port = await freePort();
		const refused = await run({url: `ws://127.0.0.1:${port}`, workers: 3});
		assert.equal(refused.result.ok, false);
		assert.equal(
			refused.result.summary,
			`cannot reach the MCP endpoint: connection refused (nothing listening on 127.0.0.1:${port})`,
		);
		assert.equal(refused.last.get('connect')!.status, 'fail');
		const health = await run({url: 'http://127.0.0.1:6277/health', transport: 'http-get'});
		assert.match(health.result.summary, /health check: it has no MCP of its own/);
		for (const [workers, requests, text] of [
			[0, 5, /workers must be a whole number from 1 to 100, got 0/],
			[101, 5, /got 101/],
			[2.5, 5, /got 2.5/],
			[2, 0, /requests must be a whole number from 1 to 1000, got 0/],
		] as const) {
			const bad = await run({url: 'ws://127.0.0.1:1', workers, requests});
			assert.match(bad.result.summary, text);
			assert.equal(bad.steps.length, 0, 'nothing started');
		}
	});

	test('the token is sent by every worker and appears nowhere in the result', async () => {
		const token = 'conc-token-777';
		const server = await fake({token});
		const {result, steps} = await run({url: server.url, token, workers: 3, requests: 2});
		assert.equal((result.data as ConcurrencyTestData).ok, 6);
		assert.deepEqual(server.authorizations, Array(3).fill(`Bearer ${token}`));
		assert.ok(!JSON.stringify([result, steps]).includes(token));
	});
});
