// Real servers on 127.0.0.1 for the endpoint tests: a configurable fake MCP server speaking JSON-RPC over
// WebSocket, a TCP server that never completes a handshake, and a plain HTTP server.
import http from 'node:http';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {WebSocketServer, type WebSocket} from 'ws';

export type FakeMode =
	/** Answers every request after `delayMs`. */
	| 'healthy'
	/** Reads requests, never answers. */
	| 'never-answers'
	/** Answers every request with text that is not JSON. */
	| 'non-json'
	/** Answers every request with a 2 MiB frame. */
	| 'oversized'
	/** Answers every request with a JSON-RPC error object. */
	| 'rpc-error';

export type FakeMcpOptions = {
	/** 0 (default) picks a free port; pass an old port to come back on the same one. */
	port?: number;
	mode?: FakeMode;
	/** Delay before each reply, fixed or drawn per reply. */
	delayMs?: number | (() => number);
	/** When set, upgrades without `Authorization: Bearer <token>` get HTTP 401. */
	token?: string;
	/** Tools listed by tools/list and accepted by tools/call. */
	tools?: string[];
	/** Tools that answer with `isError: true`. */
	failingTools?: string[];
	/** Refuse every request but ping and initialize until initialize was called on the connection. */
	requireInitialize?: boolean;
	/**
	 * The WebSocket subprotocol to negotiate. Absent: ws's default (the first one the client offers).
	 * `false`: never select one. A name: refuse (HTTP 400) upgrades that do not offer it, then select it.
	 */
	subprotocol?: string | false;
};

export type FakeRequest = {method: string; params: unknown; connection: number};

export type FakeMcp = {
	url: string;
	port: number;
	mode: FakeMode;
	delayMs: number | (() => number);
	/** Every JSON-RPC message received, in order. */
	received: FakeRequest[];
	/** The Authorization header of every upgrade request (undefined when absent). */
	authorizations: Array<string | undefined>;
	/** The Sec-WebSocket-Protocol header of every upgrade request (undefined when absent). */
	protocols: Array<string | undefined>;
	/** Connections accepted so far. */
	accepted: number;
	openConnections(): number;
	/** Drops every client connection abruptly, keeping the server up. */
	dropClients(): void;
	close(): Promise<void>;
};

export const defaultFakeTools = [
	'get_server_status',
	'list_supported_blueprint_classes',
	'test_unreal_connection',
	'create_blueprint',
];

function listen(server: net.Server, port: number): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

