import {timingSafeEqual} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {formatFor, type MetricsExposition} from './exposition.js';
import type {ListenAddress} from './listen.js';

export type MetricsServerOptions = {
	listen: ListenAddress;
	exposition: MetricsExposition;
	/** Required as `Authorization: Bearer …` on /metrics when set. */
	token: string | null;
	/** /healthz says 503 when no snapshot came for this long (the collector is stuck). */
	staleAfterMs: number;
	now?: () => number;
};

export type MetricsServer = {
	/** The address actually bound (port 0 picks a free one). */
	readonly address: ListenAddress;
	close(): Promise<void>;
};

function tokenMatches(header: string | undefined, token: string): boolean {
	const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
	const wanted = Buffer.from(token);
	return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * /metrics (0.0.4 text, or OpenMetrics when asked), /healthz for the collector itself, and a short
 * index at /. Serving reads the exposition's cache and never waits on a probe.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
	const now = opts.now ?? Date.now;
	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const send = (
			status: number,
			type: string,
			body: string,
			extra: Record<string, string> = {},
		) => {
			res.writeHead(status, {'Content-Type': type, 'Cache-Control': 'no-store', ...extra});
			res.end(req.method === 'HEAD' ? undefined : body);
		};
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			send(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', {Allow: 'GET, HEAD'});
			return;
		}
		switch (url.pathname) {
			case '/metrics': {
				if (opts.token !== null && !tokenMatches(req.headers.authorization, opts.token)) {
					send(401, 'text/plain; charset=utf-8', 'a bearer token is required\n', {
						'WWW-Authenticate': 'Bearer realm="mcptop"',
					});
					return;
				}
				opts.exposition.render(formatFor(req.headers.accept)).then(
					(e) => send(200, e.contentType, e.body),
					(error: unknown) =>
						send(500, 'text/plain; charset=utf-8', `metrics failed: ${String(error)}\n`),
				);
				return;
			}
			case '/healthz': {
				const updatedAt = opts.exposition.updatedAt;
				const age = updatedAt === 0 ? null : now() - updatedAt;
				const fresh = age !== null && age <= opts.staleAfterMs;
				send(
					fresh ? 200 : 503,
					'application/json',
					JSON.stringify({
						status: fresh ? 'ok' : age === null ? 'starting' : 'stale',
						lastSnapshotAgeMs: age,
					}) + '\n',
				);
				return;
			}
			case '/':
				send(
					200,
					'text/plain; charset=utf-8',
					'mcptop collector\n  /metrics  Prometheus metrics\n  /healthz  the collector itself\n',
				);
				return;
			default:
				send(404, 'text/plain; charset=utf-8', 'not found (try /metrics)\n');
		}
	});
	// A slow or stuck scraper must not hold sockets for ever.
	server.requestTimeout = 10_000;
	server.headersTimeout = 5_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.listen.port, opts.listen.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const bound = server.address() as AddressInfo;
	return {
		address: {host: bound.address, port: bound.port},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** What a failed listen means for the operator: one line. */
export function listenErrorText(error: unknown, address: ListenAddress): string {
	const code = (error as NodeJS.ErrnoException).code;
	const where = `${address.host}:${address.port}`;
	switch (code) {
		case 'EADDRINUSE':
			return `--metrics-listen: ${where} is already in use (another mcptop serve or exporter?)`;
		case 'EACCES':
			return `--metrics-listen: no permission to listen on ${where}`;
		case 'EADDRNOTAVAIL':
		case 'ENOTFOUND':
			return `--metrics-listen: ${address.host} is not an address of this machine`;
		default:
			return `--metrics-listen: cannot listen on ${where}: ${code ?? String(error)}`;
	}
}
