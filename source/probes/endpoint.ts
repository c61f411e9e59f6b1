import http from 'node:http';
import https from 'node:https';
import {performance} from 'node:perf_hooks';
import {round2} from '../lib/stats.js';
import {
	EndpointError,
	cleanServerText,
	displayUrl,
	formatWait,
	maxReplyBytes,
	redact,
	toEndpointError,
} from '../mcp/errors.js';
import {
	connectMcp,
	inspectorTargets,
	planEndpoint,
	type EndpointPlan,
	type EndpointSpec,
} from '../mcp/resolve.js';
import type {McpSession, McpTarget} from '../mcp/session.js';
import type {
	EndpointState,
	EndpointStatus,
	EndpointTransport,
	LatencySample,
	TransportSetting,
} from '../types.js';

export type Backoff = {baseMs: number; maxMs: number};

export const defaultBackoff: Backoff = {baseMs: 250, maxMs: 10_000};

export type EndpointProbeOptions = {
	url: string;
	transport?: TransportSetting;
	timeoutMs: number;
	token?: string | null;
	/** The MCP Inspector proxy's token: with it, /health endpoints also get an MCP session through the proxy. */
	proxyToken?: string | null;
	/** Epoch ms, for sample times and nextRetryAt (round trips use the monotonic clock). */
	now?: () => number;
	backoff?: Backoff;
	/** Consecutive probe timeouts after which the session counts as hung and is replaced. */
	hungAfter?: number;
	/** For tests of the jitter; defaults to Math.random. */
	random?: () => number;
};

/** Full-jitter exponential backoff: random(0, min(max, base × 2^attempt)). */
export function backoffDelay(
	attempt: number,
	backoff: Backoff,
	random: () => number = Math.random,
): number {
	const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
	return Math.floor(random() * cap);
}

/**
 * The persistent latency probe. MCP endpoints (Streamable HTTP, SSE, WebSocket): one kept session
 * through the official SDK, its liveness request timed once per tick (ping; server/discover in the
 * 2026 era; tools/list where ping is refused), a new session only when the old one is lost or
 * expired, with backoff. GET endpoints (a /health URL, the Inspector proxy): the status line is
 * timed. Called once per tick by the store; it never throws and emits nothing on its own.
 */
export class EndpointProbe {
	private readonly url: string;
	/** The URL as the panes show it, worked out once: status() is read several times a tick. */
	private readonly shownUrl: string;
	private readonly getMethod: string;
	private readonly setting: TransportSetting;
	private plan: EndpointPlan | null;
	/** Inspector proxy with its token: MCP through the proxy instead of GET /health. */
	private readonly viaProxy: boolean;
	private readonly timeoutMs: number;
	private readonly token: string | null;
	private readonly proxyToken: string | null;
	private readonly now: () => number;
	private readonly backoff: Backoff;
	private readonly hungAfter: number;
	private readonly random: () => number;

	private state: EndpointState = 'stopped';
	private running = false;
	private lastError: string | null = null;
	private hint: string | null = null;
	private reconnects = 0;
	private nextRetryAt: number | null = null;

	/** Once a candidate answered, reconnects go straight to it. */
	private candidates: McpTarget[] = [];
	private kind: EndpointTransport;
	private session: McpSession | null = null;
	private sessions = 0;
	private handshakeMs: number | null = null;
	private attempt: Promise<void> | null = null;
	private attemptAbort: AbortController | null = null;
	private retryTimer: NodeJS.Timeout | null = null;
	/** Failed attempts since the last good session: the backoff exponent. */
	private failures = 0;
	private consecutiveTimeouts = 0;
	/** Identity of the last session, kept while reconnecting so the pane still says what it was. */
	private lastSession: Pick<
		McpSession,
		'era' | 'protocolVersion' | 'server' | 'liveness' | 'livenessNote'
	> | null = null;
	private proxyHeaders: Record<string, string> | undefined;
	private proxyNote: string | null = null;

	private agent: http.Agent | null = null;
	private readonly httpRequests = new Set<http.ClientRequest>();

	private settledFirst!: () => void;
	private readonly firstAttempt: Promise<void>;

