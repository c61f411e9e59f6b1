// A hostile MCP server for the escape-injection tests: every text it sends (server info, tool names,
// tool results, error messages, HTTP status texts) carries every class of dangerous character, and
// it echoes the bearer token back with invisible characters slipped between the token's characters.
import http from 'node:http';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {WebSocketServer, type WebSocket} from 'ws';

/** One sample of each class of character that must never reach a terminal, a report or a dump. */
export const unsafeSamples = {
	csi: '\x1b[31m',
	osc52: '\x1b]52;c;aGVsbG8=\x07',
	rlo: '\u202e',
	lri: '\u2066',
	zwsp: '\u200b',
	bom: '\ufeff',
	c1Csi: '\x9b',
	nul: '\x00',
	bel: '\x07',
	del: '\x7f',
	nel: '\x85',
	softHyphen: '\u00ad',
	wordJoiner: '\u2060',
	lineSeparator: '\u2028',
	tag: '\u{e0041}',
	clear: '\x1b[2J\x1b[H',
	title: '\x1b]0;pwned\x1b\\',
} as const;

/** `label` wrapped in every sample: what the hostile server puts in each text it sends. */
export function hostileText(label: string): string {
	const s = unsafeSamples;
	return `${s.csi}${label}${s.rlo}gpj.exe${s.lri}${s.zwsp}${s.bom}${s.c1Csi}31m${s.nul}${s.bel}${s.osc52}${s.del}${s.nel}${s.softHyphen}${s.wordJoiner}${s.lineSeparator}${s.tag}${s.clear}${s.title}\x1b[0m!`;
}

// Between the characters of an echoed token, in turn.
const slipped = [
	'\u200b',
	'\x1b[0m',
	'\u2066',
	'\ufeff',
	'\u00ad',
	'\u2060',
	'\x00',
	'\u202e',
	'\x9b1m',
	'\u200d',
];

/** The token as a hostile server echoes it: an invisible character between every two. */
export function smuggle(token: string): string {
	return [...token].map((c, i) => (i === 0 ? c : `${slipped[i % slipped.length]}${c}`)).join('');
}

/**
 * Whether `text` holds a character of the unsafe set: a C0 control other than the line feed that
 * ends output lines, DEL, a C1 control, a format character (bidi, zero-width, BOM, soft hyphen,
 * tags ...), a line or paragraph separator, or a lone surrogate.
 */
export function hasUnsafe(text: string): boolean {
	return unsafeAt(text) !== -1;
}

const unsafe = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

function unsafeAt(text: string): number {
	const match = unsafe.exec(text);
	return match ? match.index : -1;
}

/** For assertion messages: where the first unsafe character is, and what is around it. */
export function describeUnsafe(text: string): string {
	const at = unsafeAt(text);
	if (at === -1) return 'no unsafe character';
	const code = text.codePointAt(at)!.toString(16).padStart(4, '0');
	return `U+${code.toUpperCase()} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`;
}

/** Every string in a parsed JSON value (keys included). */
export function allStrings(value: unknown, out: string[] = []): string[] {
	if (typeof value === 'string') out.push(value);
	else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
	else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			out.push(k);
			allStrings(v, out);
		}
	}
	return out;
}

/**
 * Whether `text` shows the token or the first 8 characters of it, once every invisible character,
 * escape sequence, placeholder and space is taken out (what a reader could still piece together).
 */
export function showsToken(text: string, token: string): boolean {
	const skeleton = text.replace(
		/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\p{Cc}\p{Cf}\p{Cs}\p{Z}\s\u2400-\u2426\ufffd]/gu,
		'',
	);
	return skeleton.includes(token.slice(0, 8));
}

export type HostileMcp = {
	url: string;
	port: number;
	/** Bearer tokens received on upgrades. */
	authorizations: Array<string | undefined>;
	/** JSON-RPC methods received, in order. */
	methods: string[];
	close(): Promise<void>;
};

function listen(server: net.Server): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

/**
 * A WebSocket JSON-RPC MCP server that answers initialize, tools/list and tools/call, and fails
 * ping with a JSON-RPC error, all in hostile text with the token it was sent echoed back smuggled.
 * `toolFails`: get_server_status answers `isError: true` instead of a result.
 */
