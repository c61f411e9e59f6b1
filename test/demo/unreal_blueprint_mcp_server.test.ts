import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import {
	RpcClient,
	exitOf,
	exitWithin,
	pythonLogLine,
	spawnDemoScript,
	stopChild,
	waitFor,
} from '../helpers/demo-rpc.js';

type Started = {
	child: ReturnType<typeof spawnDemoScript>['child'];
	output: () => string;
	/** The one MCP port: Streamable HTTP at /mcp, WebSocket upgrades on any path. */
	mcp: number;
	/** The WebSocket URL's port, as the ready line names it (the same as `mcp`). */
	ws: number;
	bridge: number;
};

const readyLine =
	/listening mcp=http:\/\/127\.0\.0\.1:(\d+)\/mcp ws=ws:\/\/127\.0\.0\.1:(\d+) bridge=ws:\/\/127\.0\.0\.1:(\d+) demo-id=(\S+)\n/;

async function startServer(logFile: string, extra: string[] = []): Promise<Started> {
	const {child, output} = spawnDemoScript('unreal_blueprint_mcp_server', [
		...['--port', '0', '--bridge-port', '0', '--log', logFile, '--demo-id', 'test-token'],
		...extra,
	]);
	const line = await waitFor(() => readyLine.exec(output()), 'the server to listen', 20_000);
	return {child, output, mcp: Number(line[1]), ws: Number(line[2]), bridge: Number(line[3])};
}

function toolText(reply: {result?: unknown}): string {
	return (reply.result as {content: Array<{type: string; text: string}>}).content[0]!.text;
}

describe('demo MCP server', () => {
	let dir: string;
	let logFile: string;
	let server: Started;
	let client: RpcClient;

	before(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
		logFile = path.join(dir, 'server.log');
		server = await startServer(logFile);
		client = await RpcClient.open(`ws://127.0.0.1:${server.mcp}`);
	});

	after(async () => {
		client?.close();
		await stopChild(server.child);
		fs.rmSync(dir, {recursive: true, force: true});
	});

	test('initialize names the server and its tools capability', async () => {
		const reply = await client.request('initialize', {
			protocolVersion: '2025-06-18',
			capabilities: {},
			clientInfo: {name: 'test', version: '0'},
		});
		const result = reply.result as {serverInfo: {name: string}; capabilities: {tools?: unknown}};
		assert.equal(result.serverInfo.name, 'unreal-blueprint-mcp');
		assert.ok(result.capabilities.tools);
	});

	test('get_server_status reports uptime, editors and memory as JSON text', async () => {
		const reply = await client.request('tools/call', {name: 'get_server_status', arguments: {}});
		const status = JSON.parse(toolText(reply)) as {
			uptime_seconds: number;
			connected_editors: number;
			memory: {rss_mb: number};
			status: string;
		};
		assert.equal(status.status, 'running');
		assert.equal(status.connected_editors, 0);
		assert.ok(status.uptime_seconds >= 0);
		assert.ok(status.memory.rss_mb > 1);
	});

	test('test_unreal_connection measures a round trip to a connected editor', async () => {
		const before = JSON.parse(
			toolText(await client.request('tools/call', {name: 'test_unreal_connection'})),
		) as {connected: boolean};
		assert.equal(before.connected, false);

		const editor = new WebSocket(`ws://127.0.0.1:${server.bridge}`);
		editor.on('message', (data) => {
			const message = JSON.parse(String(data)) as {type: string; id: number};
			if (message.type === 'ping') editor.send(JSON.stringify({type: 'pong', id: message.id}));
		});
		await new Promise((resolve, reject) => {
			editor.once('open', resolve);
			editor.once('error', reject);
		});
		try {
			editor.send(JSON.stringify({type: 'hello', editor: 'Test Editor'}));
			const answer = await waitFor(async () => {
				const reply = await client.request('tools/call', {name: 'test_unreal_connection'});
				const parsed = JSON.parse(toolText(reply)) as {
					connected: boolean;
					editor?: string;
					round_trip_ms?: number;
				};
				return parsed.editor === 'Test Editor' ? parsed : null;
			}, 'the editor to be registered');
			assert.equal(answer.connected, true);
			assert.equal(typeof answer.round_trip_ms, 'number');
		} finally {
			editor.terminate();
		}
	});

	test('asset-creating tools only pretend, and say so', async () => {
		const reply = await client.request('tools/call', {
			name: 'create_blueprint',
			arguments: {blueprint_name: 'BP_Test', parent_class: 'Actor'},
		});
		assert.match(toolText(reply), /not really created/);
		const missing = await client.request('tools/call', {name: 'create_blueprint', arguments: {}});
		assert.equal((missing.result as {isError?: boolean}).isError, true);
	});

	test('JSON-RPC errors: unknown method, unknown tool, parse error; notifications get no reply', async () => {
		const unknown = await client.request('resources/list');
		assert.equal(unknown.error?.code, -32601);
		const tool = await client.request('tools/call', {name: 'delete_everything'});
		assert.equal(tool.error?.code, -32602);
		const parse = await client.sendRaw('{not json', null);
		assert.equal(parse.error?.code, -32700);
		// A notification followed by a request: only the request is answered.
		const replies: unknown[] = [];
		const count = (data: WebSocket.RawData) => replies.push(JSON.parse(String(data)));
		client.socket.on('message', count);
		client.socket.send(JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'}));
		await client.request('tools/list');
		client.socket.off('message', count);
		assert.equal(replies.length, 1);
	});

	test('the log is in Python logging format, with the real time', async () => {
		const lines = await waitFor(() => {
			const complete = fs.readFileSync(logFile, 'utf8').split('\n').slice(0, -1);
			return complete.length >= 3 ? complete : null;
		}, 'three log lines');
		for (const line of lines) assert.match(line, pythonLogLine);
		const listening = `MCP server listening on http://127.0.0.1:${server.mcp}/mcp (Streamable HTTP) and ws://127.0.0.1:${server.mcp} (WebSocket)`;
		assert.ok(lines.some((line) => line.endsWith(listening)));
	});

	test('SIGTERM logs "Server shutting down" and exits 0', async () => {
		const exited = exitOf(server.child);
		process.kill(server.child.pid!, 'SIGTERM');
		assert.deepEqual(await exited, {code: 0, signal: null});
		assert.match(fs.readFileSync(logFile, 'utf8'), / - INFO - Server shutting down \(SIGTERM\)\n/);
	});
});

