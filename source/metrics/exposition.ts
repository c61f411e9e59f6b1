import {
	Counter,
	Gauge,
	Histogram,
	Registry,
	type OpenMetricsContentType,
	type PrometheusContentType,
} from 'prom-client';
import type {Health, LatencySample, Severity, Snapshot} from '../types.js';

/**
 * The OpenTelemetry MCP semantic convention's explicit buckets for mcp.client.operation.duration
 * (seconds): the same boundaries on every machine, so Prometheus can sum histograms across a fleet.
 */
export const mcpDurationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export type ExpositionFormat = 'text' | 'openmetrics';

export type Exposition = {contentType: string; body: string};

type Labels = Record<string, string>;

/**
 * One metric in both registries. prom-client renames a counter in place ("x_total" to "x") when an
 * OpenMetrics registry renders it, so one object cannot serve both formats: each gets its own.
 */
class Twin<M extends Gauge | Counter | Histogram> {
	constructor(readonly pair: [M, M]) {}
	remove(labels: Labels): void {
		for (const m of this.pair) m.remove(labels);
	}
}

class TwinGauge extends Twin<Gauge> {
	set(labels: Labels, value: number): void {
		for (const m of this.pair) m.set(labels, value);
	}
}

class TwinCounter extends Twin<Counter> {
	inc(labels: Labels, value = 1): void {
		for (const m of this.pair) m.inc(labels, value);
	}
}

class TwinHistogram extends Twin<Histogram> {
	observe(value: number): void {
		for (const m of this.pair) m.observe(value);
	}
}

const healthStates: Health[] = ['OK', 'WARN', 'FAIL', 'UNKNOWN'];
const severities: Severity[] = ['critical', 'error', 'warning'];
const mib = 1024 * 1024;

/**
 * mcptop's Prometheus metrics, derived from the store's snapshots and from each endpoint probe (the
 * tap in tap.ts). Cumulative figures in the snapshot (alert totals, lines read, reconnects, sessions)
 * become counters by their increase, so they stay exact. The text of both formats is rendered at
 * most once per change and cached: a scrape between two ticks costs a string copy.
 */
export class MetricsExposition {
	private readonly text = new Registry();
	private readonly openMetrics = new Registry<OpenMetricsContentType>();
	private version = 0;
	private readonly cache = new Map<ExpositionFormat, {version: number; body: Promise<string>}>();
	private renders = 0;
	private lastSnapshot: Snapshot | null = null;
	private seenPids = new Set<number>();
	private firstProcessRound = true;
	private readonly processLabels = new Map<number, {pid: string}>();
	private readonly portLabels = new Map<string, {port: string; name: string}>();
	private snapshotTime = 0;

	private readonly up: TwinGauge;
	private readonly health: TwinGauge;
	private readonly info: TwinGauge;
	private readonly lastUpdate: TwinGauge;
	private readonly probeSuccess: TwinGauge;
	private readonly probeDuration: TwinGauge;
	private readonly requestDuration: TwinHistogram;
	private readonly probes: TwinCounter;
	private readonly lossRatio: TwinGauge;
	private readonly reconnects: TwinCounter;
	private readonly sessions: TwinCounter;
	private readonly logLines: TwinCounter;
	private readonly alerts: TwinCounter;
	private readonly restarts: TwinCounter;
	private readonly actions: TwinCounter;
	private readonly portListening: TwinGauge;
	private readonly portClients: TwinGauge;
	private readonly processCount: TwinGauge;
	private readonly processCpu: TwinCounter;
	private readonly processRss: TwinGauge;
	private readonly processLeak: TwinGauge;
	private readonly processStart: TwinGauge;
	private readonly systemCpu: TwinGauge;
	private readonly systemMemory: TwinGauge;
	private readonly systemAvailable: TwinGauge;
	private readonly systemDisk: TwinGauge;
	private readonly systemDiskFree: TwinGauge;

