import os from 'node:os';
import {endpointPort} from '../lib/endpoint-url.js';
import {RingBuffer} from '../lib/ring.js';
import {linearRegExp} from '../lib/safe-regex.js';
import type {
	Alert,
	Config,
	EndpointStatus,
	Health,
	LatencySample,
	LogLine,
	LogSourceStatus,
	PortReading,
	ProcessReading,
	ProcessStatus,
	Snapshot,
	SystemReading,
} from '../types.js';
import {AlertBook, type AlertChange} from './alert-book.js';
import {
	PortTracker,
	assessLatencyWindow,
	assessPortClients,
	assessProcess,
	assessSystem,
	healthRank,
	worst,
} from './assess.js';
import {RssHistory} from './rss-trend.js';
import {triageReasons} from './triage.js';
import {EditorStateRecogniser} from '../probes/editor-state.js';

/** What the store needs from the probes; the real ones live in source/probes/. */
export type MonitorProbes = {
	ports: {sample(): Promise<PortReading[]>};
	processes: {sample(): Promise<ProcessReading[]>; rescan?(): void};
	system: {sample(): Promise<SystemReading>};
	endpoint: {
		start(): void;
		stop(): Promise<void>;
		probe(): Promise<LatencySample>;
		status(): EndpointStatus;
		/** Resolves once the first connection attempt settled. */
		ready?(): Promise<void>;
		/** Skip the reconnect backoff: the endpoint's port listens again. */
		retryNow?(): void;
	};
	logs: Array<{start(): void; stop(): Promise<void> | void; status(): LogSourceStatus}>;
};

export type LogBatch = {
	source: string;
	lines: number;
	alerts: LogLine[];
	lastLines: string[];
	/** Records from an AlertFeed (tracebacks grouped, context kept): new alerts and later changes. */
	changes?: AlertChange[];
};

export type IncidentContext = {
	alert: Alert;
	lastLines: string[];
	lastAlerts: Alert[];
	snapshot: Snapshot;
};

type Listener = () => void;

const historyWindowMs = 5 * 60_000;

/**
 * Merges probe samples into bounded buffers, runs the analysis, and publishes one immutable snapshot per
 * tick. The screen and the JSON output both render these snapshots.
 */
export class MonitorStore {
	private snapshot: Snapshot;
	private readonly listeners = new Set<Listener>();
	private readonly latency: RingBuffer<number | null>;
	private readonly alerts: AlertBook;
	private readonly lastLines = new RingBuffer<string>(20);
	private readonly portTracker = new PortTracker();
	private readonly rss = new Map<string, RssHistory>();
	private readonly matcher: RegExp;
	private ports: PortReading[] | null = null;
	private processes: ProcessReading[] | null = null;
	private processStatuses: ProcessStatus[] = [];
	private system: SystemReading | null = null;
	private readonly inFlight = new Set<string>();
	private probeErrors = new Map<string, string>();
	private timer: NodeJS.Timeout | null = null;
	private running = false;
	private paused = false;
	private rounds = 0;
	private readonly roundWaiters: Array<() => void> = [];
	private pendingCritical: Alert | null = null;
	private pendingCriticalId: number | null = null;
	private readonly host = os.hostname();
	private readonly endpointPort: number | null;
	private readonly editor = new EditorStateRecogniser();

	constructor(
		private readonly config: Config,
		private readonly probes: MonitorProbes,
		private readonly opts: {
			now?: () => number;
			/**
			 * A critical alert arrived (or grew) since the last round; `context` builds the dump's
			 * content, a full snapshot, so it is asked for only when a dump is written.
			 */
			onCritical?: (context: () => IncidentContext) => void;
			/** How long the first round waits for the endpoint's first connection attempt. */
			firstRoundWaitMs?: number;
			/** How long a round waits for its probes before publishing (default 80 % of the interval). */
			roundBudgetMs?: number;
		} = {},
	) {
		this.latency = new RingBuffer(config.latency.window);
		this.alerts = new AlertBook({
			warningBurst: config.alerts.warningBurst,
			warningWindowMs: config.alerts.warningWindowMs,
		});
		this.matcher = linearRegExp(config.process.match);
		this.endpointPort = endpointPort(config.endpoint.url);
		this.snapshot = this.build();
	}

	private now(): number {
		return this.opts.now?.() ?? Date.now();
	}

	subscribe = (listener: Listener): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getSnapshot = (): Snapshot => this.snapshot;

	/** How many full probe rounds have been published. */
	get roundCount(): number {
		return this.rounds;
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.probes.endpoint.start();
		for (const log of this.probes.logs) log.start();
		// The first round waits (bounded) for the first connection attempt, so it reports a real ping
		// rather than "not connected yet".
		const ready = this.probes.endpoint.ready?.();
		if (!ready) {
			void this.tick();
			return;
		}
		let wait: NodeJS.Timeout | undefined;
		void Promise.race([
			ready,
			new Promise((resolve) => {
				wait = setTimeout(resolve, this.opts.firstRoundWaitMs ?? 1000);
			}),
		]).then(() => {
			clearTimeout(wait);
			void this.tick();
		});
	}