type HttpReply = {status: number; headers: Headers; text: string; json: () => any};

const JSON_HEADERS = {
	'content-type': 'application/json',
	accept: 'application/json, text/event-stream',
};

/** One raw HTTP exchange with the demo server; rejects when no answer comes within `timeoutMs`. */
async function httpRequest(
	url: string,
	init: {method?: string; headers?: Record<string, string>; body?: unknown} = {},
	timeoutMs = 5000,
): Promise<HttpReply> {
	const response = await fetch(url, {
		method: init.method ?? 'POST',
		headers: init.headers ?? JSON_HEADERS,
		body:
			init.body === undefined || typeof init.body === 'string'
				? (init.body as string | undefined)
				: JSON.stringify(init.body),
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await response.text();
	return {status: response.status, headers: response.headers, text, json: () => JSON.parse(text)};
}

/** The demo leaves about 1 liveness request in 60 unanswered on purpose: three tries are immune. */
async function withRetry<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
	let lastError: unknown;
	for (let index = 0; index < tries; index++) {
		try {
			return await attempt();
		} catch (error) {
			lastError = error;
		}
	}

	throw lastError;
}

function modernRequest(id: number, method: string, params: Record<string, unknown> = {}) {
	return {
		jsonrpc: '2.0',
		id,
		method,
		params: {
			...params,
			_meta: {
				'io.modelcontextprotocol/protocolVersion': '2026-07-28',
				'io.modelcontextprotocol/clientInfo': {name: 'raw', version: '1'},
				'io.modelcontextprotocol/clientCapabilities': {},
			},
		},
	};
}

function modernHeaders(method: string, extra: Record<string, string> = {}): Record<string, string> {
	return {...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...extra};
}

function logLines(file: string): string[] {
	return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

describe('demo MCP server over Streamable HTTP', () => {
	let dir: string;
	let logFile: string;
	let server: Started;
	let url: string;
	const open: Client[] = [];

	before(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
		logFile = path.join(dir, 'server.log');
		server = await startServer(logFile);
		url = `http://127.0.0.1:${server.mcp}/mcp`;
	});

	after(async () => {
		await Promise.all(open.map((client) => client.close().catch(() => undefined)));
		if (server) await stopChild(server.child);
		if (dir) fs.rmSync(dir, {recursive: true, force: true});
	});

	async function connect(mode: 'auto' | 'legacy') {
		const client = new Client(
			{name: 't', version: '1'},
			// A bounded probe with retries: the probe itself may be the 1 in 60 left unanswered.
			{versionNegotiation: {mode, probe: {timeoutMs: 2500, maxRetries: 3}}},
		);
		const transport = new StreamableHTTPClientTransport(new URL(url));
		await client.connect(transport);
		open.push(client);
		return {client, transport};
	}

	const sessionLines = () =>
		logLines(logFile).filter((line) => line.includes('MCP client session'));

	test('the ready line names the HTTP endpoint and the WebSocket, one port for both', () => {
		assert.equal(server.ws, server.mcp);
		assert.notEqual(server.bridge, server.mcp);
		assert.match(server.output(), /demo-id=test-token\n/);
	});

	test('the v2 client in auto mode lands on the 2026-07-28 era: discover, tools/list, tools/call, no session', async () => {
		const sessionsBefore = sessionLines().length;
		const {client, transport} = await connect('auto');
		assert.equal(client.getProtocolEra(), 'modern');
		assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
		assert.equal(transport.sessionId, undefined);
		assert.deepEqual(client.getServerVersion(), {
			name: 'unreal-blueprint-mcp',
			version: '0.3.0-demo',
		});

		const discovered = await withRetry(() => client.discover({timeout: 2500}));
		assert.deepEqual(discovered._meta?.['io.modelcontextprotocol/serverInfo'], {
			name: 'unreal-blueprint-mcp',
			version: '0.3.0-demo',
		});
		assert.deepEqual(discovered.supportedVersions, [
			'2026-07-28',
			'2025-11-25',
			'2025-06-18',
			'2025-03-26',
		]);
		assert.ok(discovered.capabilities.tools);

		const tools = await client.listTools();
		assert.ok(tools.tools.some((tool) => tool.name === 'create_blueprint'));
		const status = await client.callTool({name: 'get_server_status', arguments: {}});
		const body = JSON.parse((status.content as Array<{text: string}>)[0]!.text) as {status: string};
		assert.equal(body.status, 'running');
		// Stateless: nothing was opened, so nothing was logged.
		assert.equal(sessionLines().length, sessionsBefore);
	});

	test('2026-07-28 results on the wire: resultType, serverInfo in _meta, cache hints', async () => {
		const discover = await withRetry(() =>
			httpRequest(
				url,
				{
					headers: modernHeaders('server/discover'),
					body: modernRequest(1, 'server/discover'),
				},
				2500,
			),
		);
		assert.equal(discover.status, 200);
		assert.equal(discover.headers.get('mcp-session-id'), null);
		const result = discover.json().result;
		assert.equal(result.resultType, 'complete');
		assert.equal(result._meta['io.modelcontextprotocol/serverInfo'].name, 'unreal-blueprint-mcp');
		assert.equal(result.ttlMs, 0);
		assert.equal(result.cacheScope, 'public');

		const list = await httpRequest(url, {
			headers: modernHeaders('tools/list'),
			body: modernRequest(2, 'tools/list'),
		});
		assert.equal(list.status, 200);
		assert.equal(list.json().result.resultType, 'complete');
		assert.equal(list.json().result.ttlMs, 0);
		assert.equal(list.json().result.cacheScope, 'public');

		const call = await httpRequest(url, {
			headers: modernHeaders('tools/call', {'mcp-name': '=?base64?Z2V0X3NlcnZlcl9zdGF0dXM=?='}),
			body: modernRequest(3, 'tools/call', {name: 'get_server_status', arguments: {}}),
		});
		assert.equal(call.status, 200, call.text);
		assert.equal(call.json().result.resultType, 'complete');
	});

	test('2026-07-28 errors: ping is gone (404), an unknown version is -32022, headers must match the body (-32020)', async () => {
		const ping = await httpRequest(url, {
			headers: modernHeaders('ping'),
			body: modernRequest(1, 'ping'),
		});
		assert.equal(ping.status, 404);
		assert.equal(ping.json().error.code, -32601);
		assert.equal(ping.json().id, 1);

		const future = modernRequest(2, 'tools/list');
		future.params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
		const unsupported = await httpRequest(url, {
			headers: {...modernHeaders('tools/list'), 'mcp-protocol-version': '2099-01-01'},
			body: future,
		});
		assert.equal(unsupported.status, 400);
		assert.equal(unsupported.json().error.code, -32022);
		assert.deepEqual(unsupported.json().error.data, {
			supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
			requested: '2099-01-01',
		});

		const wrongMethod = await httpRequest(url, {
			headers: modernHeaders('tools/call'),
			body: modernRequest(3, 'tools/list'),
		});
		assert.equal(wrongMethod.status, 400);
		assert.equal(wrongMethod.json().error.code, -32020);
		const noMethodHeader = await httpRequest(url, {
			headers: {...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28'},
			body: modernRequest(4, 'tools/list'),
		});
		assert.equal(noMethodHeader.status, 400);
		assert.equal(noMethodHeader.json().error.code, -32020);
		const wrongName = await httpRequest(url, {
			headers: modernHeaders('tools/call', {'mcp-name': 'create_blueprint'}),
			body: modernRequest(5, 'tools/call', {name: 'get_server_status', arguments: {}}),
		});
		assert.equal(wrongName.status, 400);
		assert.equal(wrongName.json().error.code, -32020);
		// A tool that does not exist is an in-band error of a method that does: HTTP 200.
		const unknownTool = await httpRequest(url, {
			headers: modernHeaders('tools/call', {'mcp-name': 'delete_everything'}),
			body: modernRequest(6, 'tools/call', {name: 'delete_everything', arguments: {}}),
		});
		assert.equal(unknownTool.status, 200);
		assert.equal(unknownTool.json().error.code, -32602);
	});

	test('the v2 client by default opens a 2025 session: ping, tools, one log line per session start and end', async () => {
		const {client, transport} = await connect('legacy');
		assert.equal(client.getProtocolEra(), 'legacy');
		assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
		const sessionId = transport.sessionId!;
		assert.match(sessionId, /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
		const mine = () => sessionLines().filter((line) => line.includes(sessionId.slice(0, 8)));
		await waitFor(() => mine().length === 1, 'the session start line');
		assert.match(
			mine()[0]!,
			/ - INFO - MCP client session [\da-f]{8} started from 127\.0\.0\.1:\d+ \(Streamable HTTP, protocol 2025-11-25, client t 1\)$/,
		);

		assert.deepEqual(await withRetry(() => client.ping({timeout: 2500})), {});

		const served = async () => {
			const reply = await client.callTool({name: 'get_server_status', arguments: {}});
			return (
				JSON.parse((reply.content as Array<{text: string}>)[0]!.text) as {requests_served: number}
			).requests_served;
		};

		const linesBefore = logLines(logFile).length;
		const servedBefore = await served();
		for (let index = 0; index < 10; index++) {
			await client.listTools();
			await client.callTool({name: 'list_supported_blueprint_classes', arguments: {}});
		}

		// The 20 requests reached the server (none came from a cache)...
		assert.ok((await served()) >= servedBefore + 21);
		// ...and added no line about themselves: the background lines go on, nothing else.
		const added = logLines(logFile).slice(linesBefore);
		assert.deepEqual(
			added.filter((line) =>
				/session|HTTP|POST|\/mcp|tools\/|ping|blueprint_classes|get_server_status/i.test(line),
			),
			[],
		);

		await transport.terminateSession();
		assert.equal(transport.sessionId, undefined);
		await waitFor(() => mine().length === 2, 'the session end line');
		assert.match(
			mine()[1]!,
			/ - INFO - MCP client session [\da-f]{8} ended \(closed by the client\)$/,
		);

		const after = await httpRequest(url, {
			headers: {...JSON_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25'},
			body: {jsonrpc: '2.0', id: 9, method: 'tools/list'},
		});
		assert.equal(after.status, 404);
		assert.equal(after.json().error.code, -32001);
		assert.equal(mine().length, 2);
	});

	test('2025 sessions by hand: the version is negotiated, a session id is required (400), an unknown one is 404', async () => {
		const asked = async (protocolVersion: string) => {
			const reply = await httpRequest(url, {
				body: {
					jsonrpc: '2.0',
					id: 1,
					method: 'initialize',
					params: {protocolVersion, capabilities: {}, clientInfo: {name: 'raw', version: '1'}},
				},
			});
			assert.equal(reply.status, 200);
			return {
				version: reply.json().result.protocolVersion,
				session: reply.headers.get('mcp-session-id')!,
			};
		};

		const old = await asked('2025-03-26');
		assert.equal(old.version, '2025-03-26');
		const unknown = await asked('2024-11-05');
		assert.equal(unknown.version, '2025-11-25');
		assert.notEqual(old.session, unknown.session);

		const tools = {jsonrpc: '2.0', id: 2, method: 'tools/list'};
		const ok = await httpRequest(url, {
			headers: {...JSON_HEADERS, 'mcp-session-id': old.session},
			body: tools,
		});
		assert.equal(ok.status, 200);
		assert.ok(Array.isArray(ok.json().result.tools));
		assert.equal(ok.json().result.resultType, undefined);

		const none = await httpRequest(url, {body: tools});
		assert.equal(none.status, 400);
		const stranger = await httpRequest(url, {
			headers: {...JSON_HEADERS, 'mcp-session-id': '00000000-0000-4000-8000-000000000000'},
			body: tools,
		});
		assert.equal(stranger.status, 404);

		const notification = await httpRequest(url, {
			headers: {...JSON_HEADERS, 'mcp-session-id': old.session},
			body: {jsonrpc: '2.0', method: 'notifications/initialized'},
		});
		assert.equal(notification.status, 202);
		assert.equal(notification.text, '');

		for (const session of [old.session, unknown.session]) {
			const ended = await httpRequest(url, {
				method: 'DELETE',
				headers: {'mcp-session-id': session},
			});
			assert.equal(ended.status, 200);
		}

		const again = await httpRequest(url, {
			method: 'DELETE',
			headers: {'mcp-session-id': old.session},
		});
		assert.equal(again.status, 404);
	});

	test('GET /mcp is 405 (no standalone stream); other paths are 404', async () => {
		const get = await httpRequest(url, {method: 'GET', headers: {accept: 'text/event-stream'}});
		assert.equal(get.status, 405);
		assert.equal(get.headers.get('allow'), 'POST, DELETE');
		const elsewhere = await httpRequest(`http://127.0.0.1:${server.mcp}/`, {
			method: 'GET',
			headers: {},
		});
		assert.equal(elsewhere.status, 404);
		assert.match(elsewhere.text, /\/mcp/);
	});

	test('the WebSocket dialect still answers initialize, ping and tools/call on the same port', async () => {
		const client = await RpcClient.open(`ws://127.0.0.1:${server.ws}`);
		try {
			const init = await client.request('initialize', {
				protocolVersion: '2025-11-25',
				capabilities: {},
				clientInfo: {name: 'test', version: '0'},
			});
			// As it always was: the WebSocket dialect answers 2025-06-18 whatever is asked.
			assert.equal((init.result as {protocolVersion: string}).protocolVersion, '2025-06-18');
			assert.deepEqual((await client.requestWithRetry('ping')).result, {});
			const reply = await client.request('tools/call', {name: 'get_server_status', arguments: {}});
			assert.equal((JSON.parse(toolText(reply)) as {mcp_clients: number}).mcp_clients >= 1, true);
		} finally {
			client.close();
		}
	});

	test('an oversized body is 413, a foreign Origin is 403, a loopback Origin is fine', async () => {
		const big = await httpRequest(url, {
			body: {jsonrpc: '2.0', id: 1, method: 'tools/list', params: {pad: 'x'.repeat(1024 * 1024)}},
		});
		assert.equal(big.status, 413);

		const initialize = {
			jsonrpc: '2.0',
			id: 1,
			method: 'initialize',
			params: {
				protocolVersion: '2025-11-25',
				capabilities: {},
				clientInfo: {name: 'o', version: '1'},
			},
		};
		for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
			const foreign = await httpRequest(url, {
				headers: {...JSON_HEADERS, origin},
				body: initialize,
			});
			assert.equal(foreign.status, 403, origin);
			assert.equal(foreign.headers.get('mcp-session-id'), null);
		}

		const local = await httpRequest(url, {
			headers: {...JSON_HEADERS, origin: 'http://localhost:5173'},
			body: initialize,
		});
		assert.equal(local.status, 200);
		await httpRequest(url, {
			method: 'DELETE',
			headers: {'mcp-session-id': local.headers.get('mcp-session-id')!},
		});
	});

	test('bodies that are not one JSON-RPC message: parse error, batch, wrong media type', async () => {
		assert.equal((await httpRequest(url, {body: '{not json'})).json().error.code, -32700);
		const batch = await httpRequest(url, {body: [{jsonrpc: '2.0', id: 1, method: 'ping'}]});
		assert.equal(batch.status, 400);
		assert.equal(batch.json().error.code, -32600);
		const form = await httpRequest(url, {
			headers: {'content-type': 'text/plain', accept: 'application/json'},
			body: '{}',
		});
		assert.equal(form.status, 415);
		const html = await httpRequest(url, {
			headers: {'content-type': 'application/json', accept: 'text/html'},
			body: '{}',
		});
		assert.equal(html.status, 406);
	});
});

test('a busy port makes the server exit 1 with a clear message', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
	const holder = net.createServer();
	await new Promise<void>((resolve) => holder.listen({port: 0, host: '127.0.0.1'}, resolve));
	const port = (holder.address() as net.AddressInfo).port;
	try {
		const {child, output} = spawnDemoScript('unreal_blueprint_mcp_server', [
			...['--port', String(port), '--bridge-port', '0'],
			...['--log', path.join(dir, 'log'), '--demo-id', 'test-token'],
		]);
		const exited = await exitWithin(child, 15_000);
		if (exited === null) await stopChild(child);
		assert.deepEqual(exited, {code: 1, signal: null});
		assert.match(output(), new RegExp(`Port ${port} \\(MCP\\) is already in use`));
	} finally {
		holder.close();
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('bad arguments are a usage error (exit 2)', async () => {
	const {child, output} = spawnDemoScript('unreal_blueprint_mcp_server', [
		...['--port', 'abc', '--bridge-port', '0', '--log', '/dev/null', '--demo-id', 'x'],
	]);
	assert.deepEqual(await exitOf(child), {code: 2, signal: null});
	assert.match(output(), /--port needs a port number/);
});

test('the server leaves on its own when its mcptop (--owner-pid) is gone', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
	const owner = spawn('sleep', ['60'], {stdio: 'ignore'});
	let server: Started | undefined;
	try {
		server = await startServer(path.join(dir, 'log'), ['--owner-pid', String(owner.pid)]);
		await stopChild(owner);
		const result = await exitWithin(server.child, 15_000);
		assert.deepEqual(result, {code: 0, signal: null});
		assert.match(
			fs.readFileSync(path.join(dir, 'log'), 'utf8'),
			/Server shutting down \(mcptop pid/,
		);
	} finally {
		await stopChild(owner);
		if (server) await stopChild(server.child);
		fs.rmSync(dir, {recursive: true, force: true});
	}
});
