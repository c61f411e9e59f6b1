import assert from 'node:assert/strict';
import type {AddressInfo} from 'node:net';
import {after, describe, test} from 'node:test';
import {WebSocketServer} from 'ws';
import {
	EndpointError,
	JsonRpcClient,
	connectSession,
	describeConnectError,
	displayUrl,
	httpUrlFor,
} from '../../source/probes/jsonrpc-client.js';
import {
	freePort,
	startFakeMcp,
	startHttpServer,
	startSilentServer,
	waitFor,
	type FakeMcp,
} from '../helpers/ws-fake-mcp.js';

const timeoutMs = 400;
const cleanups: Array<() => unknown> = [];
after(async () => {
	for (const fn of cleanups.reverse()) await fn();
});

async function fake(opts: Parameters<typeof startFakeMcp>[0] = {}): Promise<FakeMcp> {
	const server = await startFakeMcp(opts);
	cleanups.push(() => server.close());
	return server;
}

async function connect(url: string, token?: string): Promise<JsonRpcClient> {
	const client = await JsonRpcClient.connect(url, {timeoutMs, token});
	cleanups.push(() => {
		client.close();
		return client.whenClosed();
	});
	return client;
}

async function rejection(promise: Promise<unknown>): Promise<EndpointError> {
	try {
		await promise;
	} catch (err) {
		assert.ok(err instanceof EndpointError, `expected an EndpointError, got ${String(err)}`);
		return err;
	}
	assert.fail('expected the promise to reject');
}

describe('JsonRpcClient against a healthy server', () => {
	test('ping answers {} and tools/list lists the tools', async () => {
		const server = await fake();
		const client = await connect(server.url);
		assert.deepEqual(await client.request('ping'), {});
		const list = (await client.request('tools/list')) as {tools: Array<{name: string}>};
		assert.ok(list.tools.some((t) => t.name === 'get_server_status'));
		assert.deepEqual(
			server.received.map((r) => r.method),
			['ping', 'tools/list'],
		);
		assert.equal(server.authorizations[0], undefined, 'no token, no Authorization header');
	});

	test('replies arriving out of order are matched to their requests by id', async () => {
		let n = 0;
		// Later requests answer sooner, so replies come back reversed.
		const server = await fake({delayMs: () => Math.max(0, 60 - 15 * n++)});
		const client = await connect(server.url);
		const tools = [
			'get_server_status',
			'list_supported_blueprint_classes',
			'test_unreal_connection',
		];
		const results = await Promise.all(tools.map((name) => client.callTool(name)));
		results.forEach((result, i) => {
			const text = (result as {content: Array<{text: string}>}).content[0]!.text;
			assert.equal(JSON.parse(text).tool, tools[i]);
		});
		const calls = server.received.filter((r) => r.method === 'tools/call');
		assert.deepEqual(
			calls.map((c) => (c.params as {name: string; arguments: unknown}).arguments),
			[{}, {}, {}],
		);
	});

	test('a JSON-RPC error object becomes a clear error', async () => {
		const server = await fake();
		const client = await connect(server.url);
		const err = await rejection(client.request('no/such/method'));
		assert.equal(err.kind, 'rpc-error');
		assert.equal(err.rpcCode, -32601);
		assert.equal(err.message, 'server error -32601 on no/such/method: Method not found');
	});

	test('a tool that reports isError rejects with its text', async () => {
		const server = await fake({failingTools: ['test_unreal_connection']});
		const client = await connect(server.url);
		const err = await rejection(client.callTool('test_unreal_connection'));
		assert.equal(err.kind, 'tool-error');
		assert.match(
			err.message,
			/tool test_unreal_connection reported an error: test_unreal_connection failed/,
		);
	});

	test('answers a ping the server sends, and refuses other server requests', async () => {
		const wss = new WebSocketServer({host: '127.0.0.1', port: 0});
		await new Promise((resolve) => wss.once('listening', resolve));
		cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
		const replies: unknown[] = [];
		wss.on('connection', (ws) => {
			ws.on('message', (data) => replies.push(JSON.parse(String(data))));
			ws.send(JSON.stringify({jsonrpc: '2.0', id: 's1', method: 'ping'}));
			ws.send(JSON.stringify({jsonrpc: '2.0', id: 's2', method: 'sampling/createMessage'}));
			ws.send(JSON.stringify({jsonrpc: '2.0', method: 'notifications/progress'}));
		});
		const port = (wss.address() as AddressInfo).port;
		const client = await connect(`ws://127.0.0.1:${port}`);
		assert.ok(await waitFor(() => replies.length >= 2, 3000));
		assert.deepEqual(replies, [
			{jsonrpc: '2.0', id: 's1', result: {}},
			{jsonrpc: '2.0', id: 's2', error: {code: -32601, message: 'Method not found'}},
		]);
		client.close();
		for (const ws of wss.clients) ws.terminate();
	});

	test('initialize and connectSession work with a server that requires initialization', async () => {
		const server = await fake({requireInitialize: true});
		const bare = await connect(server.url);
		const refused = await rejection(bare.request('tools/list'));
		assert.equal(refused.rpcCode, -32002);
		const session = await connectSession(server.url, {timeoutMs});
		cleanups.push(() => session.close());
		const list = (await session.request('tools/list')) as {tools: unknown[]};
		assert.ok(list.tools.length > 0);
		assert.ok(server.received.some((r) => r.method === 'notifications/initialized'));
	});

	test('connectSession carries on when the server does not know initialize', async () => {
		const server = await fake({mode: 'rpc-error'});
		const session = await connectSession(server.url, {timeoutMs});
		cleanups.push(() => session.close());
		assert.equal(session.closed, false);
		assert.equal(server.received[0]?.method, 'initialize');
	});
});