	async stop(): Promise<void> {
		this.running = false;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		await Promise.allSettled([
			this.probes.endpoint.stop(),
			...this.probes.logs.map(async (log) => log.stop()),
		]);
		for (const resolve of this.roundWaiters.splice(0)) resolve();
	}

	/** Resolves after the next full probe round has been published. */
	nextRound(): Promise<void> {
		return new Promise((resolve) => this.roundWaiters.push(resolve));
	}

	/** Freezes the screen; probes and log counting go on, so nothing is lost. */
	setPaused(paused: boolean): void {
		if (this.paused === paused) return;
		this.paused = paused;
		this.snapshot = paused ? {...this.snapshot, paused: true} : this.build();
		this.emit();
	}

	togglePause(): void {
		this.setPaused(!this.paused);
	}

	get isPaused(): boolean {
		return this.paused;
	}

	/** Log tails call this per read cycle; the next tick publishes the result. */
	ingest = (batch: LogBatch): void => {
		this.alerts.countLines(batch.lines);
		for (const line of batch.lastLines) this.lastLines.push(line);
		// The editor's play/simulate state and its plugin's connection come from its log lines.
		for (const line of batch.lastLines) this.editor.feed(line, this.now());
		for (const line of batch.alerts) {
			const alert = this.alerts.add(line);
			if (line.severity === 'critical') this.pendingCritical = alert;
		}
		for (const change of batch.changes ?? []) {
			const alert = this.alerts.apply(change);
			// The dump shows the newest state of the critical alert (its traceback may still be growing).
			if (alert?.severity !== 'critical') continue;
			if (change.isNew || this.pendingCriticalId === change.record.id) {
				this.pendingCritical = alert;
				this.pendingCriticalId = change.record.id;
			}
		}
	};

	/** Everything an incident dump needs, from the newest data. */
	incidentContext(alert?: Alert): IncidentContext {
		const snapshot = this.build();
		return {
			alert: alert ??
				this.alerts.newest(1)[0] ?? {
					severity: 'warning',
					source: 'mcptop',
					text: 'incident dump requested by the operator',
					count: 1,
					firstTime: snapshot.time,
					lastTime: snapshot.time,
				},
			lastLines: this.lastLines.toArray(),
			lastAlerts: this.alerts.newest(10),
			snapshot,
		};
	}

	private async tick(): Promise<void> {
		if (!this.running) return;
		const started = this.now();
		const round = [
			this.run(
				'ports',
				() => this.probes.ports.sample(),
				(v) => (this.ports = v),
			),
			this.run(
				'processes',
				() => this.probes.processes.sample(),
				(v) => (this.processes = v),
			),
			this.run(
				'system',
				() => this.probes.system.sample(),
				(v) => (this.system = v),
			),
			this.run(
				'endpoint',
				() => this.probes.endpoint.probe(),
				(s) => this.latency.push(s.ms),
			),
		];
		// A slow probe (a hung endpoint waits up to its timeout) must not hold back the others: publish at
		// most most of an interval after the tick started, with whatever has arrived.
		const budget =
			this.opts.roundBudgetMs ?? Math.max(50, Math.round(this.config.intervalMs * 0.8));
		let deadline: NodeJS.Timeout | undefined;
		await Promise.race([
			Promise.allSettled(round),
			new Promise((resolve) => {
				deadline = setTimeout(resolve, budget);
			}),
		]);
		clearTimeout(deadline);
		if (!this.running) return;
		this.publish();
		const elapsed = this.now() - started;
		this.timer = setTimeout(() => void this.tick(), Math.max(0, this.config.intervalMs - elapsed));
	}

	private async run<T>(
		name: string,
		fn: () => Promise<T>,
		save: (value: T) => void,
	): Promise<void> {
		if (this.inFlight.has(name)) return;
		this.inFlight.add(name);
		try {
			save(await fn());
			this.probeErrors.delete(name);
		} catch (error) {
			this.probeErrors.set(name, error instanceof Error ? error.message : String(error));
		} finally {
			this.inFlight.delete(name);
		}
	}

	/** A matching process holds a port but is not in the process list yet (just restarted): look now. */
	private rescanForNewServer(): void {
		const known = new Set((this.processes ?? []).map((p) => p.pid));
		const unseen = (this.ports ?? []).some(
			(p) =>
				p.pid !== null && !known.has(p.pid) && p.command !== null && this.matcher.test(p.command),
		);
		if (unseen) this.probes.processes.rescan?.();
	}

	/** After a restart the server listens again long before the backoff would try: try at once. */
	private retryEndpointWhenBack(): void {
		const endpoint = this.probes.endpoint.status();
		if (endpoint.state !== 'reconnecting' || this.endpointPort === null) return;
		if (this.ports?.some((p) => p.port === this.endpointPort && p.listening)) {
			this.probes.endpoint.retryNow?.();
		}
	}