	constructor(opts: EndpointProbeOptions) {
		this.url = opts.url;
		this.shownUrl = displayUrl(opts.url);
		this.getMethod = `GET ${pathOf(opts.url)}`;
		this.setting = opts.transport ?? 'auto';
		let plan: EndpointPlan | null = null;
		try {
			const scheme = new URL(opts.url).protocol;
			if (['ws:', 'wss:', 'http:', 'https:'].includes(scheme))
				plan = planEndpoint(opts.url, this.setting);
		} catch {
			plan = null;
		}
		this.plan = plan;
		this.kind =
			plan === null
				? 'http-get'
				: plan.mode === 'http-get'
					? plan.inspector
						? 'inspector'
						: 'http-get'
					: plan.candidates[0]!.kind;
		if (plan?.mode === 'mcp') this.candidates = plan.candidates;
		this.timeoutMs = opts.timeoutMs;
		this.token = opts.token ?? null;
		this.proxyToken = opts.proxyToken ?? null;
		this.viaProxy = plan?.mode === 'http-get' && plan.inspector && this.proxyToken !== null;
		if (this.viaProxy) this.plan = {mode: 'mcp', candidates: []};
		this.now = opts.now ?? Date.now;
		this.backoff = opts.backoff ?? defaultBackoff;
		this.hungAfter = Math.max(1, opts.hungAfter ?? 2);
		this.random = opts.random ?? Math.random;
		this.firstAttempt = new Promise((resolve) => (this.settledFirst = resolve));
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.state = 'connecting';
		if (this.plan === null) {
			this.lastError = `not a ws://, wss://, http:// or https:// URL: ${this.shownUrl}`;
			this.settledFirst();
			return;
		}
		if (this.plan.mode === 'http-get') {
			const secure = this.url.toLowerCase().startsWith('https:');
			this.agent = secure
				? new https.Agent({keepAlive: true, maxSockets: 2})
				: new http.Agent({keepAlive: true, maxSockets: 2});
			if (this.plan.inspector) {
				this.proxyNote =
					'GET /health proves only that the Inspector proxy runs; set MCP_PROXY_AUTH_TOKEN for MCP through it';
			}
			this.settledFirst();
			return;
		}
		this.connect();
	}

	/** Resolves once the first connection attempt after start() has succeeded or failed. */
	ready(): Promise<void> {
		return this.firstAttempt;
	}

	async stop(): Promise<void> {
		if (!this.running) return;
		this.running = false;
		this.state = 'stopped';
		this.nextRetryAt = null;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		const waits: Array<Promise<void>> = [];
		if (this.attempt) {
			this.attemptAbort?.abort();
			waits.push(this.attempt);
		}
		const session = this.session;
		this.session = null;
		// The session is deleted on the server (DELETE on Streamable HTTP), bounded in time.
		if (session) waits.push(session.close());
		for (const req of this.httpRequests) req.destroy();
		this.httpRequests.clear();
		this.agent?.destroy();
		this.agent = null;
		this.settledFirst();
		await Promise.all(waits);
	}

	status(): EndpointStatus {
		const s = this.session ?? this.lastSession;
		const get = this.plan?.mode === 'http-get';
		return {
			url: this.shownUrl,
			kind: this.kind,
			transport: this.setting,
			state: this.state,
			lastError: this.lastError,
			hint: this.hint,
			method: get ? this.getMethod : (s?.liveness ?? null),
			note: get || this.viaProxy ? this.proxyNote : (s?.livenessNote ?? null),
			era: get ? null : (s?.era ?? null),
			protocolVersion: get ? null : (s?.protocolVersion ?? null),
			server: get ? null : (s?.server ?? null),
			handshakeMs: this.handshakeMs,
			sessions: this.sessions,
			reconnects: this.reconnects,
			nextRetryAt: this.nextRetryAt,
		};
	}

	async probe(): Promise<LatencySample> {
		const time = this.now();
		try {
			if (!this.running) return {time, ms: null, error: 'probe stopped'};
			if (this.plan === null) return {time, ms: null, error: this.lastError ?? 'bad URL'};
			if (this.plan.mode === 'http-get') return await this.probeHttp(time);
			return await this.probeMcp(time);
		} catch (err) {
			return {time, ms: null, error: this.describe(err)};
		}
	}

