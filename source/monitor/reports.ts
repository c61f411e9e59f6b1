import fs from 'node:fs/promises';
import path from 'node:path';
import {percentile, round2} from '../lib/stats.js';
import {sanitizeText} from '../lib/sanitize.js';
import type {Health, LatencySample, Severity, Snapshot} from '../types.js';
import {healthRank, worst} from './assess.js';

type Range = {avg: number | null; max: number | null};

export type PortReport = {
	port: number;
	name: string;
	/** Worst health seen in the period. */
	health: Health;
	listeningPercent: number;
	clientsMax: number;
};

/** The guide's production monitor report, one per period (default 5 minutes). */
export type HealthReport = {
	kind: 'mcptop-health-report';
	version: 1;
	host: string;
	profile: string;
	period: {start: string; end: string; startMs: number; endMs: number; snapshots: number};
	overall: {health: Health; okPercent: number; counts: Record<Health, number>};
	system: {
		cpuPercent: Range;
		memoryPercent: Range;
		availableMbMin: number | null;
		diskPercentMax: number | null;
	};
	server: {
		cpuPercent: Range;
		rssMb: Range;
		processesMin: number | null;
		processesMax: number | null;
		leak: boolean;
	};
	latency: {
		probes: number;
		failures: number;
		lossPercent: number;
		p50Ms: number | null;
		p95Ms: number | null;
		p99Ms: number | null;
		maxMs: number | null;
	};
	services: {
		ports: PortReport[];
		endpoint: {url: string; health: Health; okPercent: number; reconnects: number};
	};
	alerts: Record<Severity, number> & {linesRead: number};
	/** The most frequent reasons of the worst health seen, with how many snapshots said each. */
	worstReasons: Array<{text: string; health: Health; snapshots: number}>;
};

/** One point a minute for the TUI's trend lines. */
export type TrendPoint = {
	time: number;
	cpuPercent: number | null;
	memoryPercent: number | null;
	serverRssMb: number | null;
	latencyP95Ms: number | null;
	lossPercent: number | null;
	alerts: number;
};

export type ReportHistory = {
	/** Reports of the last historyMs, oldest first. */
	reports: HealthReport[];
	/** Minute points of the last historyMs, oldest first (the current minute last, partial). */
	points: TrendPoint[];
};

export type ReportOptions = {
	host: string;
	profile: string;
	everyMs: number;
	historyMs: number;
	/** Where report files go; null keeps them in memory only. */
	dir: string | null;
	keep: number;
	maxAgeMs: number;
	now?: () => number;
	onError?: (message: string) => void;
};

const reportName = /^health-(\d{8}T\d{6}Z)(?:-(\d+))?\.json$/;
const minuteMs = 60_000;
const healthOrder: Health[] = ['OK', 'WARN', 'FAIL', 'UNKNOWN'];

class Accumulator {
	readonly startMs: number;
	snapshots = 0;
	counts: Record<Health, number> = {OK: 0, WARN: 0, FAIL: 0, UNKNOWN: 0};
	cpu: number[] = [];
	memory: number[] = [];
	availableMin: number | null = null;
	diskMax: number | null = null;
	serverCpu: number[] = [];
	serverRss: number[] = [];
	processesMin: number | null = null;
	processesMax: number | null = null;
	leak = false;
	latencies: number[] = [];
	failures = 0;
	ports = new Map<
		number,
		{name: string; health: Health; listening: number; seen: number; max: number}
	>();
	endpointUrl = '';
	endpointHealth: Health = 'UNKNOWN';
	endpointOk = 0;
	reconnectsStart: number | null = null;
	reconnectsEnd = 0;
	alertsStart: Record<Severity, number> | null = null;
	alertsEnd: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
	linesStart: number | null = null;
	linesEnd = 0;
	reasons = new Map<string, {health: Health; snapshots: number}>();

	constructor(startMs: number) {
		this.startMs = startMs;
	}

	add(s: Snapshot): void {
		this.snapshots++;
		this.counts[s.health]++;
		if (s.system) {
			this.cpu.push(s.system.cpuPercent);
			this.memory.push(s.system.memoryPercent);
			this.availableMin = Math.min(this.availableMin ?? Infinity, s.system.availableMb);
			this.diskMax = Math.max(this.diskMax ?? 0, s.system.diskPercent);
		}
		if (s.processes.length > 0) {
			this.serverCpu.push(s.processes.reduce((sum, p) => sum + p.cpuPercent, 0));
			this.serverRss.push(s.processes.reduce((sum, p) => sum + p.rssMb, 0));
		}
		this.processesMin = Math.min(this.processesMin ?? Infinity, s.processes.length);
		this.processesMax = Math.max(this.processesMax ?? 0, s.processes.length);
		if (s.processes.some((p) => p.leak)) this.leak = true;
		for (const p of s.ports) {
			const entry = this.ports.get(p.port) ?? {
				name: p.name,
				health: 'OK' as Health,
				listening: 0,
				seen: 0,
				max: 0,
			};
			entry.seen++;
			if (p.listening) entry.listening++;
			entry.max = Math.max(entry.max, p.established);
			entry.health = worst(entry.health, p.health);
			this.ports.set(p.port, entry);
		}
		const l = s.latency;
		this.endpointUrl = l.url;
		this.endpointHealth = this.snapshots === 1 ? l.health : worst(this.endpointHealth, l.health);
		if (l.health === 'OK') this.endpointOk++;
		this.reconnectsStart ??= l.reconnects;
		this.reconnectsEnd = l.reconnects;
		this.alertsStart ??= {...s.alerts.totals};
		this.alertsEnd = {...s.alerts.totals};
		this.linesStart ??= s.alerts.linesRead;
		this.linesEnd = s.alerts.linesRead;
		for (const text of s.reasons) {
			const key = sanitizeText(text, 300);
			const entry = this.reasons.get(key);
			// The health of the snapshots that said it: a reason of a FAIL round ranks above one of WARN.
			const health = s.health;
			if (entry) {
				entry.snapshots++;
				entry.health = worst(entry.health, health);
			} else this.reasons.set(key, {health, snapshots: 1});
		}
	}

