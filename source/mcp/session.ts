import {performance} from 'node:perf_hooks';
import {
	Client,
	ProtocolError,
	SSEClientTransport,
	SdkError,
	SdkErrorCode,
	StreamableHTTPClientTransport,
	type FetchLike,
	type Transport,
} from '@modelcontextprotocol/client';
import {
	EndpointError,
	cleanServerText,
	formatWait,
	redact,
	toEndpointError,
	type ErrorContext,
} from './errors.js';
import {WebSocketClientTransport, openWebSocket} from './ws-transport.js';

/** How mcptop speaks MCP to a server. */
export type McpTransportKind = 'streamable-http' | 'sse' | 'ws';

export type McpTarget = {
	kind: McpTransportKind;
	url: string;
	/**
	 * Skip the 2026 era's `server/discover` probe: for the Inspector proxy, which speaks 2025 and
	 * starts a server process for every request without a session (the probe would leave one behind).
	 */
	legacyOnly?: boolean;
};

export type Era = 'legacy' | 'modern';

/** What the steady-state probe times on a session. */
export type LivenessMethod = 'ping' | 'server/discover' | 'tools/list';

export type SessionOptions = {
	/** Bounds the handshake as a whole and every request (the libraries' default is 60 s). */
	timeoutMs: number;
	/** Sent as `Authorization: Bearer …`. */
	token?: string | null;
	/** More headers, e.g. the Inspector proxy's `X-MCP-Proxy-Auth`. */
	headers?: Record<string, string>;
	/** Values that must never appear in a message (tokens inside `headers`). */
	secrets?: ReadonlyArray<string | null | undefined>;
	signal?: AbortSignal;
};

export type ServerIdentity = {name: string; version: string | null};

const clientInfo = {name: 'mcptop', version: '0.1.0'};
const methodNotFound = -32601;

/**
 * One kept MCP session with a server, through the official SDK's Client on any transport. Knows the
 * era it landed on, what it times as liveness (ping, server/discover in the 2026 era, tools/list when
 * a server refuses ping) and reports when it is lost (closed stream, expired session), so the caller
 * can open a new one instead of a connection per probe.
 */
export class McpSession {
	static async open(target: McpTarget, opts: SessionOptions): Promise<McpSession> {
		const secrets = [opts.token, ...(opts.secrets ?? [])];
		const headers: Record<string, string> = {...opts.headers};
		if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
		const ctx: ErrorContext = {
			url: target.url,
			secrets,
			tokenSent: Boolean(opts.token),
			timeoutMs: opts.timeoutMs,
			what: 'the handshake',
		};
		let transport: Transport;
		try {
			transport = await makeTransport(target, opts, headers, secrets);
		} catch (err) {
			throw toEndpointError(err, ctx);
		}
		const client = new Client(clientInfo, {
			capabilities: {},
			versionNegotiation: target.legacyOnly
				? {mode: 'legacy'}
				: {mode: 'auto', probe: {timeoutMs: opts.timeoutMs}},
		});
		const session = new McpSession(target, client, transport, secrets, opts.timeoutMs);
		// An error before connect() settles (no reply to a probe, a refused stream) is what connect()
		// rejects with; the SDK also reports it here, where nobody must see it twice.
		client.onerror = (err) => session.onTransportError(err);
		const started = performance.now();
		// The SDK's connect() does not stop for a signal during its version probe, and an SSE stream
		// that never sends its endpoint event never settles: bound it here and tear the transport down.
		const stop = new AbortController();
		const timer = setTimeout(() => stop.abort('timeout'), opts.timeoutMs);
		const onAbort = () => stop.abort('cancelled');
		opts.signal?.addEventListener('abort', onAbort, {once: true});
		if (opts.signal?.aborted) stop.abort('cancelled');
		try {
			await Promise.race([
				client.connect(transport, {timeout: opts.timeoutMs}),
				new Promise<never>((_resolve, reject) => {
					const fail = () =>
						reject(
							stop.signal.reason === 'timeout'
								? new EndpointError(
										'handshake-timeout',
										`no answer to the MCP handshake in ${formatWait(opts.timeoutMs)}`,
									)
								: new EndpointError('cancelled', 'connection attempt cancelled'),
						);
					if (stop.signal.aborted) fail();
					else stop.signal.addEventListener('abort', fail, {once: true});
				}),
			]);
		} catch (err) {
			// What ended a WebSocket (non-JSON, an oversized frame) says more than "closed during the probe".
			const wsFailure = transport instanceof WebSocketClientTransport ? transport.failure : null;
			await session.close(0);
			throw wsFailure ?? toEndpointError(err, ctx);
		} finally {
			clearTimeout(timer);
			opts.signal?.removeEventListener('abort', onAbort);
		}
		session.handshakeMs = Math.round((performance.now() - started) * 100) / 100;
		session.afterConnect();
		return session;
	}