	private describe(err: unknown): string {
		return toEndpointError(err, {url: this.url, secrets: [this.token, this.proxyToken]}).message;
	}

	private connect(): void {
		if (!this.running || this.attempt || this.session) return;
		const abort = new AbortController();
		this.attemptAbort = abort;
		const spec = (): EndpointSpec => ({
			url: this.url,
			transport: this.setting,
			timeoutMs: this.timeoutMs,
			token: this.token,
			proxyToken: this.proxyToken,
			headers: this.proxyHeaders,
		});
		const targets =
			this.candidates.length > 0 ? Promise.resolve(this.candidates) : this.loadProxyTargets();
		this.attempt = targets
			.then((candidates) => connectMcp(spec(), candidates, abort.signal))
			.then(
				({session, hint}) => {
					this.attempt = null;
					this.attemptAbort = null;
					this.settledFirst();
					if (!this.running) return session.close();
					this.attach(session, hint);
					return undefined;
				},
				(err: unknown) => {
					this.attempt = null;
					this.attemptAbort = null;
					this.settledFirst();
					if (!this.running) return;
					const failure =
						err instanceof EndpointError
							? err
							: toEndpointError(err, {url: this.url, secrets: [this.token, this.proxyToken]});
					this.lastError = failure.message;
					this.hint = failure.hint;
					this.scheduleReconnect();
				},
			);
	}

	/** The Inspector proxy's /config names the server it starts; MCP goes through its /mcp. */
	private async loadProxyTargets(): Promise<McpTarget[]> {
		const found = await inspectorTargets(this.url, this.proxyToken ?? '', this.timeoutMs);
		this.proxyHeaders = found.headers;
		this.proxyNote = `through the Inspector proxy to ${found.describe}`;
		this.candidates = found.candidates;
		return found.candidates;
	}

	private attach(session: McpSession, hint: string | null): void {
		this.session = session;
		this.sessions++;
		if (!this.viaProxy) this.kind = session.target.kind;
		// Reconnects go to what answered, not through the whole discovery again.
		this.candidates = [session.target];
		this.state = 'connected';
		this.failures = 0;
		this.consecutiveTimeouts = 0;
		this.handshakeMs = session.handshakeMs;
		this.lastError = null;
		this.hint = hint ?? this.hint;
		session.onLost((reason) => {
			if (this.session !== session) return;
			this.dropSession(reason);
		});
	}

	/** Forgets a lost session; `now` starts the new handshake at once instead of after the backoff. */
	private dropSession(reason: string, now = false): void {
		const session = this.session;
		if (!session) return;
		this.lastSession = session;
		this.session = null;
		void session.close(0);
		if (!this.running) return;
		this.lastError = reason;
		this.state = 'reconnecting';
		if (now) this.connect();
		else this.scheduleReconnect();
	}

	/**
	 * Something says the server is back (its port listens again): try now instead of waiting out the
	 * backoff, and start the backoff over. One attempt in flight still holds.
	 */
	retryNow(): void {
		if (!this.running || this.plan?.mode !== 'mcp' || !this.retryTimer) return;
		clearTimeout(this.retryTimer);
		this.retryTimer = null;
		this.nextRetryAt = null;
		this.failures = 0;
		this.connect();
	}

