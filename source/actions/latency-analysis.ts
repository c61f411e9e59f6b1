import {performance} from 'node:perf_hooks';
import {
	assessLatency,
	defaultLatencyBands,
	round2,
	summarize,
	type LatencyBands,
	type Summary,
	countErrors,
} from '../lib/stats.js';
import {EndpointError, displayUrl, toEndpointError} from '../mcp/errors.js';
import {openEndpointSession, sessionDescription} from '../mcp/resolve.js';
import type {McpSession} from '../mcp/session.js';
import type {
	ActionResult,
	ActionStep,
	Assessment,
	StepReporter,
	StepStatus,
	TransportSetting,
} from '../types.js';

export type LatencyAnalysisOptions = {
	url: string;
	transport?: TransportSetting;
	token?: string | null;
	proxyToken?: string | null;
	timeoutMs: number;
	/** The only tools called; the config lists read-only ones (SPEC 5). */
	tools: string[];
	iterations: number;
	signal?: AbortSignal;
	bands?: LatencyBands;
};

export type ToolLatency = Summary & {
	tool: string;
	/** Calls made (fewer than planned when stopped early). */
	calls: number;
	failed: number;
	assessment: Assessment;
	/** Distinct failure messages, most frequent first, at most 5. */
	errors: Array<{message: string; count: number}>;
	/** Why the tool was not (fully) measured, when it was not. */
	note: string | null;
};

export type LatencyAnalysisData = {
	url: string;
	iterations: number;
	tools: ToolLatency[];
	cancelled: boolean;
};

const maxIterations = 1000;
/** A tool that times out this many times in a row is hung; the rest of its calls would only wait. */
const giveUpAfterTimeouts = 3;
/** Reconnects allowed per run when the server drops the connection. */
const reconnectBudget = 2;

