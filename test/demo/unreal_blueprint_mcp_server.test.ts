import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
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
	mcp: number;
	bridge: number;
};

async function startServer(logFile: string, extra: string[] = []): Promise<Started> {
	const {child, output} = spawnDemoScript('unreal_blueprint_mcp_server', [
		...['--port', '0', '--bridge-port', '0', '--log', logFile, '--demo-id', 'test-token'],
		...extra,
	]);
	const line = await waitFor(
		() => /listening mcp=ws:\/\/127\.0\.0\.1:(\d+) bridge=ws:\/\/127\.0\.0\.1:(\d+)/.exec(output()),
		'the server to listen',
		20_000,
	);
	return {child, output, mcp: Number(line[1]), bridge: Number(line[2])};
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
		assert.ok(lines.some((line) => line.includes('MCP server listening on ws://127.0.0.1:')));
	});

	test('SIGTERM logs "Server shutting down" and exits 0', async () => {
		const exited = exitOf(server.child);
		process.kill(server.child.pid!, 'SIGTERM');
		assert.deepEqual(await exited, {code: 0, signal: null});
		assert.match(fs.readFileSync(logFile, 'utf8'), / - INFO - Server shutting down \(SIGTERM\)\n/);
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