	readonly target: McpTarget;
	handshakeMs = 0;
	era: Era = 'legacy';
	protocolVersion: string | null = null;
	server: ServerIdentity | null = null;
	liveness: LivenessMethod = 'ping';
	/** Why liveness is not `ping`, for the operator; null when it is. */
	livenessNote: string | null = null;

	private readonly client: Client;
	private readonly transport: Transport;
	private readonly secrets: ReadonlyArray<string | null | undefined>;
	private readonly timeoutMs: number;
	private lostReason: string | null = null;
	private closing = false;
	private readonly lostListeners: Array<(reason: string) => void> = [];

	private constructor(
		target: McpTarget,
		client: Client,
		transport: Transport,
		secrets: ReadonlyArray<string | null | undefined>,
		timeoutMs: number,
	) {
		this.target = target;
		this.client = client;
		this.transport = transport;
		this.secrets = secrets;
		this.timeoutMs = timeoutMs;
	}

	get lost(): boolean {
		return this.lostReason !== null;
	}

	/** Called once when the session can no longer be used, with a one-line reason. */
	onLost(cb: (reason: string) => void): void {
		if (this.lostReason !== null) queueMicrotask(() => cb(this.lostReason!));
		else this.lostListeners.push(cb);
	}

	/** The session id the server gave (Streamable HTTP, 2025 era), for tests; never shown. */
	get sessionId(): string | undefined {
		return this.transport.sessionId;
	}

	/** Times one liveness request; resolves to the round trip in ms or throws an EndpointError. */
	async probe(timeoutMs = this.timeoutMs): Promise<number> {
		const started = performance.now();
		try {
			await this.livenessRequest(timeoutMs);
		} catch (err) {
			if (this.liveness === 'ping' && isMethodNotFound(err)) {
				// ping is optional before 2026 and some servers answer -32601: time a read-only list instead.
				this.liveness = 'tools/list';
				this.livenessNote = 'ping not supported (-32601): timing tools/list';
				return this.probe(timeoutMs);
			}
			throw this.failure(err, this.liveness, timeoutMs);
		}
		return Math.round((performance.now() - started) * 100) / 100;
	}

	async listTools(timeoutMs = this.timeoutMs): Promise<string[]> {
		try {
			const result = await this.client.listTools(undefined, {
				timeout: timeoutMs,
				cacheMode: 'bypass',
			});
			return result.tools.map((t) => cleanServerText(String(t.name), 80));
		} catch (err) {
			throw this.failure(err, 'tools/list', timeoutMs);
		}
	}

	/** `tools/call`; rejects with the tool's own text when it reports an error (`isError`). */
	async callTool(
		name: string,
		args: Record<string, unknown> = {},
		timeoutMs = this.timeoutMs,
	): Promise<unknown> {
		let result: unknown;
		try {
			result = await this.client.callTool({name, arguments: args}, {timeout: timeoutMs});
		} catch (err) {
			throw this.failure(err, `tools/call ${name}`, timeoutMs);
		}
		if (result && typeof result === 'object' && (result as {isError?: unknown}).isError === true) {
			throw new EndpointError(
				'tool-error',
				redact(`tool ${name} reported an error: ${toolText(result) || 'no details'}`, this.secrets),
			);
		}
		return result;
	}

	/**
	 * Ends the session politely: DELETE on Streamable HTTP (2025 era), then closes the transport.
	 * Bounded: a server that does not answer the DELETE within `waitMs` is left to expire it.
	 */
	async close(waitMs = Math.min(this.timeoutMs, 2000)): Promise<void> {
		if (this.closing) return;
		this.closing = true;
		this.markLost('session closed by mcptop');
		const transport = this.transport;
		if (waitMs > 0 && transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
			await withTimeout(transport.terminateSession(), waitMs);
		}
		if (transport instanceof WebSocketClientTransport && waitMs === 0) transport.terminate();
		// The client may never have connected (a failed handshake): close the transport itself too.
		await withTimeout(Promise.all([this.client.close(), transport.close()]), Math.max(waitMs, 500));
	}

	private afterConnect(): void {
		this.era = this.client.getProtocolEra() ?? 'legacy';
		this.protocolVersion = this.client.getNegotiatedProtocolVersion() ?? null;
		const info =
			this.client.getServerVersion() ??
			(this.client.getDiscoverResult()?._meta?.['io.modelcontextprotocol/serverInfo'] as
				{name?: unknown; version?: unknown} | undefined);
		if (info && typeof info.name === 'string') {
			this.server = {
				name: redact(cleanServerText(info.name, 60), this.secrets),
				version:
					typeof info.version === 'string'
						? redact(cleanServerText(info.version, 30), this.secrets)
						: null,
			};
		}
		// The 2026-07-28 revision has no ping; server/discover is the cheap request every server has.
		this.liveness = this.era === 'modern' ? 'server/discover' : 'ping';
		this.client.onclose = () => this.markLost(this.transportReason() ?? 'connection closed');
	}

