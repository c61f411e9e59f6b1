// Smoke test of the MCP server fixtures: each kind really speaks what it claims, to the official v2
// client, and its control endpoint counts what happened.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {
	Client,
	SSEClientTransport,
	StreamableHTTPClientTransport,
	SdkError,
	type SdkHttpError,
} from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import {startMcpServer, stopAllMcpServers, type McpServerKind} from './mcp-servers.js';

after(stopAllMcpServers);

const acceptBoth = {
	'content-type': 'application/json',
	accept: 'application/json, text/event-stream',
};
const initialize = {
	jsonrpc: '2.0',
	id: 1,
	method: 'initialize',
	params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 't', version: '1'}},
};

function transportFor(url: string, headers?: Record<string, string>) {
	const requestInit = headers ? {headers} : undefined;
	return url.endsWith('/sse')
		? new SSEClientTransport(new URL(url), {requestInit})
		: new StreamableHTTPClientTransport(new URL(url), {requestInit});
}

async function connect(
	url: string,
	opts: {mode?: 'auto' | 'legacy'; headers?: Record<string, string>} = {},
) {
	const client = new Client(
		{name: 'mcptop-test', version: '1.0.0'},
		{versionNegotiation: {mode: opts.mode ?? 'auto'}},
	);
	const transport = transportFor(url, opts.headers);
	await client.connect(transport);
	return {client, transport};
}

function statusOf(result: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
	const [first] = result.content as Array<{type: string; text: string}>;
	return JSON.parse(first!.text) as Record<string, unknown>;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
	return fetch(url, {
		method: 'POST',
		headers: {...acceptBoth, ...headers},
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(5000),
	});
}

