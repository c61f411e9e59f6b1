import {performance} from 'node:perf_hooks';
import {assessConcurrency, round2, summarize, type Summary, countErrors} from '../lib/stats.js';
import {displayUrl, formatWait, toEndpointError} from '../mcp/errors.js';
import {openEndpointSession} from '../mcp/resolve.js';
import type {McpSession} from '../mcp/session.js';
import type {
	ActionResult,
	ActionStep,
	Assessment,
	StepReporter,
	StepStatus,
	TransportSetting,
} from '../types.js';

export type ConcurrencyTestOptions = {
	url: string;
	transport?: TransportSetting;
	token?: string | null;
	proxyToken?: string | null;
	timeoutMs: number;
	workers: number;
	/** Sequential requests per worker. */
	requests: number;
	/** The whole test stops here, connections included (default 60 s). */
	deadlineMs?: number;
	signal?: AbortSignal;
};

export type WorkerResult = {
	worker: number;
	connected: boolean;
	ok: number;
	failed: number;
	/** Requests not sent because the deadline passed or the test was cancelled. */
	notSent: number;
	meanMs: number | null;
};

export type ConcurrencyTestData = {
	url: string;
	tool: string;
	workers: number;
	requests: number;
	planned: number;
	ok: number;
	failed: number;
	notSent: number;
	/** ok / planned, a fraction. */
	successRate: number;
	/** Successful requests per second over the request phase. */
	rps: number;
	durationMs: number;
	latency: Summary;
	perWorker: WorkerResult[];
	errors: Array<{message: string; count: number}>;
	assessment: Assessment;
	deadlineHit: boolean;
	cancelled: boolean;
};

const tool = 'get_server_status';
const maxWorkers = 100;
const maxRequests = 1000;
export const defaultDeadlineMs = 60_000;