	private scheduleReconnect(): void {
		if (!this.running || this.retryTimer || this.attempt || this.session) return;
		this.state = 'reconnecting';
		const delay = backoffDelay(this.failures, this.backoff, this.random);
		this.failures++;
		this.reconnects++;
		this.nextRetryAt = this.now() + delay;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			this.nextRetryAt = null;
			this.connect();
		}, delay);
		// The store's tick keeps mcptop alive; a pending retry alone must not.
		this.retryTimer.unref();
	}

	private async probeMcp(time: number, renewed = false): Promise<LatencySample> {
		const session = this.session;
		if (!session || session.lost) {
			return {time, ms: null, error: this.lastError ?? 'not connected yet'};
		}
		try {
			const ms = await session.probe(this.timeoutMs);
			if (this.session === session) {
				this.consecutiveTimeouts = 0;
				this.lastError = null;
			}
			return {time, ms, error: null};
		} catch (err) {
			const failure =
				err instanceof EndpointError
					? err
					: toEndpointError(err, {url: this.url, secrets: [this.token, this.proxyToken]});
			if (failure.kind === 'session-expired' && !renewed && this.running) {
				// The server forgot the session (a restart, an expiry) but answers: that is no outage.
				// A new handshake now, and the sample is the new session's first round trip.
				if (this.session === session) this.dropSession(failure.message, true);
				else if (this.retryTimer) this.retryNow();
				await this.attempt;
				if (this.session) return this.probeMcp(time, true);
				return {time, ms: null, error: this.lastError ?? failure.message};
			}
			if (this.session === session) this.onProbeFailure(session, failure);
			return {time, ms: null, error: failure.message};
		}
	}

	private onProbeFailure(session: McpSession, failure: EndpointError): void {
		if (failure.kind === 'session-expired') {
			this.dropSession(failure.message);
			return;
		}
		if (failure.kind === 'timeout') {
			this.consecutiveTimeouts++;
			if (this.consecutiveTimeouts >= this.hungAfter) {
				// Accepts the connection but stopped answering: a fresh session is the only cure.
				this.dropSession(
					`no reply to ${this.consecutiveTimeouts} ${session.liveness} in a row (${formatWait(this.timeoutMs)} each); reconnecting`,
				);
				return;
			}
		} else {
			this.consecutiveTimeouts = 0;
		}
		if (failure.kind === 'refused' || failure.kind === 'closed' || failure.kind === 'network') {
			this.dropSession(failure.message);
			return;
		}
		this.lastError = failure.message;
	}

	private probeHttp(time: number): Promise<LatencySample> {
		return new Promise((resolve) => {
			const started = performance.now();
			let done = false;
			const finish = (ms: number | null, error: string | null) => {
				if (done) return;
				done = true;
				clearTimeout(timer);
				if (this.running) {
					this.state = error === null ? 'connected' : 'reconnecting';
					this.lastError = error;
				}
				resolve({time, ms, error});
			};
			const secure = this.url.toLowerCase().startsWith('https:');
			const headers: Record<string, string> = {accept: '*/*'};
			if (this.token) headers['authorization'] = `Bearer ${this.token}`;
			let req: http.ClientRequest;
			try {
				req = (secure ? https : http).request(this.url, {
					method: 'GET',
					agent: this.agent ?? undefined,
					headers,
				});
			} catch (err) {
				const message = this.describe(err);
				this.state = 'reconnecting';
				this.lastError = message;
				resolve({time, ms: null, error: message});
				return;
			}
			this.httpRequests.add(req);
			const timer = setTimeout(() => {
				finish(null, `no reply to GET in ${formatWait(this.timeoutMs)}`);
				req.destroy();
			}, this.timeoutMs);
			req.on('error', (err) => finish(null, this.describe(err)));
			req.on('close', () => this.httpRequests.delete(req));
			req.on('response', (res) => {
				const ms = round2(performance.now() - started);
				const status = res.statusCode ?? 0;
				// Only the status line counts; the body is read and thrown away, bounded in size.
				let bytes = 0;
				res.on('data', (chunk: Buffer) => {
					bytes += chunk.length;
					if (bytes > maxReplyBytes) req.destroy();
				});
				res.on('error', () => {});
				if (status >= 200 && status < 300) finish(ms, null);
				else {
					const text = res.statusMessage
						? ` ${redact(cleanServerText(res.statusMessage, 40), [this.token, this.proxyToken])}`
						: '';
					finish(null, `HTTP ${status}${text}`);
				}
				// A body that never ends (an event stream) must not hold the socket past the timeout.
				const guard = setTimeout(() => req.destroy(), this.timeoutMs);
				guard.unref();
				res.on('close', () => clearTimeout(guard));
			});
			req.end();
		});
	}
}

function pathOf(url: string): string {
	try {
		return new URL(url).pathname || '/';
	} catch {
		return url;
	}
}
