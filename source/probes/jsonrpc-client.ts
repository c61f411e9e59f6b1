import type {ClientRequest, IncomingMessage} from 'node:http';
import WebSocket from 'ws';

/** Replies larger than this are refused: a monitor has no use for them and must not buffer them. */
export const maxReplyBytes = 1024 * 1024;

const protocolVersion = '2025-06-18';

export type EndpointErrorKind =
	| 'bad-url'
	| 'refused'
	| 'not-found'
	| 'unreachable'
	| 'handshake-timeout'
	| 'http-reply'
	| 'unauthorized'
	| 'timeout'
	| 'non-json'
	| 'protocol'
	| 'too-large'
	| 'rpc-error'
	| 'tool-error'
	| 'closed'
	| 'cancelled'
	| 'network';

/** An endpoint failure with a one-line message for the operator (never containing the token). */
export class EndpointError extends Error {
	readonly kind: EndpointErrorKind;
	/** What to try, e.g. "try --endpoint http://127.0.0.1:6277/health"; null when there is nothing to add. */
	readonly hint: string | null;
	readonly httpStatus: number | null;
	readonly rpcCode: number | null;

	constructor(
		kind: EndpointErrorKind,
		message: string,
		extra: {hint?: string | null; httpStatus?: number; rpcCode?: number} = {},
	) {
		super(message);
		this.name = 'EndpointError';
		this.kind = kind;
		this.hint = extra.hint ?? null;
		this.httpStatus = extra.httpStatus ?? null;
		this.rpcCode = extra.rpcCode ?? null;
	}
}

