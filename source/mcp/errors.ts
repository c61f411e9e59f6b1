import {
	ProtocolError,
	SdkError,
	SdkErrorCode,
	SdkHttpError,
	SseError,
} from '@modelcontextprotocol/client';
import {capText, ellipsis, stripControl} from '../lib/sanitize.js';

/** Replies larger than this are refused: a monitor has no use for them and must not buffer them. */
export const maxReplyBytes = 1024 * 1024;

export type EndpointErrorKind =
	| 'bad-url'
	| 'refused'
	| 'not-found'
	| 'unreachable'
	| 'handshake-timeout'
	| 'http-reply'
	| 'unauthorized'
	| 'session-expired'
	| 'timeout'
	| 'non-json'
	| 'protocol'
	| 'too-large'
	| 'rpc-error'
	| 'tool-error'
	| 'closed'
	| 'cancelled'
	| 'network';

/** An endpoint failure with a one-line message for the operator (never containing a token). */
export class EndpointError extends Error {
	readonly kind: EndpointErrorKind;
	/** What to try, e.g. "set endpoint.url to http://127.0.0.1:6277/mcp"; null when there is nothing to add. */
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

// Whitespace runs that are not already one plain space: JavaScript's \s minus U+FEFF (a format
// character, removed by stripControl rather than shown as a gap) and U+2028/9 included.
const untidySpace =
	/[\t-\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*| [\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** Server text is untrusted: one line, no control, format or bidi characters, bounded length. */
export function cleanServerText(text: string, max = 120): string {
	// Cut before any regex runs: a 50 MB error body costs no more than a short one.
	const head = text.length > max * 8 ? text.slice(0, max * 8) : text;
	return capText(stripControl(head.replace(untidySpace, ' ')).trim(), max);
}

// What a server can slip between the characters of a token it echoes without the operator noticing
// the break, or that sanitising leaves as a mark: escape sequences, controls, format characters
// (zero-width, bidi, BOM, tags), whitespace and separators, control pictures (␀ ␛ ␤) and U+FFFD.
const fillerChar = String.raw`[\p{Cc}\p{Cf}\p{Cs}\p{Z}\s\u2400-\u2426\ufffd]`;
const fillerChars = `${fillerChar}+`;
// Two readings of the same text: with whole escape sequences (ESC [ 3 1 m between two characters),
// and character by character (a lone ESC or 0x9B before a character that could end a sequence).
const sequence = String.raw`(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[\u0020-\u002f]*[\u0030-\u007e]`;
const fillers = [new RegExp(`${sequence}|${fillerChars}`, 'gu'), new RegExp(fillerChars, 'gu')];

// A token cut by capText shows its start before the '…': this many characters of it count.
const minCutPrefix = 4;

// Necessary for any hit: the key's first characters, in order, with only filler between them. One
// regex test per key, so a message that holds no token costs no skeleton.
const keyStarts = new Map<string, RegExp>();

function mayHold(text: string, key: string): boolean {
	let start = keyStarts.get(key);
	if (!start) {
		const chars = [...key]
			.slice(0, minCutPrefix)
			.map((c) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
		start = new RegExp(chars.join(`(?:${sequence}|${fillerChar})*`), 'u');
		// Secrets are few (the token, the proxy token): the map only grows past that in tests.
		if (keyStarts.size >= 16) keyStarts.clear();
		keyStarts.set(key, start);
	}
	return start.test(text);
}

/** Where `key` (or, before a closing '…', its cut start) lies in `skeleton`: [start, end) pairs. */
function hits(skeleton: string, key: string): Array<[number, number]> {
	const found: Array<[number, number]> = [];
	if (key === '') return found;
	for (let at = skeleton.indexOf(key); at !== -1; at = skeleton.indexOf(key, at + key.length)) {
		found.push([at, at + key.length]);
	}
	if (skeleton.endsWith(ellipsis)) {
		const end = skeleton.length - ellipsis.length;
		for (let n = Math.min(key.length - 1, end); n >= minCutPrefix; n--) {
			if (skeleton.startsWith(key.slice(0, n), end - n)) {
				found.push([end - n, end]);
				break;
			}
		}
	}
	return found;
}

/** The spans of `text` that show a key once `filler` is taken out of both. */
function keySpans(text: string, keys: string[], filler: RegExp): Array<[number, number]> {
	const skeleton = text.replace(filler, '');
	const found = keys.flatMap((key) => hits(skeleton, key.replace(filler, '')));
	if (found.length === 0) return [];
	// Map skeleton positions back to `text`: origin[i] is where the skeleton's unit i stands.
	const origin: number[] = [];
	let from = 0;
	for (const match of text.matchAll(filler)) {
		for (let i = from; i < match.index; i++) origin.push(i);
		from = match.index + match[0].length;
	}
	for (let i = from; i < text.length; i++) origin.push(i);
	return found.map(([start, end]) => [origin[start]!, origin[end - 1]! + 1]);
}

/**
 * Every secret is replaced, whatever the server did to the text around it or inside it: a token
 * echoed with zero-width or bidi characters, escape sequences, controls or spaces between its
 * characters is found in the text's visible skeleton and its whole span replaced; so is the start
 * of a token that a length cap cut before its '…'.
 */
export function redact(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
	let out = text;
	const keys: string[] = [];
	for (const secret of secrets) {
		if (!secret) continue;
		out = out.split(secret).join('[token]');
		const key = secret.replace(fillers[1]!, '');
		if (key && mayHold(out, key)) keys.push(secret);
	}
	if (keys.length === 0) return out;
	const spans = fillers.flatMap((filler) => keySpans(out, keys, filler));
	if (spans.length === 0) return out;
	spans.sort((a, b) => a[0] - b[0]);
	let result = '';
	let end = 0;
	for (const [start, stop] of spans) {
		if (start >= end) result += `${out.slice(end, start)}[token]`;
		end = Math.max(end, stop);
	}
	return result + out.slice(end);
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

export function hostPort(url: string): string {
	try {
		const u = new URL(url);
		const defaultPort = u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80';
		return `${u.hostname}:${u.port || defaultPort}`;
	} catch {
		return url;
	}
}

const socketCodes =
	/^(ECONN[A-Z]+|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ETIMEDOUT|EADDRNOTAVAIL|UND_ERR_[A-Z_]+|WS_ERR_[A-Z_]+|ABORT_ERR|[A-Z_]*(CERT|SSL|TLS)[A-Z_]*)$/;

/** The socket-level code (ECONNREFUSED, UND_ERR_SOCKET, …) anywhere in an error's cause chain. */
function errorCode(err: unknown, depth = 0): string | undefined {
	if (!err || typeof err !== 'object' || depth > 5) return undefined;
	const code = (err as {code?: unknown}).code;
	if (typeof code === 'string' && socketCodes.test(code)) return code;
	// Node's happy-eyeballs connect reports an AggregateError holding one error per address.
	const inner = (err as {errors?: unknown}).errors;
	if (Array.isArray(inner) && inner.length > 0) {
		const found = errorCode(inner[0], depth + 1);
		if (found) return found;
	}
	// fetch (undici) and the SDK wrap the socket error as `cause`.
	const cause = (err as {cause?: unknown}).cause;
	return cause && cause !== err ? errorCode(cause, depth + 1) : undefined;
}

function causeMessage(err: unknown): string {
	if (!(err instanceof Error)) return String(err);
	let deepest: Error = err;
	for (let i = 0; i < 5; i++) {
		const cause = (deepest as {cause?: unknown}).cause;
		if (!(cause instanceof Error)) break;
		deepest = cause;
	}
	return deepest.message;
}

export type ErrorContext = {
	url: string;
	/** Secrets (tokens) that must never appear in a message. */
	secrets?: ReadonlyArray<string | null | undefined>;
	/** Whether a bearer token was sent (a 401/403 then means it was rejected). */
	tokenSent?: boolean;
	/** What was being done, for timeouts: "ping", "initialize", … */
	what?: string;
	timeoutMs?: number;
};

/** A true one-line explanation of an HTTP status that refused an MCP request or an upgrade. */
export function httpStatusError(
	status: number,
	statusText: string | null | undefined,
	ctx: ErrorContext,
	upgrade = false,
): EndpointError {
	const text = statusText ? ` ${redact(cleanServerText(statusText, 40), ctx.secrets ?? [])}` : '';
	const where = upgrade ? 'refused the WebSocket upgrade with' : 'answered';
	const base = `server ${where} HTTP ${status}${text}`;
	const httpStatus = status;
	if (status === 401) {
		return new EndpointError(
			'unauthorized',
			ctx.tokenSent
				? `${base}: the bearer token was rejected`
				: `${base}: it wants credentials and no token is configured`,
			{
				httpStatus,
				hint: ctx.tokenSent
					? 'check the token in the environment variable named by endpoint.tokenEnv'
					: 'export the token in the variable named by endpoint.tokenEnv (default MCPTOP_TOKEN)',
			},
		);
	}
	if (status === 403) {
		// 403 is not "wants a token": uvicorn answers 403 to a WebSocket on a route that has none.
		return new EndpointError(
			'unauthorized',
			ctx.tokenSent
				? `${base}: forbidden (the token may lack permission)`
				: upgrade
					? `${base}: forbidden (often: no WebSocket route at this path)`
					: `${base}: forbidden`,
			{httpStatus},
		);
	}
	if (status === 404) {
		return new EndpointError('http-reply', `${base}: nothing at this path`, {httpStatus});
	}
	if (status === 413) {
		return new EndpointError('too-large', `${base}: the request was too large`, {httpStatus});
	}
	return new EndpointError('http-reply', base, {httpStatus});
}

/** Translates any failure (socket, SDK, JSON-RPC) into one true line for the operator. */
export function toEndpointError(err: unknown, ctx: ErrorContext): EndpointError {
	if (err instanceof EndpointError) return err;
	const secrets = ctx.secrets ?? [];
	const where = hostPort(ctx.url);
	const clean = (text: string, max = 100) => redact(cleanServerText(text, max), secrets);
	if (err instanceof SdkHttpError) {
		if (err.status === 404 && /session/i.test(`${err.message} ${err.statusText ?? ''}`)) {
			return new EndpointError('session-expired', 'session not found (HTTP 404): it expired', {
				httpStatus: 404,
			});
		}
		return httpStatusError(err.status, err.statusText, ctx);
	}
	// The SSE transport reports the status of a refused event stream as the error's code.
	if (err instanceof SseError) {
		if (typeof err.code === 'number' && err.code >= 300)
			return httpStatusError(err.code, null, ctx);
		if (/content type/i.test(err.message)) {
			return new EndpointError('protocol', `not an SSE endpoint (${clean(err.message, 80)})`);
		}
	}
	if (err instanceof ProtocolError) {
		const what = ctx.what ? ` on ${ctx.what}` : '';
		return new EndpointError(
			'rpc-error',
			`server error ${err.code}${what}: ${clean(err.message, 120)}`,
			{rpcCode: err.code},
		);
	}
	if (err instanceof SdkError) {
		switch (err.code) {
			case SdkErrorCode.RequestTimeout:
				return new EndpointError(
					'timeout',
					`no reply to ${ctx.what ?? 'the request'}${ctx.timeoutMs ? ` in ${formatWait(ctx.timeoutMs)}` : ''}`,
				);
			case SdkErrorCode.ConnectionClosed:
				return new EndpointError('closed', 'connection closed');
			case SdkErrorCode.ClientHttpAuthentication:
			case SdkErrorCode.ClientHttpForbidden: {
				const status = err.code === SdkErrorCode.ClientHttpAuthentication ? 401 : 403;
				return httpStatusError(status, null, ctx);
			}
			default:
				break;
		}
		const invalid = /^Invalid result for ([\w/]+): ([\s\S]*)$/.exec(err.message);
		if (invalid) return schemaError(invalid[1]!, invalid[2]!, clean);
		// The SDK wraps transport failures; the socket's own code says more.
		if (errorCode(err) === undefined) {
			const http = /HTTP (\d{3})/.exec(err.message);
			if (http) return httpStatusError(Number(http[1]), null, ctx);
			return new EndpointError('protocol', clean(err.message, 140));
		}
	}
	if ((err as {name?: unknown})?.name === 'UnauthorizedError') {
		return httpStatusError(401, null, ctx);
	}
	const code = errorCode(err);
	const message = causeMessage(err);
	switch (code) {
		case 'ECONNREFUSED':
			return new EndpointError('refused', `connection refused (nothing listening on ${where})`);
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new EndpointError('not-found', `host not found: ${where.split(':')[0]}`);
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return new EndpointError('unreachable', `host unreachable: ${where}`);
		case 'ECONNRESET':
		case 'UND_ERR_SOCKET':
			return new EndpointError('network', `connection reset by ${where}`);
		case 'EPIPE':
			return new EndpointError('network', `connection to ${where} broken (EPIPE)`);
		case 'ETIMEDOUT':
		case 'UND_ERR_CONNECT_TIMEOUT':
			return new EndpointError('handshake-timeout', `connect to ${where} timed out`);
		case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
			return new EndpointError('too-large', `frame larger than ${maxReplyBytes / 1024 / 1024} MiB`);
		default:
			break;
	}
	if (/Opening handshake has timed out/i.test(message)) {
		return new EndpointError(
			'handshake-timeout',
			ctx.timeoutMs
				? `handshake timed out after ${formatWait(ctx.timeoutMs)}`
				: 'handshake timed out',
		);
	}
	if (code?.startsWith('WS_ERR_')) {
		return new EndpointError(
			'protocol',
			`server sent an invalid WebSocket frame (${clean(message, 80)})`,
		);
	}
	if (code && /CERT|SSL|TLS/.test(code)) {
		return new EndpointError('network', `TLS error: ${clean(message)}`);
	}
	if ((err as {name?: unknown})?.name === 'AbortError' || code === 'ABORT_ERR') {
		return new EndpointError('cancelled', 'cancelled');
	}
	return new EndpointError('network', `cannot talk to ${where}: ${clean(message)}`);
}

/** The SDK's schema complaint (a zod issue list) as one line: which field, what was wrong. */
function schemaError(method: string, issues: string, clean: (t: string, max?: number) => string) {
	let detail = '';
	try {
		const list = JSON.parse(issues) as Array<{path?: unknown[]; message?: unknown}>;
		detail = list
			.slice(0, 2)
			.map((i) => `${(i.path ?? []).join('.') || '(root)'}: ${String(i.message ?? 'invalid')}`)
			.join('; ');
	} catch {
		detail = issues;
	}
	return new EndpointError(
		'protocol',
		`the server's reply to ${method} breaks the MCP schema (${clean(detail, 100)})`,
	);
}