function formatMs(ms: number | null): string {
	if (ms === null) return 'n/a';
	return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function roundSummary(s: Summary): Summary {
	return {
		count: s.count,
		mean: round2(s.mean),
		median: round2(s.median),
		stdev: round2(s.stdev),
		min: round2(s.min),
		max: round2(s.max),
		p50: round2(s.p50),
		p95: round2(s.p95),
		p99: round2(s.p99),
	};
}

/**
 * SPEC 5 latency analysis (`l`): N timed `tools/call`s per configured tool on one connection, with
 * mean, median, stdev, min, max, p95, p99 and an assessment per tool. Only the given tools are called.
 */
export async function runLatencyAnalysis(
	opts: LatencyAnalysisOptions,
	report: StepReporter,
): Promise<ActionResult> {
	const bands = opts.bands ?? defaultLatencyBands;
	const tools = [...new Set(opts.tools)];
	const url = displayUrl(opts.url);
	const step = (id: string, label: string, status: StepStatus, detail?: string) => {
		const s: ActionStep = {id, label, status};
		if (detail !== undefined) s.detail = detail;
		report(s);
	};
	const data: LatencyAnalysisData = {url, iterations: opts.iterations, tools: [], cancelled: false};

	if (tools.length === 0) {
		return {
			ok: false,
			summary: 'no tools to measure',
			next: 'list read-only tools in analysis.tools in the config',
			data,
		};
	}
	if (
		!Number.isInteger(opts.iterations) ||
		opts.iterations < 1 ||
		opts.iterations > maxIterations
	) {
		return {
			ok: false,
			summary: `iterations must be a whole number from 1 to ${maxIterations}, got ${opts.iterations}`,
			next: 'fix analysis.iterations in the config',
			data,
		};
	}

	step('connect', `Connect to ${url}`, 'running');
	const open = () =>
		openEndpointSession(
			{
				url: opts.url,
				transport: opts.transport ?? 'auto',
				timeoutMs: opts.timeoutMs,
				token: opts.token ?? null,
				proxyToken: opts.proxyToken ?? null,
			},
			opts.signal,
		).then((c) => c.session);
	const describe = (err: unknown) =>
		toEndpointError(err, {url: opts.url, secrets: [opts.token, opts.proxyToken]}).message;
	let client: McpSession;
	try {
		client = await open();
	} catch (err) {
		const message = describe(err);
		step('connect', `Connect to ${url}`, 'fail', message);
		const hint = err instanceof EndpointError ? err.hint : null;
		return {
			ok: false,
			summary: `cannot reach the MCP endpoint: ${message}`,
			next: hint ?? 'check that the server is running and listening (ports pane), then try again',
			data,
		};
	}
	step('connect', `Connect to ${url}`, 'ok', sessionDescription(client));

	let reconnectsLeft = reconnectBudget;
	const usableClient = async (): Promise<McpSession> => {
		if (!client.lost || reconnectsLeft <= 0) return client;
		reconnectsLeft--;
		client = await open();
		return client;
	};

	try {
		step('tools', 'Check which tools the server offers', 'running');
		let offered: Set<string> | null = null;
		try {
			offered = new Set(await client.listTools(opts.timeoutMs));
			step(
				'tools',
				'Check which tools the server offers',
				offered ? 'ok' : 'warn',
				offered
					? `${offered.size} tools offered`
					: 'tools/list gave no tool list; calling the configured tools anyway',
			);
		} catch (err) {
			step(
				'tools',
				'Check which tools the server offers',
				'warn',
				`tools/list failed (${describe(err)}); calling the configured tools anyway`,
			);
		}

		for (const tool of tools) {
			const id = `tool:${tool}`;
			const label = `${tool} × ${opts.iterations}`;
			const latencies: number[] = [];
			const failures: string[] = [];
			let note: string | null = null;
			let consecutiveTimeouts = 0;

			if (offered && !offered.has(tool)) {
				note = 'not offered by the server';
				step(id, label, 'skipped', note);
				data.tools.push(toolResult(tool, latencies, failures, note, bands));
				continue;
			}
			step(id, label, 'running', `0/${opts.iterations}`);
			let lastReport = performance.now();
			for (let i = 0; i < opts.iterations; i++) {
				if (opts.signal?.aborted) {
					data.cancelled = true;
					note = 'cancelled';
					break;
				}
				let current: McpSession;
				try {
					current = await usableClient();
				} catch (err) {
					note = `reconnect failed: ${describe(err)}`;
					break;
				}
				const started = performance.now();
				try {
					await current.callTool(tool, {}, opts.timeoutMs);
					latencies.push(performance.now() - started);
					consecutiveTimeouts = 0;
				} catch (err) {
					failures.push(describe(err));
					consecutiveTimeouts =
						err instanceof EndpointError && err.kind === 'timeout' ? consecutiveTimeouts + 1 : 0;
					if (consecutiveTimeouts >= giveUpAfterTimeouts) {
						note = `stopped after ${giveUpAfterTimeouts} timeouts in a row`;
						break;
					}
				}
				// Progress at most every 100 ms: the screen needs no more.
				if (performance.now() - lastReport >= 100) {
					lastReport = performance.now();
					step(id, label, 'running', `${i + 1}/${opts.iterations}`);
				}
			}
			const result = toolResult(tool, latencies, failures, note, bands);
			data.tools.push(result);
			step(id, label, toolStatus(result), toolDetail(result, opts.iterations));
			if (data.cancelled) break;
		}
	} finally {
		await client.close();
	}

	return finalResult(data, tools.length);
}

function toolResult(
	tool: string,
	latencies: number[],
	failures: string[],
	note: string | null,
	bands: LatencyBands,
): ToolLatency {
	const summary = roundSummary(summarize(latencies));
	return {
		tool,
		...summary,
		calls: latencies.length + failures.length,
		failed: failures.length,
		assessment: assessLatency(summary.mean, bands),
		errors: countErrors(failures),
		note,
	};
}

function toolStatus(t: ToolLatency): StepStatus {
	if (t.count === 0) return 'fail';
	if (t.failed > 0 || t.note !== null) return 'warn';
	if (t.assessment === 'Excellent' || t.assessment === 'Good') return 'ok';
	return 'warn';
}

function toolDetail(t: ToolLatency, iterations: number): string {
	const parts: string[] = [];
	if (t.count > 0) {
		parts.push(
			`mean ${formatMs(t.mean)}, median ${formatMs(t.median)}, p95 ${formatMs(t.p95)}, max ${formatMs(t.max)}: ${t.assessment}`,
		);
	}
	if (t.failed > 0) parts.push(`${t.failed}/${t.calls} failed: ${t.errors[0]!.message}`);
	if (t.note) parts.push(t.note);
	if (t.calls < iterations && !t.note) parts.push(`${t.calls}/${iterations} calls made`);
	return parts.join('; ');
}

function finalResult(data: LatencyAnalysisData, planned: number): ActionResult {
	const measured = data.tools.filter((t) => t.count > 0);
	const failedCalls = data.tools.reduce((sum, t) => sum + t.failed, 0);
	const skipped = data.tools.filter((t) => t.note === 'not offered by the server');
	if (data.cancelled) {
		return {
			ok: false,
			summary: `latency analysis cancelled after ${data.tools.length}/${planned} tools`,
			data,
		};
	}
	if (measured.length === 0) {
		const reason =
			skipped.length === data.tools.length
				? 'none of the configured tools is offered by the server'
				: `every call failed (${data.tools.find((t) => t.errors.length > 0)?.errors[0]?.message ?? 'no reply'})`;
		return {
			ok: false,
			summary: `latency analysis: ${reason}`,
			next:
				skipped.length === data.tools.length
					? 'check analysis.tools against the tools the server lists'
					: 'check the server log in the alerts pane and that the server is responsive',
			data,
		};
	}
	const slowest = measured.reduce((a, b) => ((b.mean ?? 0) > (a.mean ?? 0) ? b : a));
	const poor = measured.some((t) => t.assessment === 'Poor');
	const parts = [
		`${measured.length} tool${measured.length === 1 ? '' : 's'} measured`,
		`slowest ${slowest.tool} mean ${formatMs(slowest.mean)} (${slowest.assessment})`,
	];
	if (failedCalls > 0) parts.push(`${failedCalls} call${failedCalls === 1 ? '' : 's'} failed`);
	if (skipped.length > 0) parts.push(`${skipped.length} not offered by the server`);
	const ok = failedCalls === 0 && !poor && measured.length + skipped.length === data.tools.length;
	const result: ActionResult = {ok, summary: parts.join(', '), data};
	if (!ok) {
		result.next =
			failedCalls > 0
				? 'see the failing tool above; check the server log in the alerts pane'
				: 'responses are slow: check the server CPU and memory (processes pane) and the Unreal Editor connection';
	}
	return result;
}