/** "300 ms", "5 s", "1.5 s". */
export function formatWait(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Server text is untrusted: no control characters, bounded length. */
export function cleanServerText(text: string, max = 120): string {
	const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function redact(text: string, token: string | null | undefined): string {
	if (!token) return text;
	return text.split(token).join('[token]');
}

/** The URL as it may be shown: no user:password, no query string (either may carry a secret). */
export function displayUrl(url: string): string {
	try {
		const u = new URL(url);
		// new URL adds a slash to a bare origin; show what the operator typed.
		const typedSlash = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url);
		const path = u.pathname === '/' && !typedSlash ? '' : u.pathname;
		return `${u.protocol}//${u.host}${path}`;
	} catch {
		return '(invalid URL)';
	}
}

function hostPort(url: string): string {
	try {
		const u = new URL(url);
		const defaultPort = u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80';
		return `${u.hostname}:${u.port || defaultPort}`;
	} catch {
		return url;
	}
}

/** The HTTP URL to suggest when a ws:// endpoint answers plain HTTP (the Inspector proxy has /health). */
export function httpUrlFor(wsUrl: string): string {
	const u = new URL(wsUrl);
	const scheme = u.protocol === 'wss:' ? 'https:' : 'http:';
	const path = u.pathname === '' || u.pathname === '/' ? '/health' : u.pathname;
	return `${scheme}//${u.host}${path}`;
}

function errorCode(err: unknown): string | undefined {
	if (err && typeof err === 'object') {
		const code = (err as {code?: unknown}).code;
		if (typeof code === 'string') return code;
		// Node's happy-eyeballs connect reports an AggregateError holding one error per address.
		const inner = (err as {errors?: unknown}).errors;
		if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
	}
	return undefined;
}

function toEndpointError(
	err: unknown,
	url: string,
	timeoutMs: number | null,
	token?: string | null,
): EndpointError {
	if (err instanceof EndpointError) return err;
	const where = hostPort(url);
	const code = errorCode(err);
	const message = err instanceof Error ? err.message : String(err);
	switch (code) {
		case 'ECONNREFUSED':
			return new EndpointError('refused', `connection refused (nothing listening on ${where})`);
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new EndpointError('not-found', `host not found: ${hostPort(url).split(':')[0]}`);
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return new EndpointError('unreachable', `host unreachable: ${where}`);
		case 'ECONNRESET':
			return new EndpointError('network', `connection reset by ${where}`);
		case 'EPIPE':
			return new EndpointError('network', `connection to ${where} broken (EPIPE)`);
		case 'ETIMEDOUT':
			return new EndpointError('handshake-timeout', `connect to ${where} timed out`);
		case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
			return new EndpointError('too-large', `frame larger than ${maxReplyBytes / 1024 / 1024} MiB`);
		default:
			break;
	}
	if (/Opening handshake has timed out/i.test(message)) {
		return new EndpointError(
			'handshake-timeout',
			timeoutMs === null
				? 'handshake timed out'
				: `handshake timed out after ${formatWait(timeoutMs)}`,
		);
	}
	if (code?.startsWith('WS_ERR_')) {
		return new EndpointError(
			'protocol',
			redact(`server sent an invalid WebSocket frame (${cleanServerText(message, 80)})`, token),
		);
	}
	if (code && /CERT|SSL|TLS/.test(code)) {
		return new EndpointError(
			'network',
			redact(`TLS error: ${cleanServerText(message, 100)}`, token),
		);
	}
	const unexpected = /Unexpected server response: (\d+)/.exec(message);
	if (unexpected) return httpReplyError(Number(unexpected[1]), url, Boolean(token));
	return new EndpointError(
		'network',
		redact(`cannot connect to ${where}: ${cleanServerText(message, 100)}`, token),
	);
}

function httpReplyError(status: number, url: string, tokenGiven: boolean): EndpointError {
	if (status === 401 || status === 403) {
		const why = tokenGiven ? 'the bearer token was rejected' : 'the server wants a bearer token';
		return new EndpointError(
			'unauthorized',
			`server refused the WebSocket upgrade with HTTP ${status}: ${why}`,
			{httpStatus: status},
		);
	}
	const suggestion = httpUrlFor(url);
	return new EndpointError(
		'http-reply',
		`got HTTP ${status} instead of a WebSocket upgrade; is this an HTTP service? try --endpoint ${suggestion}`,
		{httpStatus: status, hint: `the endpoint answers plain HTTP; try --endpoint ${suggestion}`},
	);
}

/** One line for the operator explaining why a connection to `url` failed. */
export function describeConnectError(err: unknown, url: string): string {
	return toEndpointError(err, url, null).message;
}

type Pending = {
	method: string;
	resolve: (value: unknown) => void;
	reject: (err: EndpointError) => void;
	timer: NodeJS.Timeout;
};

export type ConnectOptions = {
	timeoutMs: number;
	token?: string | null;
	/** Cancels a connection attempt in flight. */
	signal?: AbortSignal;
};

/**
 * One WebSocket connection speaking JSON-RPC 2.0 (MCP). Every request has its own timeout, since ws
 * has none and a server that accepts the connection but never answers must not hang the caller.
 */
export class JsonRpcClient {
	static connect(url: string, opts: ConnectOptions): Promise<JsonRpcClient> {
		const {timeoutMs, token, signal} = opts;
		return new Promise((resolve, reject) => {
			let parsed: URL;
			try {
				parsed = new URL(url);
			} catch {
				reject(new EndpointError('bad-url', `not a valid endpoint URL: ${displayUrl(url)}`));
				return;
			}
			if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
				reject(
					new EndpointError(
						'bad-url',
						`expected a ws:// or wss:// URL, got ${parsed.protocol}// (${displayUrl(url)})`,
					),
				);
				return;
			}
			if (signal?.aborted) {
				reject(new EndpointError('cancelled', 'connection attempt cancelled'));
				return;
			}
			let ws: WebSocket;
			try {
				// closeTimeout (ws >= 8.18, not yet in @types/ws) bounds how long close() waits for the
				// server's close frame.
				const options: WebSocket.ClientOptions & {closeTimeout: number} = {
					handshakeTimeout: timeoutMs,
					maxPayload: maxReplyBytes,
					perMessageDeflate: false,
					followRedirects: false,
					closeTimeout: Math.min(timeoutMs, 2000),
					headers: token ? {Authorization: `Bearer ${token}`} : {},
				};
				ws = new WebSocket(url, options);
			} catch (err) {
				reject(toEndpointError(err, url, timeoutMs, token));
				return;
			}
			// ws emits 'error' more than once in some paths; an unhandled one would crash the process.
			ws.on('error', () => {});

			let settled = false;
			let httpStatus: number | null = null;
			const finish = (err: EndpointError | null) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				ws.off('open', onOpen);
				ws.off('error', onError);
				ws.off('unexpected-response', onUnexpected);
				if (err) {
					ws.terminate();
					reject(err);
				} else {
					resolve(new JsonRpcClient(ws, url, timeoutMs, token ?? null));
				}
			};
			const onOpen = () => finish(null);
			const onError = (err: Error) => {
				finish(
					httpStatus !== null
						? httpReplyError(httpStatus, url, Boolean(token))
						: toEndpointError(err, url, timeoutMs, token),
				);
			};
			const onUnexpected = (_req: ClientRequest, res: IncomingMessage) => {
				httpStatus = res.statusCode ?? 0;
				res.resume();
				finish(httpReplyError(httpStatus, url, Boolean(token)));
			};
			const onAbort = () => finish(new EndpointError('cancelled', 'connection attempt cancelled'));
			// ws's handshakeTimeout is an idle timeout; this one bounds the whole attempt.
			const timer = setTimeout(
				() =>
					finish(
						new EndpointError(
							'handshake-timeout',
							`handshake timed out after ${formatWait(timeoutMs)}`,
						),
					),
				timeoutMs,
			);
			ws.on('open', onOpen);
			ws.on('error', onError);
			ws.on('unexpected-response', onUnexpected);
			signal?.addEventListener('abort', onAbort, {once: true});
		});
	}

	private readonly ws: WebSocket;
	private readonly url: string;
	private readonly defaultTimeoutMs: number;
	private readonly token: string | null;
	private readonly pending = new Map<number, Pending>();
	private readonly closeListeners: Array<(reason: string) => void> = [];
	private readonly closedPromise: Promise<void>;
	private nextId = 1;
	private isClosed = false;
	private closeReason: string | null = null;
	private closeError: EndpointError | null = null;

	private constructor(ws: WebSocket, url: string, timeoutMs: number, token: string | null) {
		this.ws = ws;
		this.url = url;
		this.defaultTimeoutMs = timeoutMs;
		this.token = token;
		ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
		ws.on('error', (err) => this.onError(err));
		this.closedPromise = new Promise((resolve) => {
			ws.once('close', (code: number, reason: Buffer) => {
				this.onSocketClose(code, reason);
				resolve();
			});
		});
	}

	get closed(): boolean {
		return this.isClosed;
	}

	/** Called once when the connection ends, with a one-line reason; at once if it already has. */
	onClose(cb: (reason: string) => void): void {
		if (this.isClosed && this.ws.readyState === WebSocket.CLOSED) {
			const reason = this.closeReason ?? 'connection closed';
			queueMicrotask(() => cb(reason));
			return;
		}
		this.closeListeners.push(cb);
	}

	/** Resolves when the socket is fully closed. */
	whenClosed(): Promise<void> {
		return this.closedPromise;
	}

	request(method: string, params?: unknown, timeoutMs = this.defaultTimeoutMs): Promise<unknown> {
		if (this.isClosed || this.ws.readyState !== WebSocket.OPEN) {
			return Promise.reject(
				this.closeError ?? new EndpointError('closed', this.closeReason ?? 'connection closed'),
			);
		}
		const id = this.nextId++;
		const message: Record<string, unknown> = {jsonrpc: '2.0', id, method};
		if (params !== undefined) message['params'] = params;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new EndpointError('timeout', `no reply to ${method} in ${formatWait(timeoutMs)}`));
			}, timeoutMs);
			this.pending.set(id, {method, resolve, reject, timer});
			this.ws.send(JSON.stringify(message), (err) => {
				if (err) this.settle(id, null, toEndpointError(err, this.url, null, this.token));
			});
		});
	}

	/** A JSON-RPC notification: no id, no reply. */
	notify(method: string, params?: unknown): void {
		if (this.isClosed) return;
		const message: Record<string, unknown> = {jsonrpc: '2.0', method};
		if (params !== undefined) message['params'] = params;
		this.ws.send(JSON.stringify(message), () => {});
	}

	/**
	 * MCP `tools/call`. Rejects when the tool reports an error (`isError: true`), with the tool's text.
	 */
	async callTool(
		name: string,
		args: Record<string, unknown> = {},
		timeoutMs = this.defaultTimeoutMs,
	): Promise<unknown> {
		const result = await this.request('tools/call', {name, arguments: args}, timeoutMs);
		if (result && typeof result === 'object' && (result as {isError?: unknown}).isError === true) {
			throw new EndpointError(
				'tool-error',
				redact(`tool ${name} reported an error: ${toolText(result) || 'no details'}`, this.token),
			);
		}
		return result;
	}

	/**
	 * MCP `initialize` + `notifications/initialized`, for servers that refuse requests before it.
	 * `ping` needs no initialization.
	 */
	async initialize(timeoutMs = this.defaultTimeoutMs): Promise<unknown> {
		const result = await this.request(
			'initialize',
			{
				protocolVersion,
				capabilities: {},
				clientInfo: {name: 'mcptop', version: '0.1.0'},
			},
			timeoutMs,
		);
		this.notify('notifications/initialized');
		return result;
	}

	/** Polite close: a close frame, then the socket is destroyed if the server does not answer. */
	close(): void {
		if (this.isClosed) {
			if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
			return;
		}
		this.markClosed(new EndpointError('closed', 'connection closed by mcptop'));
		this.ws.close(1000);
	}

	/** Drops the connection at once (a hung server will not answer a close frame). */
	terminate(): void {
		if (!this.isClosed) this.markClosed(new EndpointError('closed', 'connection closed by mcptop'));
		this.ws.terminate();
	}

	private markClosed(err: EndpointError): void {
		this.isClosed = true;
		this.closeError ??= err;
		this.closeReason ??= err.message;
		for (const id of [...this.pending.keys()]) this.settle(id, null, this.closeError);
	}

	private settle(id: number, result: unknown, err: EndpointError | null): void {
		const entry = this.pending.get(id);
		if (!entry) return;
		this.pending.delete(id);
		clearTimeout(entry.timer);
		if (err) entry.reject(err);
		else entry.resolve(result);
	}

	private failAllPending(err: EndpointError): void {
		for (const id of [...this.pending.keys()]) this.settle(id, null, err);
	}

	private onError(err: Error): void {
		const failure = toEndpointError(err, this.url, null, this.token);
		this.markClosed(failure);
		// The socket is unusable after an error; don't wait for a close handshake.
		this.ws.terminate();
	}

	private onSocketClose(code: number, reasonBuffer: Buffer): void {
		if (!this.isClosed) {
			const reason = cleanServerText(reasonBuffer.toString('utf8'), 80);
			let text: string;
			if (code === 1009) text = `frame larger than ${maxReplyBytes / 1024 / 1024} MiB`;
			else if (code === 1006) text = 'connection lost (closed without a close frame)';
			else if (code === 1000 || code === 1001 || code === 1005)
				text = `server closed the connection${reason ? `: ${reason}` : ''}`;
			else text = `server closed the connection (code ${code}${reason ? `: ${reason}` : ''})`;
			this.markClosed(
				new EndpointError(code === 1009 ? 'too-large' : 'closed', redact(text, this.token)),
			);
		}
		const reason = this.closeReason ?? 'connection closed';
		for (const cb of this.closeListeners.splice(0)) {
			try {
				cb(reason);
			} catch {
				// A listener's failure must not stop the others.
			}
		}
	}

	private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
		const buffer = Array.isArray(data)
			? Buffer.concat(data)
			: Buffer.isBuffer(data)
				? data
				: Buffer.from(data);
		const text = buffer.toString('utf8');
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			// The reply cannot be matched to a request, so every waiting request gets the explanation.
			const what = isBinary ? 'binary data' : `"${cleanServerText(text, 40)}"`;
			this.failAllPending(
				new EndpointError('non-json', redact(`server sent non-JSON: ${what}`, this.token)),
			);
			return;
		}
		const messages = Array.isArray(parsed) ? parsed : [parsed];
		for (const message of messages) this.onRpcMessage(message);
	}

	private onRpcMessage(message: unknown): void {
		if (!message || typeof message !== 'object') {
			this.failAllPending(new EndpointError('protocol', 'server sent JSON that is not JSON-RPC'));
			return;
		}
		const m = message as Record<string, unknown>;
		if (typeof m['method'] === 'string') {
			this.onServerRequest(m);
			return;
		}
		const id = typeof m['id'] === 'number' ? m['id'] : Number(m['id']);
		const entry = Number.isInteger(id) ? this.pending.get(id) : undefined;
		// A reply that arrives after its timeout (or to nothing we sent) is dropped.
		if (!entry) return;
		if (m['error'] !== undefined && m['error'] !== null) {
			const error = m['error'] as {code?: unknown; message?: unknown};
			const code = typeof error.code === 'number' ? error.code : undefined;
			const text = typeof error.message === 'string' ? cleanServerText(error.message) : '';
			this.settle(
				id,
				null,
				new EndpointError(
					'rpc-error',
					redact(
						`server error${code === undefined ? '' : ` ${code}`} on ${entry.method}${text ? `: ${text}` : ''}`,
						this.token,
					),
					code === undefined ? {} : {rpcCode: code},
				),
			);
			return;
		}
		if (!('result' in m)) {
			this.settle(
				id,
				null,
				new EndpointError('protocol', `reply to ${entry.method} has neither result nor error`),
			);
			return;
		}
		this.settle(id, m['result'], null);
	}

	/** MCP lets either side ping; answer it, and refuse anything else the server asks of us. */
	private onServerRequest(m: Record<string, unknown>): void {
		if (m['id'] === undefined || m['id'] === null) return;
		const reply =
			m['method'] === 'ping'
				? {jsonrpc: '2.0', id: m['id'], result: {}}
				: {jsonrpc: '2.0', id: m['id'], error: {code: -32601, message: 'Method not found'}};
		this.ws.send(JSON.stringify(reply), () => {});
	}
}

function toolText(result: unknown): string {
	const content = (result as {content?: unknown}).content;
	if (!Array.isArray(content)) return '';
	const texts = content
		.map((c) => (c && typeof c === 'object' ? (c as {text?: unknown}).text : undefined))
		.filter((t): t is string => typeof t === 'string');
	return cleanServerText(texts.join(' '), 160);
}

/**
 * Connects and initializes when the server supports it. Servers that do not know `initialize`
 * (plain JSON-RPC servers answer -32601) are used as they are.
 */
export async function connectSession(url: string, opts: ConnectOptions): Promise<JsonRpcClient> {
	const client = await JsonRpcClient.connect(url, opts);
	try {
		await client.initialize();
	} catch (err) {
		if (!(err instanceof EndpointError) || err.kind !== 'rpc-error') {
			client.close();
			throw err;
		}
	}
	return client;
}
