import type {
	Config,
	EndpointStatus,
	Health,
	LatencyStatus,
	PortReading,
	PortStatus,
	ProcessReading,
	ProcessStatus,
	SystemReading,
	SystemStatus,
} from '../types.js';
import {sanitizeText} from '../lib/sanitize.js';
import {assessLatency, summarize} from '../lib/stats.js';
import type {RssTrend} from './rss-trend.js';

const order: Record<Health, number> = {OK: 0, UNKNOWN: 1, WARN: 2, FAIL: 3};

/** OK < UNKNOWN < WARN < FAIL. */
export function healthRank(h: Health): number {
	return order[h];
}

export function worst(...healths: Health[]): Health {
	let result: Health = 'OK';
	for (const h of healths) if (order[h] > order[result]) result = h;
	return result;
}

/** Thresholds of SPEC 3 for the whole machine. */
export function assessSystem(
	reading: SystemReading,
	t: Config['thresholds']['system'],
): SystemStatus {
	const reasons: string[] = [];
	if (reading.cpuPercent > t.cpuPercent)
		reasons.push(`system CPU ${reading.cpuPercent.toFixed(0)}% > ${t.cpuPercent}%`);
	if (reading.memoryPercent > t.memoryPercent)
		reasons.push(`memory ${reading.memoryPercent.toFixed(0)}% > ${t.memoryPercent}%`);
	if (reading.availableMb < t.availableMemoryMb)
		reasons.push(
			`available memory ${reading.availableMb.toFixed(0)} MB < ${t.availableMemoryMb} MB`,
		);
	if (reading.diskPercent > t.diskPercent)
		reasons.push(`disk ${reading.diskPercent.toFixed(0)}% > ${t.diskPercent}%`);
	if (reading.diskFreeGb < t.freeDiskGb)
		reasons.push(`free disk ${reading.diskFreeGb.toFixed(1)} GB < ${t.freeDiskGb} GB`);
	return {...reading, health: reasons.length > 0 ? 'WARN' : 'OK', reasons};
}

export function assessProcess(
	reading: ProcessReading,
	trend: RssTrend,
	t: Config['thresholds']['process'],
	now: number,
): ProcessStatus {
	const rssMb = reading.rssBytes / (1024 * 1024);
	const reasons: string[] = [];
	// Stopped by SIGSTOP or Ctrl-Z (T), or held by a debugger (t): alive, listening, answering nothing.
	const stopped = reading.state === 'T' || reading.state === 't' ? 'stopped' : null;
	if (stopped) {
		reasons.push(
			reading.state === 't'
				? `pid ${reading.pid} is held by a debugger (state t)`
				: `pid ${reading.pid} is stopped (SIGSTOP/Ctrl-Z): kill -CONT ${reading.pid}`,
		);
	}
	if (reading.cpuPercent > t.cpuPercent)
		reasons.push(`pid ${reading.pid} CPU ${reading.cpuPercent.toFixed(0)}% > ${t.cpuPercent}%`);
	if (rssMb > t.rssMb)
		reasons.push(`pid ${reading.pid} RSS ${rssMb.toFixed(0)} MB > ${t.rssMb} MB`);
	if (trend.growthMb > t.rssGrowthMb)
		reasons.push(`pid ${reading.pid} RSS grew ${trend.growthMb.toFixed(0)} MB since first seen`);
	if (trend.leak) reasons.push(`pid ${reading.pid} possible memory leak: ${trend.leakReason}`);
	return {
		pid: reading.pid,
		// Any process can put escape sequences in its name or arguments: never pass them to the terminal.
		name: sanitizeText(reading.name, 64),
		command: sanitizeText(reading.command, 4096),
		cpuPercent: reading.cpuPercent,
		rssMb,
		rssTrendMbPerMin: trend.mbPerMin,
		rssGrowthMb: trend.growthMb,
		leak: trend.leak,
		uptimeSec: Math.max(0, Math.round((now - reading.startedAt) / 1000)),
		stopped,
		health: stopped ? 'FAIL' : reasons.length > 0 ? 'WARN' : 'OK',
		reasons,
		...(reading.profile ? {profile: reading.profile} : {}),
	};
}

/** Ports: readiness, owner check, clients; `since` tracks the last change of state or owner. */
export class PortTracker {
	private readonly last = new Map<number, {key: string; since: number}>();

	assess(readings: PortReading[], match: RegExp, now: number): PortStatus[] {
		return readings.map((raw) => {
			const r = {
				...raw,
				processName: raw.processName === null ? null : sanitizeText(raw.processName, 64),
				command: raw.command === null ? null : sanitizeText(raw.command, 4096),
				error: raw.error === null ? null : sanitizeText(raw.error, 200),
			};
			const key = `${r.listening}:${r.pid ?? '?'}`;
			const prev = this.last.get(r.port);
			const since = prev && prev.key === key ? prev.since : now;
			this.last.set(r.port, {key, since});
			let health: Health = 'OK';
			let warning: string | null = null;
			if (!r.listening) {
				health = 'FAIL';
			} else if (r.pid !== null && r.command !== null && !match.test(r.command)) {
				health = 'FAIL';
				warning = `port ${r.port} is held by pid ${r.pid} (${r.processName ?? 'unknown'}), not the expected server`;
			}
			return {...r, health, warning, since};
		});
	}
}

export function assessPortClients(status: PortStatus, clients: boolean | undefined): PortStatus {
	if (!clients || status.health !== 'OK' || status.established > 0) return status;
	return {...status, health: 'WARN'};
}

export function assessLatencyWindow(
	samples: Array<number | null>,
	endpoint: EndpointStatus,
	bands: Config['thresholds']['latency'],
): LatencyStatus {
	const ok = samples.filter((s): s is number => s !== null);
	const failed = samples.length - ok.length;
	const lossPercent = samples.length === 0 ? 0 : (failed / samples.length) * 100;
	// One sort of the window serves every percentile.
	const {p50, p95, p99, max} = summarize(ok);
	const last = samples.length > 0 ? samples[samples.length - 1]! : null;
	const assessment = p50 === null ? 'n/a' : assessLatency(p50, bands);
	let health: Health = 'OK';
	if (endpoint.state !== 'connected' || (samples.length > 0 && last === null)) health = 'FAIL';
	else if (assessment === 'Poor' || lossPercent >= 5) health = 'WARN';
	else if (samples.length === 0) health = 'UNKNOWN';
	return {
		...endpoint,
		samples,
		now: last,
		p50,
		p95,
		p99,
		max,
		lossPercent,
		assessment,
		health,
	};
}