	constructor(opts: {host: string; profile: string}) {
		this.openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
		const registries = [this.text, this.openMetrics] as const;
		const gauge = (name: string, help: string, labelNames: string[] = []) =>
			new TwinGauge([
				new Gauge({name, help, labelNames, registers: [registries[0]]}),
				new Gauge({name, help, labelNames, registers: [registries[1]]}),
			]);
		const counter = (name: string, help: string, labelNames: string[] = []) =>
			new TwinCounter([
				new Counter({name, help, labelNames, registers: [registries[0]]}),
				new Counter({name, help, labelNames, registers: [registries[1]]}),
			]);
		this.up = gauge(
			'mcptop_up',
			'1 when the watched stack is up (overall health OK or WARN), 0 when FAIL or not known yet.',
		);
		this.health = gauge(
			'mcptop_health',
			'Overall health of the watched stack, one series per state; the current one is 1.',
			['state'],
		);
		this.info = gauge('mcptop_info', 'The watched host and profile (always 1).', [
			'host',
			'profile',
		]);
		this.info.set({host: opts.host, profile: opts.profile}, 1);
		this.lastUpdate = gauge(
			'mcptop_last_update_timestamp_seconds',
			'When the snapshot these figures come from was published.',
		);
		this.probeSuccess = gauge(
			'probe_success',
			'Whether the last MCP endpoint probe succeeded (blackbox_exporter style).',
		);
		this.probeDuration = gauge(
			'probe_duration_seconds',
			'How long the last MCP endpoint probe took, success or not.',
		);
		const histogram = (
			registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>,
		) =>
			new Histogram({
				name: 'mcptop_mcp_request_duration_seconds',
				help: 'Round trip of the MCP probe requests that succeeded (OpenTelemetry MCP buckets).',
				buckets: mcpDurationBuckets,
				registers: [registry],
			});
		this.requestDuration = new TwinHistogram([histogram(registries[0]), histogram(registries[1])]);
		this.probes = counter('mcptop_endpoint_probes_total', 'MCP endpoint probes by result.', [
			'result',
		]);
		this.lossRatio = gauge(
			'mcptop_endpoint_loss_ratio',
			'Share of failed probes in the latency window mcptop shows (0 to 1).',
		);
		this.reconnects = counter(
			'mcptop_endpoint_reconnects_total',
			'Times the endpoint connection was lost and attempted again.',
		);
		this.sessions = counter(
			'mcptop_endpoint_sessions_total',
			'MCP handshakes made (1 = one kept session for the whole run).',
		);
		this.logLines = counter('mcptop_log_lines_total', 'Lines read from the tailed logs.');
		this.alerts = counter('mcptop_alerts_total', 'Alert lines in the logs by severity.', [
			'severity',
		]);
		this.restarts = counter(
			'mcptop_server_restarts_total',
			'Server processes that started while mcptop watched (by mcptop or anyone else).',
		);
		this.actions = counter('mcptop_actions_total', 'Actions run from mcptop by result.', [
			'action',
			'result',
		]);
		this.portListening = gauge('mcptop_port_listening', 'Whether the port accepts connections.', [
			'port',
			'name',
		]);
		this.portClients = gauge(
			'mcptop_port_clients',
			'ESTABLISHED connections on the port (connected editors on the bridge).',
			['port', 'name'],
		);
		this.processCount = gauge('mcptop_processes', 'Processes matching the server pattern.');
		this.processCpu = counter(
			'mcptop_process_cpu_seconds_total',
			'CPU time the server process used while mcptop watched it.',
			['pid'],
		);
		this.processRss = gauge(
			'mcptop_process_resident_memory_bytes',
			'Resident memory of the server process.',
			['pid'],
		);
		this.processLeak = gauge(
			'mcptop_process_leak',
			'1 when the RSS trend says possible leak (sustained growth), else 0.',
			['pid'],
		);
		this.processStart = gauge(
			'mcptop_process_start_time_seconds',
			'Start time of the server process since the epoch.',
			['pid'],
		);
		this.systemCpu = gauge('mcptop_system_cpu_ratio', 'Machine CPU use (0 to 1).');
		this.systemMemory = gauge('mcptop_system_memory_ratio', 'Machine memory use (0 to 1).');
		this.systemAvailable = gauge(
			'mcptop_system_memory_available_bytes',
			'Memory available to new processes.',
		);
		this.systemDisk = gauge(
			'mcptop_system_disk_ratio',
			'Use of the disk holding the project (0 to 1).',
		);
		this.systemDiskFree = gauge(
			'mcptop_system_disk_free_bytes',
			'Free space on the disk holding the project.',
		);
		this.probes.inc({result: 'success'}, 0);
		this.probes.inc({result: 'failure'}, 0);
		for (const severity of severities) this.alerts.inc({severity}, 0);
		for (const state of healthStates) this.health.set({state}, 0);
		this.up.set({}, 0);
	}

	/** One endpoint probe, as the tap saw it: exactly one histogram observation per success. */
	observeProbe(sample: LatencySample, elapsedMs: number): void {
		const ok = sample.ms !== null;
		this.probeSuccess.set({}, ok ? 1 : 0);
		this.probeDuration.set({}, (ok ? (sample.ms ?? 0) : elapsedMs) / 1000);
		this.probes.inc({result: ok ? 'success' : 'failure'});
		if (ok) this.requestDuration.observe((sample.ms ?? 0) / 1000);
		this.version++;
	}

	/** An action finished (the TUI's runner; the serve mode runs none). */
	recordAction(action: string, ok: boolean): void {
		this.actions.inc({action, result: ok ? 'ok' : 'failed'});
		this.version++;
	}

