// A tiny MCP server for the validation tests: JSON-RPC 2.0 over WebSocket on 127.0.0.1, port 0.
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {WebSocketServer} from 'ws';

export type FakeMcpOptions = {
	tools?: string[];
	/** Text get_server_status answers with. */
	statusText?: string;
	/** Make get_server_status report isError. */
	statusError?: boolean;
};

export type FakeMcp = {
	url: string;
	port: number;
	/** Methods received, in order. */
	methods: string[];
	/** Authorization headers of the upgrade requests. */
	authorizations: Array<string | undefined>;
	close(): Promise<void>;
};

export async function startFakeMcp(opts: FakeMcpOptions = {}): Promise<FakeMcp> {
	const tools = opts.tools ?? ['get_server_status', 'list_supported_blueprint_classes'];
	const wss = new WebSocketServer({host: '127.0.0.1', port: 0});
	await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
	const methods: string[] = [];
	const authorizations: Array<string | undefined> = [];
	wss.on('connection', (ws, req) => {
		authorizations.push(req.headers.authorization);
		ws.on('message', (raw) => {
			const msg = JSON.parse(String(raw)) as {
				id?: number;
				method: string;
				params?: {name?: string};
			};
			methods.push(msg.method);
			if (msg.id === undefined) return;
			const reply = (result: unknown) =>
				ws.send(JSON.stringify({jsonrpc: '2.0', id: msg.id, result}));
			if (msg.method === 'initialize')
				reply({
					protocolVersion: '2025-06-18',
					capabilities: {tools: {}},
					serverInfo: {name: 'fake', version: '1.0.0'},
				});
			else if (msg.method === 'tools/list')
				reply({tools: tools.map((name) => ({name, inputSchema: {type: 'object'}}))});
			else if (msg.method === 'tools/call' && msg.params?.name === 'get_server_status')
				reply({
					content: [{type: 'text', text: opts.statusText ?? '{"status": "running"}'}],
					isError: opts.statusError === true,
				});
			else
				ws.send(
					JSON.stringify({
						jsonrpc: '2.0',
						id: msg.id,
						error: {code: -32601, message: 'Method not found'},
					}),
				);
		});
	});
	const {port} = wss.address() as AddressInfo;
	return {
		url: `ws://127.0.0.1:${port}`,
		port,
		methods,
		authorizations,
		close: () =>
			new Promise((resolve) => {
				for (const client of wss.clients) client.terminate();
				wss.close(() => resolve());
			}),
	};
}

/** A plain HTTP service answering every GET with `status`. */
export async function startHttp(status: number): Promise<{url: string; close(): Promise<void>}> {
	const server = http.createServer((_req, res) => {
		res.writeHead(status, {'content-type': 'application/json'});
		res.end('{"status":"ok"}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/health`,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