describe('JsonRpcClient against broken servers', () => {
	test('a server that never answers: the request times out and leaves nothing pending', async () => {
		const server = await fake({mode: 'never-answers'});
		const client = await connect(server.url);
		const err = await rejection(client.request('ping'));
		assert.equal(err.kind, 'timeout');
		assert.equal(err.message, 'no reply to ping in 400 ms');
		const custom = await rejection(client.request('ping', undefined, 1500));
		assert.equal(custom.message, 'no reply to ping in 1.5 s');
		assert.equal(client.closed, false, 'a timeout alone does not close the connection');
	});

	test('non-JSON replies reject with a clear error', async () => {
		const server = await fake({mode: 'non-json'});
		const client = await connect(server.url);
		const err = await rejection(client.request('ping'));
		assert.equal(err.kind, 'non-json');
		assert.equal(err.message, 'server sent non-JSON: "<html>this is not json</html>"');
	});

	test('an oversized frame rejects, closes the connection and says why', async () => {
		const server = await fake({mode: 'oversized'});
		const client = await connect(server.url);
		const reasons: string[] = [];
		client.onClose((reason) => reasons.push(reason));
		const err = await rejection(client.request('ping'));
		assert.equal(err.kind, 'too-large');
		assert.equal(err.message, 'frame larger than 1 MiB');
		assert.equal(client.closed, true);
		await client.whenClosed();
		assert.deepEqual(reasons, ['frame larger than 1 MiB']);
		const after = await rejection(client.request('ping'));
		assert.equal(after.message, 'frame larger than 1 MiB');
	});

	test('pending requests are rejected when the server drops the connection', async () => {
		const server = await fake({mode: 'never-answers'});
		const client = await connect(server.url);
		const reasons: string[] = [];
		client.onClose((reason) => reasons.push(reason));
		const pending = client.request('ping', undefined, 60_000);
		assert.ok(await waitFor(() => server.received.length === 1, 3000));
		server.dropClients();
		const err = await rejection(pending);
		assert.equal(err.kind, 'closed');
		assert.match(err.message, /connection lost/);
		await client.whenClosed();
		assert.equal(reasons.length, 1);
	});

	test('close() rejects pending requests, and later requests fail at once', async () => {
		const server = await fake({mode: 'never-answers'});
		const client = await connect(server.url);
		const pending = client.request('ping', undefined, 60_000);
		client.close();
		assert.equal(client.closed, true);
		assert.equal((await rejection(pending)).message, 'connection closed by mcptop');
		assert.equal((await rejection(client.request('ping'))).kind, 'closed');
		await client.whenClosed();
		let late = '';
		client.onClose((reason) => (late = reason));
		await new Promise((resolve) => setImmediate(resolve));
		assert.equal(late, 'connection closed by mcptop', 'onClose after the fact still reports');
	});
});