	update(snapshot: Snapshot): void {
		const previous = this.lastSnapshot;
		this.lastSnapshot = snapshot;
		this.snapshotTime = snapshot.time;
		this.lastUpdate.set({}, snapshot.time / 1000);
		for (const state of healthStates) this.health.set({state}, snapshot.health === state ? 1 : 0);
		this.up.set({}, snapshot.health === 'OK' || snapshot.health === 'WARN' ? 1 : 0);

		const increase = (now: number, before: number | undefined) => Math.max(0, now - (before ?? 0));
		const a = snapshot.alerts;
		for (const severity of severities)
			this.alerts.inc({severity}, increase(a.totals[severity], previous?.alerts.totals[severity]));
		this.logLines.inc({}, increase(a.linesRead, previous?.alerts.linesRead));
		const l = snapshot.latency;
		// A new endpoint session object (after a re-resolve) may count from 0 again: a drop is not negative.
		this.reconnects.inc(
			{},
			l.reconnects >= (previous?.latency.reconnects ?? 0)
				? increase(l.reconnects, previous?.latency.reconnects)
				: l.reconnects,
		);
		this.sessions.inc(
			{},
			l.sessions >= (previous?.latency.sessions ?? 0)
				? increase(l.sessions, previous?.latency.sessions)
				: l.sessions,
		);
		this.lossRatio.set({}, l.samples.length > 0 ? l.lossPercent / 100 : 0);

		const ports = new Set<string>();
		for (const p of snapshot.ports) {
			const key = `${p.port}`;
			ports.add(key);
			const labels = {port: key, name: p.name};
			const old = this.portLabels.get(key);
			if (old && old.name !== p.name) {
				this.portListening.remove(old);
				this.portClients.remove(old);
			}
			this.portLabels.set(key, labels);
			this.portListening.set(labels, p.listening ? 1 : 0);
			this.portClients.set(labels, p.established);
		}
		for (const [key, labels] of this.portLabels) {
			if (ports.has(key)) continue;
			this.portListening.remove(labels);
			this.portClients.remove(labels);
			this.portLabels.delete(key);
		}

		this.processCount.set({}, snapshot.processes.length);
		const dtSec = previous ? Math.max(0, (snapshot.time - previous.time) / 1000) : 0;
		const pids = new Set<number>();
		for (const p of snapshot.processes) {
			pids.add(p.pid);
			const labels = {pid: String(p.pid)};
			if (!this.processLabels.has(p.pid)) {
				this.processLabels.set(p.pid, labels);
				this.processCpu.inc(labels, 0);
				// A server that appears after the first look is a (re)start.
				if (!this.firstProcessRound && !this.seenPids.has(p.pid)) this.restarts.inc({});
			}
			this.seenPids.add(p.pid);
			// cpuPercent is the share of the last interval, so its integral is the CPU time used.
			if (previous?.processes.some((q) => q.pid === p.pid))
				this.processCpu.inc(labels, (p.cpuPercent / 100) * dtSec);
			this.processRss.set(labels, Math.round(p.rssMb * mib));
			this.processLeak.set(labels, p.leak ? 1 : 0);
			this.processStart.set(labels, Math.round(snapshot.time / 1000 - p.uptimeSec));
		}
		// Only a round that looked at processes ends the first one (the very first snapshot may not).
		if (snapshot.processes.length > 0 || previous) this.firstProcessRound = false;
		for (const [pid, labels] of this.processLabels) {
			if (pids.has(pid)) continue;
			for (const metric of [this.processCpu, this.processRss, this.processLeak, this.processStart])
				metric.remove(labels);
			this.processLabels.delete(pid);
		}
		// Bounded: a PID seen once stays known only while it could come back in the same run.
		if (this.seenPids.size > 10_000) this.seenPids = new Set(pids);

		const s = snapshot.system;
		if (s) {
			this.systemCpu.set({}, s.cpuPercent / 100);
			this.systemMemory.set({}, s.memoryPercent / 100);
			this.systemAvailable.set({}, Math.round(s.availableMb * mib));
			this.systemDisk.set({}, s.diskPercent / 100);
			this.systemDiskFree.set({}, Math.round(s.diskFreeGb * 1024 * mib));
		}
		this.version++;
	}

	/** The exposition text; rendered once per change and format, then served from the cache. */
	render(format: ExpositionFormat): Promise<Exposition> {
		const registry = format === 'openmetrics' ? this.openMetrics : this.text;
		let cached = this.cache.get(format);
		if (!cached || cached.version !== this.version) {
			this.renders++;
			cached = {version: this.version, body: registry.metrics()};
			this.cache.set(format, cached);
		}
		return cached.body.then((body) => ({contentType: registry.contentType, body}));
	}

	/** How many times the text was rendered (tests: a scrape between ticks renders nothing). */
	get renderCount(): number {
		return this.renders;
	}

	/** Epoch ms of the snapshot last applied (0 before the first). */
	get updatedAt(): number {
		return this.snapshotTime;
	}
}

/** OpenMetrics when the scraper asks for it (Prometheus sends it first in Accept), else 0.0.4. */
export function formatFor(accept: string | undefined): ExpositionFormat {
	return accept?.includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}
