// Validation's MCP check, the latency analysis and the concurrency test on every transport and era,
// against real servers built with the official SDKs (and the in-process WebSocket one).
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {
	runConcurrencyTest,
	type ConcurrencyTestData,
} from '../../source/actions/concurrency-test.js';
import {
	runLatencyAnalysis,
	type LatencyAnalysisData,
} from '../../source/actions/latency-analysis.js';
import {checkMcp} from '../../source/actions/validate.js';
import {defaultConfig} from '../../source/config.js';
import {startMcpServer, stopAllMcpServers, type McpServerKind} from '../helpers/mcp-servers.js';

after(() => stopAllMcpServers());

const timeoutMs = 3000;
const readOnlyTools = [
	'get_server_status',
	'list_supported_blueprint_classes',
	'test_unreal_connection',
];
const kinds: Array<[McpServerKind, RegExp]> = [
	['legacy', /Streamable HTTP, 2025-11-25/],
	['modern', /Streamable HTTP, 2026-07-28/],
	['both-eras', /Streamable HTTP, 2026-07-28/],
	['legacy-sse', /SSE, 2025-11-25/],
	['ws', /WebSocket, 2025-06-18/],
];

describe('every transport', () => {
	for (const [kind, how] of kinds) {
		test(`${kind}: validation PASS, latency analysis and concurrency test run, no asset tool called`, async () => {
			const server = await startMcpServer(kind);
			const config = defaultConfig();
			config.endpoint.url = server.url;
			config.endpoint.timeoutMs = timeoutMs;

			const check = await checkMcp(config, null);
			assert.equal(check.status, 'PASS', check.reason);
			assert.match(check.reason, how);
			assert.match(check.reason, /4 tools listed; get_server_status answered in \d+ ms/);

			const latency = await runLatencyAnalysis(
				{url: server.url, timeoutMs, tools: readOnlyTools, iterations: 3},
				() => {},
			);
			assert.equal(latency.ok, true, latency.summary);
			const data = latency.data as LatencyAnalysisData;
			assert.deepEqual(
				data.tools.map((t) => [t.tool, t.count, t.failed]),
				readOnlyTools.map((t) => [t, 3, 0]),
			);

			const load = await runConcurrencyTest(
				{url: server.url, timeoutMs, workers: 3, requests: 4},
				() => {},
			);
			const loadData = load.data as ConcurrencyTestData;
			assert.equal(loadData.ok, 12, load.summary);
			assert.equal(loadData.failed, 0);

			if (kind === 'ws') return;
			const stats = await server.stats();
			assert.equal(stats.toolCalls['create_blueprint'] ?? 0, 0, 'never an asset-creating tool');
			assert.equal(stats.toolCalls['get_server_status'], 1 + 3 + 12);
			if (kind === 'legacy') {
				// Validation, the analysis and three workers: five sessions, each deleted when done.
				assert.equal(stats.sessionsCreated, 5);
				assert.equal(stats.sessionsDeleted, 5);
			}
		});
	}
});

test('the official reference server: tools listed, and no get_server_status is a WARN, not a FAIL', async () => {
	for (const kind of ['everything-streamable', 'everything-sse'] as const) {
		const server = await startMcpServer(kind);
		const config = defaultConfig();
		config.endpoint.url = server.url;
		config.endpoint.timeoutMs = timeoutMs;
		const check = await checkMcp(config, null);
		assert.equal(check.status, 'WARN', check.reason);
		assert.match(
			check.reason,
			/\d+ tools listed \((Streamable HTTP|SSE), 2025-11-25\), but no get_server_status/,
		);
		const latency = await runLatencyAnalysis(
			{url: server.url, timeoutMs, tools: readOnlyTools, iterations: 2},
			() => {},
		);
		assert.equal(latency.ok, false);
		assert.match(latency.summary, /none of the configured tools is offered by the server/);
	}
});

test('a bearer token on Streamable HTTP: every action sends it, none shows it', async () => {
	const token = 'act-token-5150';
	const server = await startMcpServer('modern', {token});
	const config = defaultConfig();
	config.endpoint.url = server.url;
	config.endpoint.timeoutMs = timeoutMs;
	const check = await checkMcp(config, token);
	const latency = await runLatencyAnalysis(
		{url: server.url, token, timeoutMs, tools: ['get_server_status'], iterations: 2},
		() => {},
	);
	const load = await runConcurrencyTest(
		{url: server.url, token, timeoutMs, workers: 2, requests: 2},
		() => {},
	);
	assert.equal(check.status, 'PASS', check.reason);
	assert.equal(latency.ok, true, latency.summary);
	assert.equal((load.data as ConcurrencyTestData).ok, 4);
	assert.ok(!JSON.stringify([check, latency, load]).includes(token));
	assert.deepEqual((await server.stats()).authorizations, [`Bearer ${token}`]);
	const refused = await checkMcp(config, null);
	assert.equal(refused.status, 'FAIL');
	assert.match(refused.reason, /HTTP 401.*no token is configured/);
});