// Each server is a child process that takes about half a CPU-second to start: a few at a time.
describe('MCP server fixtures', {concurrency: 3}, () => {
	const kinds: Array<[McpServerKind, 'legacy' | 'modern']> = [
		['everything-streamable', 'legacy'],
		['everything-sse', 'legacy'],
		['legacy', 'legacy'],
		['legacy-sse', 'legacy'],
		['modern', 'modern'],
		['both-eras', 'modern'],
	];
	for (const [kind, era] of kinds) {
		test(`${kind}: the v2 client connects on the ${era} era and lists tools`, async () => {
			const server = await startMcpServer(kind);
			assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/(mcp|sse)$/);
			const {client} = await connect(server.url);
			assert.equal(client.getProtocolEra(), era);
			const tools = (await client.listTools()).tools.map((t) => t.name);
			if (kind.startsWith('everything')) {
				assert.ok(tools.includes('echo'), tools.join());
				await assert.rejects(server.stats(), /not supported/);
			} else {
				assert.deepEqual(tools.sort(), [
					'create_blueprint',
					'get_server_status',
					'list_supported_blueprint_classes',
					'test_unreal_connection',
				]);
				const status = statusOf(await client.callTool({name: 'get_server_status', arguments: {}}));
				assert.equal(status.status, 'running');
				assert.equal(status.pid, server.pid);
			}
			if (era === 'legacy') {
				assert.deepEqual(await client.ping(), {});
			} else {
				// The 2026-07-28 era has no ping: the client refuses locally, nothing is sent.
				await assert.rejects(
					client.ping(),
					(e: unknown) =>
						e instanceof SdkError && e.code === 'METHOD_NOT_SUPPORTED_BY_PROTOCOL_VERSION',
				);
			}
			await client.close();
			if (!kind.startsWith('everything')) {
				const stats = await server.stats();
				assert.equal(stats.kind, kind);
				assert.equal(stats.requests.byMethod['tools/list'], 1);
				assert.equal(stats.requests.byMethod['server/discover'], 1);
				assert.equal(stats.requests.byMethod.ping, era === 'legacy' ? 1 : undefined);
				assert.equal(stats.requests.byMethod.initialize, era === 'legacy' ? 1 : undefined);
				assert.deepEqual(stats.toolCalls, {get_server_status: 1});
				assert.equal(stats.sessionsCreated, kind === 'legacy' || kind === 'legacy-sse' ? 1 : 0);
			}
			await server.stop();
			assert.throws(() => process.kill(server.pid, 0), {code: 'ESRCH'});
		});
	}

	test('both-eras also serves a 2025-era client, statelessly, with ping', async () => {
		const server = await startMcpServer('both-eras');
		const {client, transport} = await connect(server.url, {mode: 'legacy'});
		assert.equal(client.getProtocolEra(), 'legacy');
		assert.equal((transport as StreamableHTTPClientTransport).sessionId, undefined);
		assert.deepEqual(await client.ping(), {});
		assert.equal(statusOf(await client.callTool({name: 'get_server_status'})).status, 'running');
		await client.close();
		const res = await fetch(server.url, {method: 'GET', headers: {accept: 'text/event-stream'}});
		assert.equal(res.status, 405);
	});

	test('modern refuses a 2025-era initialize with 400 and -32022', async () => {
		const server = await startMcpServer('modern');
		const res = await post(server.url, initialize);
		assert.equal(res.status, 400);
		const body = (await res.json()) as {error: {code: number; data: {supported: string[]}}};
		assert.equal(body.error.code, -32022);
		assert.deepEqual(body.error.data.supported, ['2026-07-28']);
		await assert.rejects(connect(server.url, {mode: 'legacy'}));
	});

	for (const kind of ['legacy', 'legacy-sse', 'both-eras'] as const) {
		test(`${kind} noPing: ping answers -32601, the rest works`, async () => {
			const server = await startMcpServer(kind, {noPing: true});
			// both-eras: ping exists only on its 2025-era leg.
			const {client} = await connect(server.url, {mode: kind === 'both-eras' ? 'legacy' : 'auto'});
			await assert.rejects(client.ping(), (e: unknown) => (e as {code?: unknown}).code === -32601);
			assert.equal((await client.listTools()).tools.length, 4);
			await client.close();
			assert.equal((await server.stats()).requests.byMethod.ping, 1);
		});
	}

	test('token: 401 without, 403 with another, and the header reaches the server', async () => {
		const server = await startMcpServer('legacy', {token: 'sekret'});
		assert.equal((await post(server.url, initialize)).status, 401);
		assert.equal((await post(server.url, initialize, {authorization: 'Bearer nope'})).status, 403);
		await assert.rejects(connect(server.url), (e: unknown) => (e as SdkHttpError).status === 401);
		const {client} = await connect(server.url, {headers: {Authorization: 'Bearer sekret'}});
		assert.equal((await client.listTools()).tools.length, 4);
		await client.close();
		const stats = await server.stats();
		assert.deepEqual(stats.authorizations, ['Bearer nope', 'Bearer sekret']);
		assert.equal(stats.requests.authRejected, 3);
		assert.equal(stats.sessionsCreated, 1);
	});

	test('modern with a token rejects the probe with 401', async () => {
		const server = await startMcpServer('modern', {token: 't0k'});
		await assert.rejects(connect(server.url), (e: unknown) => (e as SdkHttpError).status === 401);
		const {client} = await connect(server.url, {headers: {Authorization: 'Bearer t0k'}});
		assert.equal(client.getProtocolEra(), 'modern');
		await client.close();
	});

	test('legacy expireSessions: the old session id gets 404 Session not found', async () => {
		const server = await startMcpServer('legacy');
		const {client, transport} = await connect(server.url);
		const sessionId = (transport as StreamableHTTPClientTransport).sessionId;
		assert.ok(sessionId);
		await server.expireSessions();
		const res = await post(
			server.url,
			{jsonrpc: '2.0', id: 9, method: 'tools/list'},
			{'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18'},
		);
		assert.equal(res.status, 404);
		assert.match(await res.text(), /Session not found/);
		// The SDK client keeps its session id and surfaces the 404; it does not re-initialize.
		await assert.rejects(client.listTools(), (e: unknown) => (e as SdkHttpError).status === 404);
		await client.close();
		const stats = await server.stats();
		assert.equal(stats.requests.byMethod.initialize, 1);
		assert.equal(stats.sessionsExpired, 1);
		assert.equal(stats.sessionsOpen, 0);
	});

	test('legacy-sse expireSessions: POST /messages on the old session gets 404', async () => {
		const server = await startMcpServer('legacy-sse');
		const stream = await fetch(server.url, {headers: {accept: 'text/event-stream'}});
		const reader = stream.body!.getReader();
		const first = new TextDecoder().decode((await reader.read()).value);
		const endpoint = /data: (\S+)/.exec(first)?.[1];
		assert.match(endpoint ?? '', /^\/messages\?sessionId=/);
		await server.expireSessions();
		const res = await post(`${server.origin}${endpoint}`, initialize);
		assert.equal(res.status, 404);
		await reader.cancel();
	});

	test('DELETE ends a legacy session and is counted', async () => {
		const server = await startMcpServer('legacy');
		const {client, transport} = await connect(server.url);
		await (transport as StreamableHTTPClientTransport).terminateSession();
		await client.close();
		const stats = await server.stats();
		assert.equal(stats.sessionsDeleted, 1);
		assert.equal(stats.requests.httpByVerb.DELETE, 1);
		assert.equal(stats.sessionsOpen, 0);
	});

	test('logFile: one access line per HTTP request, plus session lines', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-fixture-log-'));
		after(() => fs.rmSync(dir, {recursive: true, force: true}));
		const logFile = path.join(dir, 'server.log');
		const server = await startMcpServer('legacy', {logFile});
		const {client} = await connect(server.url);
		await client.ping();
		await client.close();
		const stats = await server.stats();
		const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
		const access = lines.filter((l) =>
			/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - 127\.0\.0\.1:\d+ - "(POST|GET|DELETE) \/mcp HTTP\/1\.1" \d{3}/.test(
				l,
			),
		);
		const verbs = stats.requests.httpByVerb;
		assert.equal(access.length, verbs.POST! + verbs.GET! + verbs.DELETE!);
		assert.equal(lines.filter((l) => / - INFO - Session created: /.test(l)).length, 1);
	});

	test('jsonResponse: legacy answers initialize as application/json instead of SSE', async () => {
		const [plain, json] = await Promise.all([
			startMcpServer('legacy'),
			startMcpServer('legacy', {jsonResponse: true}),
		]);
		assert.equal(
			(await post(plain.url, initialize)).headers.get('content-type'),
			'text/event-stream',
		);
		const res = await post(json.url, initialize);
		assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
		assert.ok(res.headers.get('mcp-session-id'));
	});

	test('toolDelayMs holds tool results back', async () => {
		const server = await startMcpServer('legacy', {toolDelayMs: 2000});
		const {client} = await connect(server.url);
		await assert.rejects(
			client.callTool({name: 'test_unreal_connection'}, {timeout: 100}),
			/timed out/i,
		);
		assert.deepEqual(await client.ping(), {});
		await client.close();
	});

	test('hung reads the request and never answers', async () => {
		const server = await startMcpServer('hung');
		await assert.rejects(
			fetch(server.url, {
				method: 'POST',
				headers: acceptBoth,
				body: JSON.stringify(initialize),
				signal: AbortSignal.timeout(500),
			}),
			{name: 'TimeoutError'},
		);
		// It did arrive and was read: the server counted it.
		const stats = await server.stats();
		assert.equal(stats.requests.byMethod.initialize, 1);
		assert.equal(stats.requests.httpByVerb.POST, 1);
	});

	test('restart keeps the port, changes the pid, and the server is down in between', async () => {
		const server = await startMcpServer('legacy');
		const {port, pid} = server;
		await server.stop();
		await assert.rejects(post(server.url, initialize), {message: 'fetch failed'});
		await server.restart();
		assert.equal(server.port, port);
		assert.notEqual(server.pid, pid);
		const {client} = await connect(server.url);
		assert.equal((await client.listTools()).tools.length, 4);
		await client.close();
		assert.equal((await server.stats()).sessionsCreated, 1);
	});

	test('options a kind cannot honour are refused', async () => {
		await assert.rejects(startMcpServer('everything-streamable', {token: 'x'}), /token/);
		await assert.rejects(startMcpServer('modern', {noPing: true}), /noPing/);
	});

	test('ws: JSON-RPC over WebSocket, no subprotocol selected', async () => {
		const server = await startMcpServer('ws');
		const ws = new WebSocket(server.url);
		await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
		assert.equal(ws.protocol, '');
		const replies = new Map<number, unknown>();
		ws.on('message', (data) => {
			const m = JSON.parse(String(data)) as {id: number};
			replies.set(m.id, m);
		});
		ws.send(JSON.stringify(initialize));
		ws.send(JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'}));
		ws.send(JSON.stringify({jsonrpc: '2.0', id: 2, method: 'ping'}));
		ws.send(JSON.stringify({jsonrpc: '2.0', id: 3, method: 'tools/list'}));
		const deadline = Date.now() + 5000;
		while (replies.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
		assert.deepEqual(replies.get(2), {jsonrpc: '2.0', id: 2, result: {}});
		ws.close();
		const stats = await server.stats();
		assert.equal(stats.requests.byMethod['notifications/initialized'], 1);
		assert.equal(stats.sessionsCreated, 1);
		// A client that insists on a subprotocol gets none and gives up.
		const picky = new WebSocket(server.url, ['mcp']);
		await assert.rejects(
			new Promise((resolve, reject) => picky.once('open', resolve).once('error', reject)),
			/no subprotocol/,
		);
	});

	test('ws-mcp-subprotocol: 400 without the mcp subprotocol, selects it when offered', async () => {
		const server = await startMcpServer('ws-mcp-subprotocol');
		const plain = new WebSocket(server.url);
		plain.on('error', () => {});
		const status = await new Promise<number>((resolve) =>
			plain.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
		);
		assert.equal(status, 400);
		const ws = new WebSocket(server.url, ['mcp']);
		await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
		assert.equal(ws.protocol, 'mcp');
		ws.close();
	});
});