	/** RSS trends advance once per round, never on an extra build (pause, incident dump). */
	private updateProcesses(now: number): void {
		const cfg = this.config;
		const seen = new Set<string>();
		this.processStatuses = (this.processes ?? []).map((r) => {
			const key = `${r.pid}:${r.startedAt}`;
			seen.add(key);
			let history = this.rss.get(key);
			if (!history) {
				history = new RssHistory({
					windowMs: historyWindowMs,
					capacity: Math.ceil(historyWindowMs / cfg.intervalMs) + 1,
					leakMbPerSec: cfg.thresholds.process.leakMbPerSec,
					leakSamples: cfg.thresholds.process.leakSamples,
				});
				this.rss.set(key, history);
			}
			return assessProcess(
				r,
				history.add(now, r.rssBytes, now - r.startedAt),
				cfg.thresholds.process,
				now,
			);
		});
		for (const key of this.rss.keys()) if (!seen.has(key)) this.rss.delete(key);
	}

	private publish(): void {
		this.rounds++;
		this.updateProcesses(this.now());
		this.retryEndpointWhenBack();
		this.rescanForNewServer();
		if (!this.paused) {
			this.snapshot = this.build();
			this.emit();
		}
		if (this.pendingCritical && this.opts.onCritical) {
			const alert = this.pendingCritical;
			this.pendingCritical = null;
			this.opts.onCritical(() => this.incidentContext(alert));
		}
		for (const resolve of this.roundWaiters.splice(0)) resolve();
	}

	private emit(): void {
		for (const listener of this.listeners) listener();
	}

	private build(): Snapshot {
		const now = this.now();
		// Each reason with the health it stands for: the header shows the worst first.
		const found: Array<{health: Health; text: string}> = [];
		const say = (health: Health, ...texts: string[]) => {
			for (const text of texts) found.push({health, text});
		};
		const cfg = this.config;
		const editor = this.editor.current();
		const ports = this.portTracker
			.assess(this.ports ?? [], this.matcher, now)
			.map((p) => assessPortClients(p, cfg.ports.find((c) => c.port === p.port)?.clients))
			.map((p) =>
				editor && cfg.ports.find((c) => c.port === p.port)?.clients ? {...p, editor} : p,
			);
		for (const p of ports) {
			// A port given as --port N is named "port N": say it once.
			const port = p.name === `port ${p.port}` ? p.name : `port ${p.port} (${p.name})`;
			if (!p.listening) say(p.health, `${port} is not listening`);
			else if (p.warning) say(p.health, p.warning);
			else if (p.health === 'WARN') say('WARN', `no clients connected on ${port}`);
		}
		const processes = this.processStatuses;
		for (const status of processes) say(status.health, ...status.reasons);
		if (this.processes !== null && processes.length === 0) {
			say('FAIL', `no process matches ${JSON.stringify(cfg.process.match)}`);
		}
		const system = this.system ? assessSystem(this.system, cfg.thresholds.system) : null;
		if (system) say(system.health, ...system.reasons);
		const latency = assessLatencyWindow(
			this.latency.toArray(),
			this.probes.endpoint.status(),
			cfg.thresholds.latency,
		);
		if (latency.health === 'FAIL') {
			say('FAIL', `endpoint ${latency.url}: ${latency.lastError ?? latency.state}`);
		} else if (latency.health === 'WARN') {
			say(
				'WARN',
				`endpoint latency ${latency.assessment}, ${latency.lossPercent.toFixed(0)}% loss`,
			);
		}
		const alerts = this.alerts.status(
			now,
			this.probes.logs.map((l) => l.status()),
		);
		// alerts.items is the same array while no alert changed (AlertBook.newest): panes and the JSON
		// writer tell "unchanged" by identity.
		if (alerts.meta) say(alerts.health, alerts.meta);
		else if (alerts.health === 'WARN') say('WARN', 'recent errors in the logs');
		for (const [name, error] of this.probeErrors) say('WARN', `${name} probe failed: ${error}`);
		// Array sort is stable: within one health the pane order stays.
		const reasons = found
			.sort((a, b) => healthRank(b.health) - healthRank(a.health))
			.map((r) => r.text);
		const processHealth: Health =
			this.processes === null
				? 'UNKNOWN'
				: processes.length === 0
					? 'FAIL'
					: worst(...processes.map((p) => p.health));
		const health =
			this.rounds === 0 && this.ports === null
				? 'UNKNOWN'
				: worst(
						...ports.map((p) => p.health),
						processHealth,
						system?.health ?? 'OK',
						latency.health,
						alerts.health,
						this.probeErrors.size > 0 ? 'WARN' : 'OK',
					);
		return {
			time: now,
			host: this.host,
			profile: cfg.profile,
			intervalMs: cfg.intervalMs,
			paused: this.paused,
			health,
			reasons,
			ports,
			processes,
			system,
			latency,
			alerts,
			triage: triageReasons(found),
			editor,
		};
	}
}
