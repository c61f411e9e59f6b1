import {transportName} from '../lib/format.js';
import type {TransportSetting} from '../types.js';
import {EndpointError, cleanServerText, displayUrl, redact, toEndpointError} from './errors.js';
import {McpSession, type McpTarget} from './session.js';

export type EndpointSpec = {
	url: string;
	transport: TransportSetting;
	timeoutMs: number;
	token?: string | null;
	/** The MCP Inspector proxy's session token, for `X-MCP-Proxy-Auth`. */
	proxyToken?: string | null;
	/** More headers on every request (the Inspector proxy's `X-MCP-Proxy-Auth`). */
	headers?: Record<string, string>;
};

/**
 * What the configured endpoint means. `mcp`: sessions over the candidates, in order (more than one
 * when mcptop has to find out which transport answers). `http-get`: a plain GET health check;
 * `inspector` when it is the MCP Inspector proxy's /health, which proves only that the proxy runs.
 */
export type EndpointPlan =
	{mode: 'mcp'; candidates: McpTarget[]} | {mode: 'http-get'; url: string; inspector: boolean};

function withPath(url: URL, path: string): string {
	const u = new URL(url.href);
	u.pathname = path;
	return u.href;
}

function httpTwin(url: URL): URL {
	const u = new URL(url.href);
	u.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
	return u;
}

function wsTwin(url: URL): string {
	const u = new URL(url.href);
	u.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
	return u.href;
}

/** Candidates for an http(s) URL whose transport is not known: its path, else the usual ones. */
function httpCandidates(url: URL, wsLast: boolean): McpTarget[] {
	const bare = url.pathname === '' || url.pathname === '/';
	const list: McpTarget[] = bare
		? [
				{kind: 'streamable-http', url: withPath(url, '/mcp')},
				{kind: 'sse', url: withPath(url, '/sse')},
			]
		: [
				{kind: 'streamable-http', url: url.href},
				// The spec's backwards compatibility: a 400/404/405 to the POST means an older SSE server.
				{kind: 'sse', url: url.href},
			];
	if (wsLast) list.push({kind: 'ws', url: wsTwin(url)});
	return list;
}

export function planEndpoint(rawUrl: string, transport: TransportSetting): EndpointPlan {
	const url = new URL(rawUrl);
	const ws = url.protocol === 'ws:' || url.protocol === 'wss:';
	const path = url.pathname.replace(/\/+$/, '');
	switch (transport) {
		case 'ws':
			return {mode: 'mcp', candidates: [{kind: 'ws', url: ws ? url.href : wsTwin(url)}]};
		case 'sse':
			return {mode: 'mcp', candidates: [{kind: 'sse', url: ws ? httpTwin(url).href : url.href}]};
		case 'streamable-http':
			return {
				mode: 'mcp',
				candidates: [{kind: 'streamable-http', url: ws ? httpTwin(url).href : url.href}],
			};
		case 'http-get':
			return {mode: 'http-get', url: url.href, inspector: path.endsWith('/health')};
		case 'auto':
			break;
	}
	if (ws) {
		// A ws:// URL that gets a plain HTTP answer is tried as HTTP too, so the hint names what works.
		return {
			mode: 'mcp',
			candidates: [{kind: 'ws', url: url.href}, ...httpCandidates(httpTwin(url), false)],
		};
	}
	if (path.endsWith('/sse')) return {mode: 'mcp', candidates: [{kind: 'sse', url: url.href}]};
	if (path.endsWith('/health')) return {mode: 'http-get', url: url.href, inspector: true};
	return {mode: 'mcp', candidates: httpCandidates(url, path === '')};
}

/**
 * The answer says "not this transport here" rather than "the server is down" or "not allowed". A
 * WebSocket upgrade answered by plain HTTP (uvicorn's 403 on a route without one included) means
 * the port speaks HTTP; an HTTP endpoint that answers 400/404/405 to the POST may be an SSE server.
 */
function wrongTransport(err: EndpointError, target: McpTarget, tokenSent: boolean): boolean {
	if (target.kind === 'ws') {
		if (err.httpStatus === null) return false;
		return err.httpStatus !== 401 && !(err.httpStatus === 403 && tokenSent);
	}
	if (err.httpStatus !== null) return [400, 404, 405, 406, 415, 426].includes(err.httpStatus);
	return err.kind === 'non-json' || err.kind === 'protocol';
}