	probe(sample: LatencySample): void {
		if (sample.ms === null) this.failures++;
		else this.latencies.push(sample.ms);
	}

	alertsSinceStart(): number {
		const start = this.alertsStart;
		if (!start) return 0;
		return (Object.keys(start) as Severity[]).reduce(
			(sum, k) => sum + Math.max(0, this.alertsEnd[k] - start[k]),
			0,
		);
	}
}

const avg = (values: number[]): number | null =>
	values.length === 0 ? null : round2(values.reduce((a, b) => a + b, 0) / values.length);
const max = (values: number[]): number | null =>
	values.length === 0 ? null : round2(Math.max(...values));
const pct = (n: number, of: number): number => (of === 0 ? 0 : round2((n / of) * 100));

function stamp(ms: number): string {
	return new Date(ms)
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d+Z$/, 'Z');
}

/**
 * Health reports, as the troubleshooting guide's production monitor writes them: one every `everyMs`
 * from the snapshots and probes of that period, kept for an hour in memory (the TUI's trend lines)
 * and as JSON files in the state directory, pruned by count and age.
 */
export class ReportCollector {
	private period: Accumulator;
	private minute: Accumulator;
	private reports: HealthReport[] = [];
	private points: TrendPoint[] = [];
	private history: ReportHistory = {reports: [], points: []};
	private readonly listeners = new Set<() => void>();
	private timer: NodeJS.Timeout | null = null;
	private writing: Promise<void> = Promise.resolve();

	constructor(private readonly opts: ReportOptions) {
		this.period = new Accumulator(this.now());
		this.minute = new Accumulator(this.now());
	}

	private now(): number {
		return this.opts.now?.() ?? Date.now();
	}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	/** Immutable; a new object after every change (for useSyncExternalStore). */
	getHistory = (): ReportHistory => this.history;

	/** Reports on a timer of their own: a paused screen still reports. */
	start(): void {
		if (this.timer) return;
		this.timer = setInterval(() => void this.flush(), this.opts.everyMs);
		this.timer.unref();
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.writing;
	}

	addSnapshot = (snapshot: Snapshot): void => {
		const now = snapshot.time;
		if (now - this.minute.startMs >= minuteMs) this.closeMinute(now);
		this.period.add(snapshot);
		this.minute.add(snapshot);
		this.publish();
	};

	addProbe = (sample: LatencySample): void => {
		this.period.probe(sample);
		this.minute.probe(sample);
	};

