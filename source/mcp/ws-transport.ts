import type {ClientRequest, IncomingMessage} from 'node:http';
import type {JSONRPCMessage, Transport} from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import {
	EndpointError,
	cleanServerText,
	displayUrl,
	formatWait,
	httpStatusError,
	maxReplyBytes,
	redact,
	toEndpointError,
	type ErrorContext,
} from './errors.js';

export type WebSocketOpenOptions = {
	timeoutMs: number;
	headers?: Record<string, string>;
	/** Offer the `mcp` subprotocol (and retry without it when the server selects none). */
	subprotocol?: 'offer' | 'never';
	signal?: AbortSignal;
	secrets?: ReadonlyArray<string | null | undefined>;
	tokenSent?: boolean;
};

/** The open socket and whether the server selected the `mcp` subprotocol. */
export type OpenedWebSocket = {socket: WebSocket; subprotocol: string | null};

const noSubprotocol = /Server sent no subprotocol|Server sent an invalid subprotocol/i;

/**
 * Opens a WebSocket for MCP: offers the `mcp` subprotocol first and, when the server selects none
 * (most JSON-RPC-over-WebSocket servers), opens again without it. Bounded by `timeoutMs` as a whole.
 */
export async function openWebSocket(
	url: string,
	opts: WebSocketOpenOptions,
): Promise<OpenedWebSocket> {
	if (opts.subprotocol === 'never') return openOnce(url, opts, false);
	try {
		return await openOnce(url, opts, true);
	} catch (err) {
		if (err instanceof SubprotocolRefused) return openOnce(url, opts, false);
		throw err;
	}
}

class SubprotocolRefused extends Error {}

function openOnce(
	url: string,
	opts: WebSocketOpenOptions,
	offer: boolean,
): Promise<OpenedWebSocket> {
	const ctx: ErrorContext = {
		url,
		secrets: opts.secrets,
		tokenSent: opts.tokenSent,
		timeoutMs: opts.timeoutMs,
	};
	return new Promise((resolve, reject) => {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			reject(new EndpointError('bad-url', `not a valid endpoint URL: ${displayUrl(url)}`));
			return;
		}
		if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
			reject(new EndpointError('bad-url', `expected a ws:// or wss:// URL: ${displayUrl(url)}`));
			return;
		}
		if (opts.signal?.aborted) {
			reject(new EndpointError('cancelled', 'connection attempt cancelled'));
			return;
		}
		let ws: WebSocket;
		try {
			// closeTimeout (ws >= 8.18, not yet in @types/ws) bounds how long close() waits for the
			// server's close frame.
			const options: WebSocket.ClientOptions & {closeTimeout: number} = {
				handshakeTimeout: opts.timeoutMs,
				maxPayload: maxReplyBytes,
				perMessageDeflate: false,
				followRedirects: false,
				closeTimeout: Math.min(opts.timeoutMs, 2000),
				headers: opts.headers ?? {},
			};
			ws = offer ? new WebSocket(url, ['mcp'], options) : new WebSocket(url, options);
		} catch (err) {
			reject(toEndpointError(err, ctx));
			return;
		}
		// ws emits 'error' more than once in some paths; an unhandled one would crash the process.
		ws.on('error', () => {});
		let settled = false;
		const finish = (err: Error | null) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			opts.signal?.removeEventListener('abort', onAbort);
			ws.off('open', onOpen);
			ws.off('error', onError);
			ws.off('unexpected-response', onUnexpected);
			if (err) {
				ws.terminate();
				reject(err);
			} else resolve({socket: ws, subprotocol: ws.protocol || null});
		};
		const onOpen = () => finish(null);
		const onError = (err: Error) => {
			if (offer && noSubprotocol.test(err.message)) finish(new SubprotocolRefused(err.message));
			else finish(toEndpointError(err, ctx));
		};
		const onUnexpected = (_req: ClientRequest, res: IncomingMessage) => {
			const status = res.statusCode ?? 0;
			res.resume();
			finish(httpStatusError(status, res.statusMessage, ctx, true));
		};
		const onAbort = () => finish(new EndpointError('cancelled', 'connection attempt cancelled'));
		// ws's handshakeTimeout is an idle timeout; this one bounds the whole attempt.
		const timer = setTimeout(
			() =>
				finish(
					new EndpointError(
						'handshake-timeout',
						`WebSocket handshake timed out after ${formatWait(opts.timeoutMs)}`,
					),
				),
			opts.timeoutMs,
		);
		ws.on('open', onOpen);
		ws.on('error', onError);
		ws.on('unexpected-response', onUnexpected);
		opts.signal?.addEventListener('abort', onAbort, {once: true});
	});
}