export type Connected = {
	session: McpSession;
	/** Set when what answered is not what the config says: what to put there instead. */
	hint: string | null;
};

/**
 * Opens one MCP session for the endpoint: the configured transport, or in `auto` the first candidate
 * that answers MCP. A hint names the URL that answered when it differs from the configured one, so
 * following it leads somewhere that works.
 */
export async function connectMcp(
	spec: EndpointSpec,
	candidates: McpTarget[],
	signal?: AbortSignal,
): Promise<Connected> {
	const failures: Array<{target: McpTarget; error: EndpointError}> = [];
	for (const target of candidates) {
		if (signal?.aborted) throw new EndpointError('cancelled', 'cancelled');
		try {
			const session = await McpSession.open(target, {
				timeoutMs: spec.timeoutMs,
				token: spec.token,
				headers: spec.headers,
				secrets: [spec.proxyToken],
				signal,
			});
			return {session, hint: hintFor(spec, candidates, target)};
		} catch (err) {
			const error = toEndpointError(err, {url: target.url, secrets: [spec.token, spec.proxyToken]});
			failures.push({target, error});
			if (!wrongTransport(error, target, Boolean(spec.token))) break;
		}
	}
	throw summarise(failures, candidates, Boolean(spec.token));
}

function hintFor(spec: EndpointSpec, candidates: McpTarget[], target: McpTarget): string | null {
	if (candidates.length === 1) return null;
	const configured = new URL(spec.url);
	const found = new URL(target.url);
	const samePath = configured.pathname.replace(/\/+$/, '') === found.pathname.replace(/\/+$/, '');
	const sameScheme = configured.protocol.replace('s:', ':') === found.protocol.replace('s:', ':');
	const inferred = planEndpoint(target.url, 'auto');
	const needsTransport = inferred.mode !== 'mcp' || inferred.candidates[0]?.kind !== target.kind;
	if (samePath && sameScheme && !needsTransport) return null;
	const transport = needsTransport ? ` and endpoint.transport to "${target.kind}"` : '';
	return `set endpoint.url to ${displayUrl(target.url)}${transport} (${transportName[target.kind]} answered there)`;
}

function summarise(
	failures: Array<{target: McpTarget; error: EndpointError}>,
	candidates: McpTarget[],
	tokenSent: boolean,
): EndpointError {
	const wrong = (f: {target: McpTarget; error: EndpointError}) =>
		wrongTransport(f.error, f.target, tokenSent);
	const last = failures[failures.length - 1]!;
	if (failures.length === 1 || !wrong(last)) {
		return (failures.find((f) => !wrong(f)) ?? failures[0]!).error;
	}
	const tried = failures
		.map((f) => `${transportName[f.target.kind]} ${pathOf(f.target.url)} (${short(f.error)})`)
		.join(', ');
	// A WebSocket upgrade answered 2xx is a GET that works: the port is a plain web service.
	const plain = failures.find(
		(f) => f.target.kind === 'ws' && f.error.httpStatus !== null && f.error.httpStatus < 300,
	);
	const bare =
		candidates.some((c) => c.url.endsWith('/mcp')) &&
		candidates.some((c) => c.url.endsWith('/sse'));
	let hint: string | null = null;
	if (plain) {
		const url = displayUrl(httpTwin(new URL(plain.target.url)).href);
		hint = `${url} answers plain HTTP ${plain.error.httpStatus} but no MCP: to watch it as a health check, use --transport http-get --endpoint ${url}`;
	} else if (bare) {
		hint =
			"for the MCP Inspector proxy (fastmcp dev) use http://HOST:6277/health; else the server's MCP URL";
	}
	return new EndpointError('http-reply', `no MCP answer: tried ${tried}`, {
		httpStatus: last.error.httpStatus ?? undefined,
		hint,
	});
}

function pathOf(url: string): string {
	try {
		const u = new URL(url);
		return u.pathname === '/' ? u.host : u.pathname;
	} catch {
		return url;
	}
}

function short(err: EndpointError): string {
	return err.httpStatus !== null ? `HTTP ${err.httpStatus}` : cleanServerText(err.message, 40);
}