export async function startFakeMcp(opts: FakeMcpOptions = {}): Promise<FakeMcp> {
	const tools = opts.tools ?? defaultFakeTools;
	const failing = new Set(opts.failingTools ?? []);
	const timers = new Set<NodeJS.Timeout>();
	const clients = new Set<WebSocket>();
	const httpServer = http.createServer((_req, res) => {
		res.writeHead(426, {'content-type': 'text/plain'});
		res.end('WebSocket only\n');
	});
	const subprotocol = opts.subprotocol;
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: 64 * 1024,
		...(subprotocol === undefined
			? {}
			: {
					handleProtocols: (offered: Set<string>) =>
						subprotocol && offered.has(subprotocol) ? subprotocol : false,
				}),
	});

	const fake: FakeMcp = {
		url: '',
		port: 0,
		mode: opts.mode ?? 'healthy',
		delayMs: opts.delayMs ?? 0,
		received: [],
		authorizations: [],
		protocols: [],
		accepted: 0,
		openConnections: () => clients.size,
		dropClients: () => {
			for (const ws of clients) ws.terminate();
		},
		close: async () => {
			for (const t of timers) clearTimeout(t);
			timers.clear();
			for (const ws of clients) ws.terminate();
			await new Promise<void>((resolve) => wss.close(() => resolve()));
			await new Promise<void>((resolve) => {
				httpServer.close(() => resolve());
				httpServer.closeAllConnections();
			});
		},
	};

	httpServer.on('upgrade', (req, socket, head) => {
		// A rejected client may reset the connection while our 401 is on its way.
		socket.on('error', () => {});
		fake.authorizations.push(req.headers.authorization);
		const offered = req.headers['sec-websocket-protocol'];
		fake.protocols.push(offered);
		if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
			socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
			return;
		}
		if (subprotocol && !(offered ?? '').split(',').some((p) => p.trim() === subprotocol)) {
			socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
	});

	wss.on('connection', (ws: WebSocket) => {
		const connection = ++fake.accepted;
		let initialized = false;
		clients.add(ws);
		ws.on('close', () => clients.delete(ws));
		ws.on('error', () => {});
		const send = (payload: string | Buffer) => {
			const delay = typeof fake.delayMs === 'function' ? fake.delayMs() : fake.delayMs;
			const timer = setTimeout(() => {
				timers.delete(timer);
				if (ws.readyState === ws.OPEN) ws.send(payload);
			}, delay);
			timers.add(timer);
		};
		ws.on('message', (data) => {
			let message: {id?: unknown; method?: unknown; params?: unknown};
			try {
				message = JSON.parse(String(data));
			} catch {
				return;
			}
			const method = String(message.method);
			fake.received.push({method, params: message.params, connection});
			if (message.id === undefined) {
				if (method === 'notifications/initialized') initialized = true;
				return;
			}
			const reply = (body: Record<string, unknown>) =>
				send(JSON.stringify({jsonrpc: '2.0', id: message.id, ...body}));
			switch (fake.mode) {
				case 'never-answers':
					return;
				case 'non-json':
					send('<html>this is not json</html>');
					return;
				case 'oversized':
					send(
						JSON.stringify({jsonrpc: '2.0', id: message.id, result: {pad: 'x'.repeat(2 << 20)}}),
					);
					return;
				case 'rpc-error':
					reply({error: {code: -32000, message: 'Internal failure'}});
					return;
				case 'healthy':
					break;
			}
			if (opts.requireInitialize && !initialized && method !== 'ping' && method !== 'initialize') {
				reply({error: {code: -32002, message: 'Server not initialized'}});
				return;
			}
			switch (method) {
				case 'ping':
					reply({result: {}});
					return;
				case 'initialize':
					reply({
						result: {
							protocolVersion: '2025-06-18',
							capabilities: {tools: {}},
							serverInfo: {name: 'fake-mcp', version: '1.0.0'},
						},
					});
					return;
				case 'tools/list':
					reply({
						result: {
							tools: tools.map((name) => ({
								name,
								description: name,
								inputSchema: {type: 'object'},
							})),
						},
					});
					return;
				case 'tools/call': {
					const name = (message.params as {name?: unknown} | undefined)?.name;
					if (typeof name !== 'string' || !tools.includes(name)) {
						reply({error: {code: -32602, message: `Unknown tool: ${String(name)}`}});
					} else if (failing.has(name)) {
						reply({result: {isError: true, content: [{type: 'text', text: `${name} failed`}]}});
					} else {
						reply({
							result: {content: [{type: 'text', text: JSON.stringify({status: 'ok', tool: name})}]},
						});
					}
					return;
				}
				default:
					reply({error: {code: -32601, message: 'Method not found'}});
			}
		});
	});

	fake.port = await listen(httpServer, opts.port ?? 0);
	fake.url = `ws://127.0.0.1:${fake.port}`;
	return fake;
}

export type SilentServer = {url: string; port: number; accepted: number; close(): Promise<void>};

/** Accepts TCP connections and never says a word: a hung server, or a firewall that lets SYN through. */
export async function startSilentServer(): Promise<SilentServer> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		silent.accepted++;
		sockets.add(socket);
		socket.on('error', () => {});
		socket.on('close', () => sockets.delete(socket));
	});
	const silent: SilentServer = {
		url: '',
		port: 0,
		accepted: 0,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	silent.port = await listen(server, 0);
	silent.url = `ws://127.0.0.1:${silent.port}`;
	return silent;
}

export type PlainHttpServer = {
	port: number;
	/** Base URL, e.g. http://127.0.0.1:1234 */
	url: string;
	status: number;
	requests: Array<{method: string; url: string; authorization: string | undefined}>;
	close(): Promise<void>;
};

/** A plain HTTP service (like the MCP Inspector proxy's /health): answers every request with `status`. */
export async function startHttpServer(opts: {status?: number} = {}): Promise<PlainHttpServer> {
	const server = http.createServer((req, res) => {
		plain.requests.push({
			method: req.method ?? '',
			url: req.url ?? '',
			authorization: req.headers.authorization,
		});
		res.writeHead(plain.status, {'content-type': 'application/json'});
		res.end(JSON.stringify({status: plain.status < 300 ? 'ok' : 'down'}));
	});
	const plain: PlainHttpServer = {
		port: 0,
		url: '',
		status: opts.status ?? 200,
		requests: [],
		close: async () => {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
	plain.port = await listen(server, 0);
	plain.url = `http://127.0.0.1:${plain.port}`;
	return plain;
}

/** A port that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	const port = await listen(server, 0);
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** Polls `condition` every `everyMs` until it holds or `withinMs` passes; returns whether it held. */
export async function waitFor(
	condition: () => boolean | Promise<boolean>,
	withinMs = 5000,
	everyMs = 10,
): Promise<boolean> {
	const end = Date.now() + withinMs;
	for (;;) {
		if (await condition()) return true;
		if (Date.now() >= end) return false;
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}