/**
 * The SDK's Transport over one open WebSocket: one JSON-RPC message per text frame. Replies that
 * are not JSON end the connection with a message saying what arrived (the SDK cannot match them).
 */
export class WebSocketClientTransport implements Transport {
	onclose?: () => void;
	onerror?: (error: Error) => void;
	onmessage?: <T extends JSONRPCMessage>(message: T) => void;

	private readonly socket: WebSocket;
	private readonly secrets: ReadonlyArray<string | null | undefined>;
	private closedError: EndpointError | null = null;
	private closeNotified = false;

	constructor(opened: OpenedWebSocket, secrets: ReadonlyArray<string | null | undefined> = []) {
		this.socket = opened.socket;
		this.secrets = secrets;
	}

	/** Why the connection ended, once it has. */
	get reason(): string | null {
		return this.closedError?.message ?? null;
	}

	/** Why the connection ended, as an error; null while it is open or when mcptop closed it. */
	get failure(): EndpointError | null {
		return this.closedError?.kind === 'cancelled' ? null : this.closedError;
	}

	async start(): Promise<void> {
		const ws = this.socket;
		ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
		ws.on('error', (err) => {
			this.closedError ??= toEndpointError(err, {url: ws.url, secrets: this.secrets});
			ws.terminate();
		});
		ws.once('close', (code: number, reason: Buffer) => {
			this.closedError ??= new EndpointError(
				code === 1009 ? 'too-large' : 'closed',
				closeText(code, reason, this.secrets),
			);
			this.notifyClose();
		});
		if (ws.readyState !== WebSocket.OPEN) {
			this.closedError ??= new EndpointError('closed', 'connection lost before it was used');
			this.notifyClose();
		}
	}

	send(message: JSONRPCMessage): Promise<void> {
		return new Promise((resolve, reject) => {
			if (this.socket.readyState !== WebSocket.OPEN) {
				reject(this.closedError ?? new EndpointError('closed', 'connection closed'));
				return;
			}
			this.socket.send(JSON.stringify(message), (err) => (err ? reject(err) : resolve()));
		});
	}

	async close(): Promise<void> {
		this.closedError ??= byMcptop();
		if (this.socket.readyState === WebSocket.CLOSED) {
			this.notifyClose();
			return;
		}
		await new Promise<void>((resolve) => {
			this.socket.once('close', () => resolve());
			this.socket.close(1000);
		});
	}

	/** Drops the connection at once (a hung server will not answer a close frame). */
	terminate(): void {
		this.closedError ??= byMcptop();
		this.socket.terminate();
	}

	private notifyClose(): void {
		if (this.closeNotified) return;
		this.closeNotified = true;
		this.onclose?.();
	}

	private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
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
			const what = isBinary ? 'binary data' : `"${cleanServerText(text, 40)}"`;
			this.fail(
				new EndpointError('non-json', redact(`server sent non-JSON: ${what}`, this.secrets)),
			);
			return;
		}
		const messages = Array.isArray(parsed) ? parsed : [parsed];
		for (const message of messages) {
			if (
				!message ||
				typeof message !== 'object' ||
				(message as {jsonrpc?: unknown}).jsonrpc !== '2.0'
			) {
				this.fail(new EndpointError('protocol', 'server sent JSON that is not JSON-RPC 2.0'));
				return;
			}
			this.onmessage?.(message as JSONRPCMessage);
		}
	}

	private fail(err: EndpointError): void {
		this.closedError ??= err;
		this.onerror?.(err);
		this.socket.terminate();
	}
}

function byMcptop(): EndpointError {
	return new EndpointError('cancelled', 'connection closed by mcptop');
}

function closeText(
	code: number,
	reasonBuffer: Buffer,
	secrets: ReadonlyArray<string | null | undefined>,
): string {
	const reason = cleanServerText(reasonBuffer.toString('utf8'), 80);
	let text: string;
	if (code === 1009) text = `frame larger than ${maxReplyBytes / 1024 / 1024} MiB`;
	else if (code === 1006) text = 'connection lost (closed without a close frame)';
	else if (code === 1000 || code === 1001 || code === 1005)
		text = `server closed the connection${reason ? `: ${reason}` : ''}`;
	else text = `server closed the connection (code ${code}${reason ? `: ${reason}` : ''})`;
	return redact(text, secrets);
}
