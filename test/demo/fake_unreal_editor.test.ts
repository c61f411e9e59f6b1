import assert from 'node:assert/strict';
import {test} from 'node:test';
import {WebSocketServer, type WebSocket} from 'ws';
import {exitWithin, spawnDemoScript, stopChild, waitFor} from '../helpers/demo-rpc.js';

type Bridge = {server: WebSocketServer; messages: Array<{type: string; [key: string]: unknown}>};

function openBridge(port = 0): Promise<Bridge> {
	return new Promise((resolve, reject) => {
		const server = new WebSocketServer({host: '127.0.0.1', port});
		const bridge: Bridge = {server, messages: []};
		server.on('connection', (socket: WebSocket) => {
			socket.on('message', (data) => {
				bridge.messages.push(JSON.parse(String(data)) as Bridge['messages'][number]);
			});
		});
		server.once('listening', () => {
			resolve(bridge);
		});
		server.once('error', reject);
	});
}

function closeBridge(bridge: Bridge): Promise<void> {
	for (const socket of bridge.server.clients) socket.terminate();
	return new Promise((resolve) => {
		bridge.server.close(() => {
			resolve();
		});
	});
}

test('the fake editor says hello, answers pings, sends heartbeats and reconnects after a restart', async () => {
	let bridge = await openBridge();
	const port = (bridge.server.address() as {port: number}).port;
	const editor = spawnDemoScript('fake_unreal_editor', [
		...['--bridge-port', String(port), '--demo-id', 'test-token'],
	]);
	try {
		const hello = await waitFor(
			() => bridge.messages.find((message) => message.type === 'hello'),
			'hello from the editor',
			20_000,
		);
		assert.equal(hello['demoId'], 'test-token');

		const socket = [...bridge.server.clients][0]!;
		socket.send(JSON.stringify({type: 'ping', id: 7}));
		await waitFor(
			() => bridge.messages.some((message) => message.type === 'pong' && message['id'] === 7),
			'a pong',
		);
		await waitFor(
			() => bridge.messages.some((message) => message.type === 'heartbeat'),
			'a heartbeat',
		);

		// The server goes away (a restart) and comes back on the same port.
		await closeBridge(bridge);
		await waitFor(() => editor.output().includes('reconnecting in'), 'a reconnect attempt');
		bridge = await openBridge(port);
		await waitFor(
			() => bridge.messages.some((message) => message.type === 'hello'),
			'hello after the restart',
			15_000,
		);
		assert.equal(bridge.server.clients.size, 1);

		process.kill(editor.child.pid!, 'SIGTERM');
		assert.deepEqual(await exitWithin(editor.child, 10_000), {code: 0, signal: null});
	} finally {
		await stopChild(editor.child);
		await closeBridge(bridge);
	}
});

test('the fake editor keeps retrying, with bounded delays, while nothing listens', async () => {
	const bridge = await openBridge();
	const port = (bridge.server.address() as {port: number}).port;
	await closeBridge(bridge);
	const editor = spawnDemoScript('fake_unreal_editor', [
		...['--bridge-port', String(port), '--demo-id', 'test-token'],
	]);
	try {
		const delays = await waitFor(
			() => {
				const found = [...editor.output().matchAll(/reconnecting in (\d+) ms/g)].map((m) =>
					Number(m[1]),
				);
				return found.length >= 4 ? found : null;
			},
			'four reconnect attempts',
			15_000,
		);
		for (const delay of delays) assert.ok(delay > 0 && delay <= 5000, `delay ${delay}`);
		assert.ok(delays[3]! > delays[0]!, `backoff grows: ${delays.join(', ')}`);
	} finally {
		await stopChild(editor.child);
	}
});