function formatMs(ms: number | null): string {
	if (ms === null) return 'n/a';
	return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * SPEC 5 concurrency test (`c`): W workers, each on its own connection, each making R sequential
 * `get_server_status` calls; throughput, success rate, per-worker averages and an assessment. Bounded
 * by the counts and by a deadline.
 */
export async function runConcurrencyTest(
	opts: ConcurrencyTestOptions,
	report: StepReporter,
): Promise<ActionResult> {
	const started = performance.now();
	const deadlineMs = opts.deadlineMs ?? defaultDeadlineMs;
	const deadline = started + deadlineMs;
	const url = displayUrl(opts.url);
	const step = (id: string, label: string, status: StepStatus, detail?: string) => {
		const s: ActionStep = {id, label, status};
		if (detail !== undefined) s.detail = detail;
		report(s);
	};

	const problem = validate(opts);
	if (problem) return {ok: false, summary: problem.summary, next: problem.next};
	const {workers, requests} = opts;
	const planned = workers * requests;

	const connectLabel = `Open ${workers} connection${workers === 1 ? '' : 's'} to ${url}`;
	step('connect', connectLabel, 'running');
	const connectTimeout = Math.max(1, Math.min(opts.timeoutMs, deadline - performance.now()));
	const describe = (err: unknown) =>
		toEndpointError(err, {url: opts.url, secrets: [opts.token, opts.proxyToken]}).message;
	// Each worker on its own session, as separate clients would be.
	const sessions = await Promise.allSettled(
		Array.from({length: workers}, () =>
			openEndpointSession(
				{
					url: opts.url,
					transport: opts.transport ?? 'auto',
					timeoutMs: connectTimeout,
					token: opts.token ?? null,
					proxyToken: opts.proxyToken ?? null,
				},
				opts.signal,
			).then((c) => c.session),
		),
	);
	const clients = sessions.map((s) => (s.status === 'fulfilled' ? s.value : null));
	const connectErrors = sessions.map((s) => (s.status === 'rejected' ? describe(s.reason) : null));
	const connected = clients.filter((c) => c !== null).length;
	const firstConnectError = connectErrors.find((e) => e !== null) ?? null;

	try {
		if (opts.signal?.aborted) {
			step('connect', connectLabel, 'skipped', 'cancelled');
			return {ok: false, summary: 'concurrency test cancelled before any request was sent'};
		}
		if (connected === 0) {
			step('connect', connectLabel, 'fail', firstConnectError ?? 'no connection');
			return {
				ok: false,
				summary: `cannot reach the MCP endpoint: ${firstConnectError ?? 'no connection'}`,
				next: 'check that the server is running and listening (ports pane), then try again',
			};
		}
		step(
			'connect',
			connectLabel,
			connected === workers ? 'ok' : 'warn',
			connected === workers
				? `${connected}/${workers} connected`
				: `${connected}/${workers} connected; ${firstConnectError}`,
		);

		// One tools/list first, as the latency analysis does: against a server that has no
		// get_server_status, 200 failed calls would read as a server failing under load.
		const toolsLabel = 'Check which tools the server offers';
		step('tools', toolsLabel, 'running');
		try {
			const offered = await clients
				.find((c) => c !== null)!
				.listTools(Math.max(1, Math.min(opts.timeoutMs, deadline - performance.now())));
			if (!offered.includes(tool)) {
				const detail = `${offered.length} tools offered, not ${tool}`;
				step('tools', toolsLabel, 'fail', detail);
				return {
					ok: false,
					summary: `the server offers no ${tool} tool to call (${offered.length} tools offered)`,
					next: `the concurrency test calls ${tool}, a tool of the UnrealBlueprintMCP server: point mcptop at that server`,
				};
			}
			step('tools', toolsLabel, 'ok', `${offered.length} tools offered, ${tool} among them`);
		} catch (err) {
			step(
				'tools',
				toolsLabel,
				'warn',
				`tools/list failed (${describe(err)}); calling ${tool} anyway`,
			);
		}

		const requestLabel = `${workers} × ${requests} ${tool} calls`;
		step('requests', requestLabel, 'running', `0/${planned}`);
		let done = 0;
		let lastReport = performance.now();
		const progress = () => {
			done++;
			if (performance.now() - lastReport >= 200) {
				lastReport = performance.now();
				step('requests', requestLabel, 'running', `${done}/${planned}`);
			}
		};
		const allLatencies: number[] = [];
		const errors: string[] = [];
		let deadlineHit = false;
		let cancelled = false;

		const runWorker = async (index: number): Promise<WorkerResult> => {
			const client: McpSession | null = clients[index]!;
			const result: WorkerResult = {
				worker: index + 1,
				connected: client !== null,
				ok: 0,
				failed: 0,
				notSent: 0,
				meanMs: null,
			};
			if (!client) {
				result.failed = requests;
				for (let r = 0; r < requests; r++) errors.push(connectErrors[index]!);
				return result;
			}
			const latencies: number[] = [];
			for (let r = 0; r < requests; r++) {
				const remaining = deadline - performance.now();
				if (opts.signal?.aborted || remaining <= 0) {
					if (opts.signal?.aborted) cancelled = true;
					else deadlineHit = true;
					result.notSent = requests - r;
					break;
				}
				const sent = performance.now();
				try {
					await client.callTool(tool, {}, Math.max(1, Math.min(opts.timeoutMs, remaining)));
					const ms = performance.now() - sent;
					latencies.push(ms);
					allLatencies.push(ms);
					result.ok++;
				} catch (err) {
					result.failed++;
					errors.push(describe(err));
					// A dropped connection fails every later call at once; count them without sending.
					if (client.lost) {
						const left = requests - r - 1;
						result.failed += left;
						const reason = describe(err);
						for (let k = 0; k < left; k++) errors.push(reason);
						break;
					}
				}
				progress();
			}
			result.meanMs = round2(summarize(latencies).mean);
			return result;
		};

		const phaseStart = performance.now();
		const perWorker = await Promise.all(clients.map((_, i) => runWorker(i)));
		const durationMs = performance.now() - phaseStart;

		const ok = perWorker.reduce((sum, w) => sum + w.ok, 0);
		const failed = perWorker.reduce((sum, w) => sum + w.failed, 0);
		const notSent = perWorker.reduce((sum, w) => sum + w.notSent, 0);
		const successRate = ok / planned;
		const rps = durationMs > 0 ? ok / (durationMs / 1000) : 0;
		const assessment = assessConcurrency(successRate, rps);
		const latency = summarize(allLatencies);
		const data: ConcurrencyTestData = {
			url,
			tool,
			workers,
			requests,
			planned,
			ok,
			failed,
			notSent,
			successRate: Math.round(successRate * 10_000) / 10_000,
			rps: round2(rps),
			durationMs: Math.round(durationMs),
			latency: {
				count: latency.count,
				mean: round2(latency.mean),
				median: round2(latency.median),
				stdev: round2(latency.stdev),
				min: round2(latency.min),
				max: round2(latency.max),
				p50: round2(latency.p50),
				p95: round2(latency.p95),
				p99: round2(latency.p99),
			},
			perWorker,
			errors: countErrors(errors),
			assessment,
			deadlineHit,
			cancelled,
		};

		const percent = `${(successRate * 100).toFixed(successRate === 1 ? 0 : 1)} %`;
		const parts = [
			`${ok}/${planned} ok (${percent})`,
			`${rps.toFixed(1)} req/s`,
			`mean ${formatMs(latency.mean)}, p95 ${formatMs(latency.p95)}, max ${formatMs(latency.max)}: ${assessment}`,
		];
		if (deadlineHit)
			parts.push(`stopped at the ${formatWait(deadlineMs)} deadline, ${notSent} not sent`);
		if (cancelled) parts.push(`cancelled, ${notSent} not sent`);
		if (failed > 0) parts.push(`${failed} failed: ${data.errors[0]!.message}`);
		const summary = parts.join(', ');
		const status: StepStatus =
			assessment === 'Excellent' || assessment === 'Good'
				? 'ok'
				: assessment === 'Acceptable'
					? 'warn'
					: 'fail';
		step('requests', requestLabel, status, summary);

		const result: ActionResult = {
			ok: !cancelled && assessment !== 'Poor' && assessment !== 'n/a',
			summary,
			data,
		};
		if (!result.ok && !cancelled) {
			result.next =
				failed > 0
					? 'the server fails under load: check its log (alerts pane), CPU and memory (processes pane)'
					: 'the server is slow under load: check its CPU and memory (processes pane)';
		}
		return result;
	} finally {
		await Promise.all(clients.map((c) => c?.close()));
	}
}

function validate(opts: ConcurrencyTestOptions): {summary: string; next: string} | null {
	if (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > maxWorkers) {
		return {
			summary: `workers must be a whole number from 1 to ${maxWorkers}, got ${opts.workers}`,
			next: 'fix analysis.workers in the config',
		};
	}
	if (!Number.isInteger(opts.requests) || opts.requests < 1 || opts.requests > maxRequests) {
		return {
			summary: `requests must be a whole number from 1 to ${maxRequests}, got ${opts.requests}`,
			next: 'fix analysis.requests in the config',
		};
	}
	if (opts.deadlineMs !== undefined && !(opts.deadlineMs > 0)) {
		return {
			summary: `the deadline must be positive, got ${opts.deadlineMs}`,
			next: 'use a deadline in ms',
		};
	}
	return null;
}