	/** Ends the period: builds its report, keeps it, writes and prunes the files. */
	async flush(): Promise<HealthReport | null> {
		const end = this.now();
		const period = this.period;
		this.period = new Accumulator(end);
		if (period.snapshots === 0) return null;
		const report = this.build(period, end);
		this.reports.push(report);
		this.trim(end);
		this.publish();
		const dir = this.opts.dir;
		if (dir) {
			this.writing = this.writing
				.then(() => writeReport(dir, report))
				.then(() =>
					pruneReports(dir, {keep: this.opts.keep, maxAgeMs: this.opts.maxAgeMs, now: end}),
				)
				.then(
					() => undefined,
					(error: unknown) =>
						this.opts.onError?.(
							`health report not written to ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
						),
				);
			await this.writing;
		}
		return report;
	}

	private closeMinute(now: number): void {
		const m = this.minute;
		this.minute = new Accumulator(now);
		if (m.snapshots > 0) this.points.push(this.point(m));
		this.trim(now);
	}

	private trim(now: number): void {
		const from = now - this.opts.historyMs;
		this.reports = this.reports.filter((r) => r.period.endMs > from);
		this.points = this.points.filter((p) => p.time > from);
	}

	private point(m: Accumulator): TrendPoint {
		const probes = m.latencies.length + m.failures;
		return {
			time: m.startMs,
			cpuPercent: avg(m.cpu),
			memoryPercent: avg(m.memory),
			serverRssMb: max(m.serverRss),
			latencyP95Ms: round2(percentile(m.latencies, 95)),
			lossPercent: probes === 0 ? null : pct(m.failures, probes),
			alerts: m.alertsSinceStart(),
		};
	}

	private publish(): void {
		this.history = {
			reports: this.reports,
			points: this.minute.snapshots > 0 ? [...this.points, this.point(this.minute)] : this.points,
		};
		for (const listener of this.listeners) listener();
	}

	private build(p: Accumulator, end: number): HealthReport {
		const probes = p.latencies.length + p.failures;
		const alertsStart = p.alertsStart ?? {critical: 0, error: 0, warning: 0};
		const overall = healthOrder.reduce<Health>(
			(h, state) => (p.counts[state] > 0 ? worst(h, state) : h),
			'OK',
		);
		const reasons = [...p.reasons.entries()]
			.map(([text, r]) => ({text, health: r.health, snapshots: r.snapshots}))
			.sort((a, b) => healthRank(b.health) - healthRank(a.health) || b.snapshots - a.snapshots)
			.slice(0, 5);
		return {
			kind: 'mcptop-health-report',
			version: 1,
			host: this.opts.host,
			profile: this.opts.profile,
			period: {
				start: new Date(p.startMs).toISOString(),
				end: new Date(end).toISOString(),
				startMs: p.startMs,
				endMs: end,
				snapshots: p.snapshots,
			},
			overall: {health: overall, okPercent: pct(p.counts.OK, p.snapshots), counts: p.counts},
			system: {
				cpuPercent: {avg: avg(p.cpu), max: max(p.cpu)},
				memoryPercent: {avg: avg(p.memory), max: max(p.memory)},
				availableMbMin: p.availableMin === null ? null : round2(p.availableMin),
				diskPercentMax: p.diskMax === null ? null : round2(p.diskMax),
			},
			server: {
				cpuPercent: {avg: avg(p.serverCpu), max: max(p.serverCpu)},
				rssMb: {avg: avg(p.serverRss), max: max(p.serverRss)},
				processesMin: p.processesMin,
				processesMax: p.processesMax,
				leak: p.leak,
			},
			latency: {
				probes,
				failures: p.failures,
				lossPercent: pct(p.failures, probes),
				p50Ms: round2(percentile(p.latencies, 50)),
				p95Ms: round2(percentile(p.latencies, 95)),
				p99Ms: round2(percentile(p.latencies, 99)),
				maxMs: max(p.latencies),
			},
			services: {
				ports: [...p.ports.entries()].map(([port, e]) => ({
					port,
					name: e.name,
					health: e.health,
					listeningPercent: pct(e.listening, e.seen),
					clientsMax: e.max,
				})),
				endpoint: {
					url: p.endpointUrl,
					health: p.endpointHealth,
					okPercent: pct(p.endpointOk, p.snapshots),
					reconnects: Math.max(0, p.reconnectsEnd - (p.reconnectsStart ?? 0)),
				},
			},
			alerts: {
				critical: Math.max(0, p.alertsEnd.critical - alertsStart.critical),
				error: Math.max(0, p.alertsEnd.error - alertsStart.error),
				warning: Math.max(0, p.alertsEnd.warning - alertsStart.warning),
				linesRead: Math.max(0, p.linesEnd - (p.linesStart ?? 0)),
			},
			worstReasons: reasons,
		};
	}
}

/** Written whole or not at all (temporary file, then rename); private like the other state files. */
export async function writeReport(dir: string, report: HealthReport): Promise<string> {
	await fs.mkdir(dir, {recursive: true, mode: 0o700});
	let name = `health-${stamp(report.period.endMs)}.json`;
	for (let n = 1; n <= 100; n++) {
		try {
			await fs.access(path.join(dir, name));
			name = `health-${stamp(report.period.endMs)}-${n}.json`;
		} catch {
			break;
		}
	}
	const file = path.join(dir, name);
	const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
	await fs.writeFile(temp, JSON.stringify(report, null, 2) + '\n', {mode: 0o600});
	await fs.rename(temp, file);
	return file;
}

/**
 * Keeps the newest `keep` report files and none older than `maxAgeMs` (by the time in the name, so a
 * copied folder keeps its meaning). Only files named like reports are touched.
 */
export async function pruneReports(
	dir: string,
	opts: {keep: number; maxAgeMs: number; now: number},
): Promise<string[]> {
	const entries = await fs.readdir(dir);
	const reports = entries
		.map((name) => {
			const m = reportName.exec(name);
			if (!m?.[1]) return null;
			const t = m[1];
			const time = Date.parse(
				`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`,
			);
			// health-…Z-1.json was written after health-…Z.json in the same second.
			const n = Number(m[2] ?? 0);
			return Number.isNaN(time) ? null : {name, time, n};
		})
		.filter((r): r is {name: string; time: number; n: number} => r !== null)
		.sort((a, b) => b.time - a.time || b.n - a.n);
	const removed: string[] = [];
	for (const [index, r] of reports.entries()) {
		if (index < opts.keep && opts.now - r.time <= opts.maxAgeMs) continue;
		await fs.rm(path.join(dir, r.name), {force: true});
		removed.push(r.name);
	}
	return removed;
}

/** Where the report files go under the state directory. */
export function reportsDir(stateDir: string): string {
	return path.join(stateDir, 'reports');
}