	private livenessRequest(timeoutMs: number): Promise<unknown> {
		const options = {timeout: timeoutMs};
		switch (this.liveness) {
			case 'ping':
				return this.client.ping(options);
			case 'server/discover':
				return this.client.discover(options);
			case 'tools/list':
				return this.client.listTools(undefined, {...options, cacheMode: 'bypass'});
		}
	}

	private failure(err: unknown, what: string, timeoutMs: number): EndpointError {
		if (this.lostReason !== null && !(err instanceof ProtocolError)) {
			return new EndpointError('closed', this.lostReason);
		}
		const failure = toEndpointError(err, {
			url: this.target.url,
			secrets: this.secrets,
			tokenSent: Boolean(this.secrets[0]),
			what,
			timeoutMs,
		});
		// A 404 on a kept Streamable HTTP session means the server forgot it (restart, expiry).
		if (failure.httpStatus === 404 && this.transport.sessionId) {
			const expired = new EndpointError(
				'session-expired',
				'session not found (HTTP 404): the server forgot it',
				{
					httpStatus: 404,
				},
			);
			this.markLost(expired.message);
			return expired;
		}
		if (failure.kind === 'session-expired') this.markLost(failure.message);
		return failure;
	}

	private onTransportError(err: Error): void {
		// A broken SSE event stream cannot carry replies any more: the session is gone.
		if (this.transport instanceof SSEClientTransport && !this.closing) {
			const failure = toEndpointError(err, {url: this.target.url, secrets: this.secrets});
			this.markLost(`event stream broken: ${failure.message}`);
			void this.client.close().catch(() => {});
		}
	}

	private transportReason(): string | null {
		return this.transport instanceof WebSocketClientTransport ? this.transport.reason : null;
	}

	private markLost(reason: string): void {
		if (this.lostReason !== null) return;
		this.lostReason = redact(reason, this.secrets);
		for (const cb of this.lostListeners.splice(0)) {
			try {
				cb(this.lostReason);
			} catch {
				// One listener's failure must not stop the others.
			}
		}
	}
}

async function makeTransport(
	target: McpTarget,
	opts: SessionOptions,
	headers: Record<string, string>,
	secrets: ReadonlyArray<string | null | undefined>,
): Promise<Transport> {
	if (target.kind === 'ws') {
		const opened = await openWebSocket(target.url, {
			timeoutMs: opts.timeoutMs,
			headers,
			signal: opts.signal,
			secrets,
			tokenSent: Boolean(opts.token),
		});
		return new WebSocketClientTransport(opened, secrets);
	}
	const url = new URL(target.url);
	const fetchWithHeaders = headerFetch(headers);
	if (target.kind === 'sse') return new SSEClientTransport(url, {fetch: fetchWithHeaders});
	return new StreamableHTTPClientTransport(url, {
		fetch: fetchWithHeaders,
		// mcptop reconnects by itself, with a new handshake; the transport's own retries would hide it.
		reconnectionOptions: {
			maxRetries: 0,
			initialReconnectionDelay: 1000,
			maxReconnectionDelay: 1000,
			reconnectionDelayGrowFactor: 1,
		},
	});
}

/** fetch with our headers on every request: POSTs, the SSE GET, the DELETE of the session. */
function headerFetch(extra: Record<string, string>): FetchLike {
	return (url, init) => {
		const headers = new Headers(init?.headers);
		for (const [name, value] of Object.entries(extra)) headers.set(name, value);
		return fetch(url, {...init, headers, redirect: 'manual'});
	};
}

function isMethodNotFound(err: unknown): boolean {
	if (err instanceof ProtocolError) return err.code === methodNotFound;
	if (err instanceof SdkError) return err.code === SdkErrorCode.MethodNotSupportedByProtocolVersion;
	return false;
}

function toolText(result: unknown): string {
	const content = (result as {content?: unknown}).content;
	if (!Array.isArray(content)) return '';
	const texts = content
		.map((c) => (c && typeof c === 'object' ? (c as {text?: unknown}).text : undefined))
		.filter((t): t is string => typeof t === 'string');
	return cleanServerText(texts.join(' '), 160);
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([
		promise.catch(() => {}),
		new Promise<void>((resolve) => {
			timer = setTimeout(resolve, ms);
			timer.unref();
		}),
	]);
	clearTimeout(timer);
}