describe('JsonRpcClient.connect failures', () => {
	test('nothing listening: connection refused', async () => {
		const port = await freePort();
		const err = await rejection(JsonRpcClient.connect(`ws://127.0.0.1:${port}`, {timeoutMs}));
		assert.equal(err.kind, 'refused');
		assert.equal(err.message, `connection refused (nothing listening on 127.0.0.1:${port})`);
	});

	test('a server that accepts TCP and never answers the upgrade: handshake timed out', async () => {
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const err = await rejection(JsonRpcClient.connect(silent.url, {timeoutMs}));
		assert.equal(err.kind, 'handshake-timeout');
		assert.equal(err.message, 'handshake timed out after 400 ms');
		assert.equal(silent.accepted, 1);
	});

	test('an HTTP service: says so and suggests the http URL', async () => {
		const plain = await startHttpServer();
		cleanups.push(() => plain.close());
		const url = `ws://127.0.0.1:${plain.port}`;
		const err = await rejection(JsonRpcClient.connect(url, {timeoutMs}));
		assert.equal(err.kind, 'http-reply');
		assert.equal(err.httpStatus, 200);
		assert.equal(
			err.message,
			`got HTTP 200 instead of a WebSocket upgrade; is this an HTTP service? try --endpoint http://127.0.0.1:${plain.port}/health`,
		);
		assert.equal(
			err.hint,
			`the endpoint answers plain HTTP; try --endpoint http://127.0.0.1:${plain.port}/health`,
		);
	});

	test('the bearer token is sent as a header and never appears in errors', async () => {
		const token = 's3cr3t-T0KEN-value';
		const server = await fake({token});
		const client = await connect(server.url, token);
		assert.deepEqual(await client.request('ping'), {});
		assert.equal(server.authorizations.at(-1), `Bearer ${token}`);

		const wrong = await rejection(JsonRpcClient.connect(server.url, {timeoutMs, token: 'nope-x'}));
		assert.equal(wrong.kind, 'unauthorized');
		assert.equal(
			wrong.message,
			'server refused the WebSocket upgrade with HTTP 401: the bearer token was rejected',
		);
		const none = await rejection(JsonRpcClient.connect(server.url, {timeoutMs}));
		assert.match(none.message, /HTTP 401: the server wants a bearer token/);

		// Every failure path with the token set: nothing may echo it.
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const port = await freePort();
		const failures = await Promise.all(
			[silent.url, `ws://127.0.0.1:${port}`, 'ws://[::1', 'http://127.0.0.1:1/'].map((url) =>
				rejection(JsonRpcClient.connect(url, {timeoutMs, token})),
			),
		);
		for (const err of [wrong, none, ...failures]) {
			assert.ok(!err.message.includes(token), err.message);
			assert.ok(!String(err.hint).includes(token));
			assert.ok(!String(err.stack).includes(token));
		}
	});

	test('URLs that are not ws:// are refused before connecting', async () => {
		const err = await rejection(JsonRpcClient.connect('http://127.0.0.1:6277', {timeoutMs}));
		assert.equal(err.kind, 'bad-url');
		assert.match(err.message, /expected a ws:\/\/ or wss:\/\/ URL, got http:\/\//);
		const bad = await rejection(JsonRpcClient.connect('not a url', {timeoutMs}));
		assert.equal(bad.message, 'not a valid endpoint URL: (invalid URL)');
	});

	test('an abort signal cancels an attempt in flight', async () => {
		const silent = await startSilentServer();
		cleanups.push(() => silent.close());
		const abort = new AbortController();
		const attempt = JsonRpcClient.connect(silent.url, {timeoutMs: 60_000, signal: abort.signal});
		assert.ok(await waitFor(() => silent.accepted === 1, 3000));
		abort.abort();
		assert.equal((await rejection(attempt)).kind, 'cancelled');
	});
});

describe('operator wording helpers', () => {
	test('describeConnectError turns raw errors into one line', () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6277'), {
			code: 'ECONNREFUSED',
		});
		assert.equal(
			describeConnectError(refused, 'ws://127.0.0.1:6277'),
			'connection refused (nothing listening on 127.0.0.1:6277)',
		);
		const happyEyeballs = new AggregateError([refused, refused], 'all addresses failed');
		assert.equal(
			describeConnectError(happyEyeballs, 'ws://localhost:6277'),
			'connection refused (nothing listening on localhost:6277)',
		);
		assert.equal(
			describeConnectError(
				new Error('Unexpected server response: 404'),
				'wss://h.example:9000/mcp',
			),
			'got HTTP 404 instead of a WebSocket upgrade; is this an HTTP service? try --endpoint https://h.example:9000/mcp',
		);
		const unknown = describeConnectError('weird\nthing', 'ws://127.0.0.1:1');
		assert.equal(unknown, 'cannot connect to 127.0.0.1:1: weird thing');
		assert.ok(!unknown.includes('\n'));
	});

	test('displayUrl hides credentials and query strings; httpUrlFor maps schemes', () => {
		assert.equal(displayUrl('ws://user:pw@127.0.0.1:6277/?token=abc'), 'ws://127.0.0.1:6277/');
		assert.equal(displayUrl('ws://127.0.0.1:6277'), 'ws://127.0.0.1:6277');
		assert.equal(httpUrlFor('ws://127.0.0.1:6277'), 'http://127.0.0.1:6277/health');
		assert.equal(httpUrlFor('wss://h:1/mcp?x=1'), 'https://h:1/mcp');
	});
});
