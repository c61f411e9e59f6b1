import http from 'node:http';
import https from 'node:https';
import {performance} from 'node:perf_hooks';
import {round2} from '../lib/stats.js';
import type {EndpointState, EndpointStatus, LatencySample} from '../types.js';
import {
	EndpointError,
	JsonRpcClient,
	cleanServerText,
	describeConnectError,
	displayUrl,
	formatWait,
	maxReplyBytes,
} from './jsonrpc-client.js';

export type Backoff = {baseMs: number; maxMs: number};

export const defaultBackoff: Backoff = {baseMs: 250, maxMs: 10_000};

export type EndpointProbeOptions = {
	url: string;
	timeoutMs: number;
	token?: string | null;
	/** Epoch ms, for sample times and nextRetryAt (round trips use the monotonic clock). */
	now?: () => number;
	backoff?: Backoff;
	/** Consecutive ping timeouts after which the connection counts as hung and is replaced. */
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

function kindOf(url: string): 'ws' | 'http' | null {
	const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toLowerCase();
	if (scheme === 'ws' || scheme === 'wss') return 'ws';
	if (scheme === 'http' || scheme === 'https') return 'http';
	return null;
}

/**
 * The persistent latency probe. ws(s): keeps one connection and times MCP `ping` on it, reconnecting
 * with backoff; http(s): times a GET to the status line. Called once per tick by the store; it never
 * throws and emits nothing on its own.
 */
export class EndpointProbe {
	private readonly url: string;
	private readonly kind: 'ws' | 'http' | null;
	private readonly timeoutMs: number;
	private readonly token: string | null;
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

	private client: JsonRpcClient | null = null;
	private attempt: Promise<void> | null = null;
	private attemptAbort: AbortController | null = null;
	private retryTimer: NodeJS.Timeout | null = null;
	/** Failed attempts since the last good connection: the backoff exponent. */
	private failures = 0;
	private consecutiveTimeouts = 0;
	private initializeTried = false;

	private agent: http.Agent | null = null;
	private readonly httpRequests = new Set<http.ClientRequest>();

	private settledFirst!: () => void;
	private readonly firstAttempt: Promise<void>;

	constructor(opts: EndpointProbeOptions) {
		this.url = opts.url;
		this.kind = kindOf(opts.url);
		this.timeoutMs = opts.timeoutMs;
		this.token = opts.token ?? null;
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
		if (this.kind === null) {
			this.lastError = `not a ws://, wss://, http:// or https:// URL: ${displayUrl(this.url)}`;
			this.settledFirst();
			return;
		}
		if (this.kind === 'http') {
			const secure = this.url.toLowerCase().startsWith('https:');
			this.agent = secure
				? new https.Agent({keepAlive: true, maxSockets: 2})
				: new http.Agent({keepAlive: true, maxSockets: 2});
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
		const client = this.client;
		this.client = null;
		if (client) {
			client.close();
			waits.push(client.whenClosed());
		}
		for (const req of this.httpRequests) req.destroy();
		this.httpRequests.clear();
		this.agent?.destroy();
		this.agent = null;
		this.settledFirst();
		await Promise.all(waits);
	}

	status(): EndpointStatus {
		return {
			url: displayUrl(this.url),
			kind: this.kind ?? 'ws',
			state: this.state,
			lastError: this.lastError,
			hint: this.hint,
			reconnects: this.reconnects,
			nextRetryAt: this.nextRetryAt,
		};
	}

	async probe(): Promise<LatencySample> {
		const time = this.now();
		try {
			if (!this.running) return {time, ms: null, error: 'probe stopped'};
			if (this.kind === 'http') return await this.probeHttp(time);
			return await this.probeWs(time);
		} catch (err) {
			return {time, ms: null, error: describeConnectError(err, this.url)};
		}
	}

	private connect(): void {
		if (!this.running || this.attempt || this.client) return;
		const abort = new AbortController();
		this.attemptAbort = abort;
		this.attempt = JsonRpcClient.connect(this.url, {
			timeoutMs: this.timeoutMs,
			token: this.token,
			signal: abort.signal,
		}).then(
			(client) => {
				this.attempt = null;
				this.attemptAbort = null;
				this.settledFirst();
				if (!this.running) {
					client.close();
					return client.whenClosed();
				}
				this.attach(client);
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
						: new EndpointError('network', describeConnectError(err, this.url));
				this.lastError = failure.message;
				this.hint = failure.hint;
				this.scheduleReconnect();
			},
		);
	}

	private attach(client: JsonRpcClient): void {
		this.client = client;
		this.state = 'connected';
		this.failures = 0;
		this.consecutiveTimeouts = 0;
		this.initializeTried = false;
		this.lastError = null;
		this.hint = null;
		client.onClose((reason) => {
			if (this.client !== client) return;
			this.client = null;
			if (!this.running) return;
			this.lastError = reason;
			this.scheduleReconnect();
		});
	}

	/**
	 * Something says the server is back (its port listens again): try now instead of waiting out the
	 * backoff, and start the backoff over. One attempt in flight still holds.
	 */
	retryNow(): void {
		if (!this.running || this.kind !== 'ws' || !this.retryTimer) return;
		clearTimeout(this.retryTimer);
		this.retryTimer = null;
		this.nextRetryAt = null;
		this.failures = 0;
		this.connect();
	}

	private scheduleReconnect(): void {
		if (!this.running || this.retryTimer || this.attempt || this.client) return;
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

	private async probeWs(time: number): Promise<LatencySample> {
		const client = this.client;
		if (!client || client.closed) {
			return {time, ms: null, error: this.lastError ?? 'not connected yet'};
		}
		const started = performance.now();
		try {
			await client.request('ping', undefined, this.timeoutMs);
			const ms = round2(performance.now() - started);
			if (this.client === client) {
				this.consecutiveTimeouts = 0;
				this.lastError = null;
			}
			return {time, ms, error: null};
		} catch (err) {
			const failure =
				err instanceof EndpointError
					? err
					: new EndpointError('network', describeConnectError(err, this.url));
			if (this.client === client) this.onPingFailure(client, failure);
			return {time, ms: null, error: failure.message};
		}
	}

	private onPingFailure(client: JsonRpcClient, failure: EndpointError): void {
		if (failure.kind === 'timeout') {
			this.consecutiveTimeouts++;
			if (this.consecutiveTimeouts >= this.hungAfter) {
				// Accepts the connection but stopped answering: a fresh connection is the only cure.
				this.client = null;
				client.terminate();
				this.lastError = `no reply to ${this.consecutiveTimeouts} pings in a row (${formatWait(this.timeoutMs)} each); reconnecting`;
				this.scheduleReconnect();
				return;
			}
		} else {
			this.consecutiveTimeouts = 0;
		}
		this.lastError = failure.message;
		// Some servers refuse requests before `initialize`; try it once per connection.
		if (failure.kind === 'rpc-error' && !this.initializeTried) {
			this.initializeTried = true;
			client.initialize(this.timeoutMs).catch(() => {});
		}
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
				const message = describeConnectError(err, this.url);
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
			req.on('error', (err) => finish(null, describeConnectError(err, this.url)));
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
					const text = res.statusMessage ? ` ${cleanServerText(res.statusMessage, 40)}` : '';
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