/** Reads the Inspector proxy's /config (needs its token) for the server it would start. */
export async function inspectorTargets(
	healthUrl: string,
	proxyToken: string,
	timeoutMs: number,
): Promise<{candidates: McpTarget[]; headers: Record<string, string>; describe: string}> {
	const base = new URL(healthUrl);
	const headers = {'x-mcp-proxy-auth': `Bearer ${proxyToken}`};
	const res = await fetch(withPath(base, '/config'), {
		headers,
		signal: AbortSignal.timeout(timeoutMs),
		redirect: 'manual',
	});
	if (!res.ok) {
		await res.body?.cancel();
		throw new EndpointError(
			res.status === 401 ? 'unauthorized' : 'http-reply',
			res.status === 401
				? 'the Inspector proxy refused its token (HTTP 401): check MCP_PROXY_AUTH_TOKEN'
				: `the Inspector proxy answered /config with HTTP ${res.status}`,
			{httpStatus: res.status},
		);
	}
	const config = (await res.json()) as Record<string, unknown>;
	const transport = String(config['defaultTransport'] ?? 'stdio');
	const mcp = new URL(withPath(base, '/mcp'));
	mcp.searchParams.set('transportType', transport);
	let describe: string;
	if (transport === 'stdio') {
		const command = String(config['defaultCommand'] ?? '');
		const args = String(config['defaultArgs'] ?? '');
		if (!command)
			throw new EndpointError('protocol', 'the Inspector proxy has no server command configured');
		mcp.searchParams.set('command', command);
		mcp.searchParams.set('args', args);
		// Paths cut to what tells one server from another: `node …/dist/index.js stdio`.
		const short = (token: string) =>
			token.includes('/')
				? token.split('/').length > 3
					? `…/${token.split('/').slice(-2).join('/')}`
					: token
				: token;
		const program = command.split('/').pop() ?? command;
		const shown = [program, ...args.split(/\s+/).filter(Boolean).map(short)].join(' ');
		describe = redact(cleanServerText(shown, 80), [proxyToken]);
	} else {
		const server = String(config['defaultServerUrl'] ?? '');
		if (!server)
			throw new EndpointError('protocol', 'the Inspector proxy has no server URL configured');
		mcp.searchParams.set('url', server);
		describe = displayUrl(server);
	}
	return {
		candidates: [{kind: 'streamable-http', url: mcp.href, legacyOnly: true}],
		headers,
		describe,
	};
}

/** "Streamable HTTP, 2026-07-28": how a session talks, for action steps and reports. */
export function sessionDescription(session: McpSession): string {
	return `${transportName[session.target.kind]}, ${session.protocolVersion ?? `${session.era} era`}`;
}

/** The endpoint of a config, with its secrets from the environment. */
export function endpointSpec(
	endpoint: {url: string; transport: TransportSetting; timeoutMs: number},
	token: string | null,
	proxyToken: string | null,
): EndpointSpec {
	return {
		url: endpoint.url,
		transport: endpoint.transport,
		timeoutMs: endpoint.timeoutMs,
		token,
		proxyToken,
	};
}

/**
 * A session for an action (validation, latency analysis, concurrency test) on any transport. A GET
 * health endpoint has no MCP to call, except the Inspector proxy's when its token is known.
 */
export async function openEndpointSession(
	spec: EndpointSpec,
	signal?: AbortSignal,
): Promise<Connected> {
	let plan: EndpointPlan;
	try {
		plan = planEndpoint(spec.url, spec.transport);
	} catch {
		throw new EndpointError('bad-url', `endpoint.url is not a valid URL: ${displayUrl(spec.url)}`);
	}
	if (plan.mode === 'mcp') return connectMcp(spec, plan.candidates, signal);
	if (plan.inspector && spec.proxyToken) {
		const proxy = await inspectorTargets(plan.url, spec.proxyToken, spec.timeoutMs);
		return connectMcp({...spec, headers: proxy.headers}, proxy.candidates, signal);
	}
	throw new EndpointError(
		'bad-url',
		plan.inspector
			? `${displayUrl(spec.url)} is the MCP Inspector proxy's health check: it has no MCP of its own`
			: `${displayUrl(spec.url)} is a plain HTTP health check (GET): there is no MCP to call`,
		{
			hint: plan.inspector
				? 'export MCP_PROXY_AUTH_TOKEN (the token fastmcp dev prints) to speak MCP through the proxy'
				: "set endpoint.url to the server's MCP URL (e.g. http://127.0.0.1:6277/mcp)",
		},
	);
}