export async function startHostileMcp(
	opts: {token?: string; toolFails?: boolean} = {},
): Promise<HostileMcp> {
	const clients = new Set<WebSocket>();
	const httpServer = http.createServer((_req, res) => {
		res.writeHead(426, {'content-type': 'text/plain'});
		res.end(hostileText('WebSocket only'));
	});
	const wss = new WebSocketServer({noServer: true, maxPayload: 64 * 1024});
	const hostile: HostileMcp = {
		url: '',
		port: 0,
		authorizations: [],
		methods: [],
		close: async () => {
			for (const ws of clients) ws.terminate();
			await new Promise<void>((resolve) => wss.close(() => resolve()));
			await new Promise<void>((resolve) => {
				httpServer.close(() => resolve());
				httpServer.closeAllConnections();
			});
		},
	};
	httpServer.on('upgrade', (req, socket, head) => {
		socket.on('error', () => {});
		hostile.authorizations.push(req.headers.authorization);
		if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
			socket.end(rawResponse(401, hostileText('Unauthorized')));
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
	});
	wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
		clients.add(ws);
		ws.on('close', () => clients.delete(ws));
		ws.on('error', () => {});
		const sent = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'no-token';
		const echo = (label: string) => `${hostileText(label)} token=${smuggle(sent)}`;
		ws.on('message', (data) => {
			let message: {id?: unknown; method?: unknown; params?: unknown};
			try {
				message = JSON.parse(String(data));
			} catch {
				return;
			}
			const method = String(message.method);
			hostile.methods.push(method);
			if (message.id === undefined) return;
			const reply = (body: Record<string, unknown>) =>
				ws.send(JSON.stringify({jsonrpc: '2.0', id: message.id, ...body}));
			switch (method) {
				case 'initialize':
					reply({
						result: {
							protocolVersion: '2025-06-18',
							capabilities: {tools: {}},
							serverInfo: {name: echo('hostile-mcp'), version: hostileText('6.6.6')},
							instructions: echo('instructions'),
						},
					});
					return;
				case 'ping':
					reply({error: {code: -32000, message: echo('ping failed'), data: echo('data')}});
					return;
				case 'tools/list':
					reply({
						result: {
							tools: ['get_server_status', hostileText('evil_tool'), `t_${smuggle(sent)}`].map(
								(name) => ({name, description: echo('description'), inputSchema: {type: 'object'}}),
							),
						},
					});
					return;
				case 'tools/call':
					reply({
						result: {
							isError: opts.toolFails === true,
							content: [{type: 'text', text: echo('status')}],
						},
					});
					return;
				default:
					reply({error: {code: -32601, message: echo('Method not found')}});
			}
		});
	});
	hostile.port = await listen(httpServer);
	hostile.url = `ws://127.0.0.1:${hostile.port}`;
	return hostile;
}

/** An HTTP response written byte by byte: Node's own server refuses a status text like this. */
function rawResponse(status: number, statusText: string, body = ''): Buffer {
	return Buffer.concat([
		Buffer.from(`HTTP/1.1 ${status} `),
		// UTF-8, so fetch (which decodes it so) sees U+202E; Node's http sees its bytes as latin1 (C1).
		Buffer.from(statusText.replace(/[\r\n]/g, ''), 'utf8'),
		Buffer.from(
			`\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
		),
	]);
}

export type HostileHttp = {url: string; port: number; close(): Promise<void>};

/**
 * A plain HTTP endpoint that answers every request, WebSocket upgrades included, with `status` and a
 * hostile status text that echoes the bearer token it was sent, smuggled.
 */
export async function startHostileHttp(opts: {status?: number} = {}): Promise<HostileHttp> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => {});
		let head = '';
		socket.on('data', (chunk: Buffer) => {
			head += chunk.toString('latin1');
			if (!head.includes('\r\n\r\n')) return;
			const token = /^authorization: Bearer (.*)$/im.exec(head)?.[1]?.trim() ?? 'no-token';
			const text = `${hostileText('Service Unavailable')} ${smuggle(token)}`;
			socket.end(rawResponse(opts.status ?? 503, text, hostileText('body')));
			head = '';
		});
	});
	const port = await listen(server);
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
