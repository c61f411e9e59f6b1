import os from 'node:os';
import type {ActionRunner} from '../actions/runner.js';
import {ReportCollector, reportsDir} from '../monitor/reports.js';
import type {MonitorProbes, MonitorStore} from '../monitor/store.js';
import type {Config} from '../types.js';
import {MetricsExposition} from './exposition.js';
import {isLoopback, parseListen} from './listen.js';
import {listenErrorText, startMetricsServer, type MetricsServer} from './server.js';
import {tapEndpoint, type ProbeListener} from './tap.js';
import {TextfileWriter} from './textfile.js';

export type TelemetryOptions = {
	/** Write health reports (serve and the screen; not --once). */
	reports: boolean;
	/**
	 * The exposition has a reader: /metrics (serve, --metrics-listen) or --once --prom; a textfile
	 * (metrics.textfile) is one too. Without one, no probe or snapshot is turned into metrics.
	 */
	expose: boolean;
	/** Where to say what goes wrong (a failed textfile write, a report that could not be saved). */
	warn: (message: string) => void;
	now?: () => number;
};

/**
 * What `mcptop serve` adds to the store, and the screen too when asked: the Prometheus exposition,
 * the optional /metrics server and textfile, and the health reports. All of it derives from the
 * store's snapshots and the endpoint's probes; nothing here probes anything itself.
 */
export class Telemetry {
	readonly exposition: MetricsExposition;
	readonly reports: ReportCollector | null;
	private server: MetricsServer | null = null;
	private textfile: TextfileWriter | null = null;
	private textfileProblem: string | null = null;
	private unsubscribe: (() => void) | null = null;
	private readonly stops: Array<() => void> = [];
	private readonly exposed: boolean;

	constructor(
		private readonly config: Config,
		private readonly opts: TelemetryOptions,
	) {
		const host = os.hostname();
		this.exposition = new MetricsExposition({host, profile: config.profile});
		this.reports =
			opts.reports && config.reports.enabled
				? new ReportCollector({
						host,
						profile: config.profile,
						everyMs: config.reports.everyMs,
						historyMs: config.reports.historyMs,
						dir: reportsDir(config.stateDir),
						keep: config.reports.keep,
						maxAgeMs: config.reports.maxAgeDays * 86_400_000,
						onError: opts.warn,
						...(opts.now ? {now: opts.now} : {}),
					})
				: null;
		if (config.metrics.textfile !== '') this.textfile = new TextfileWriter(config.metrics.textfile);
		this.exposed = opts.expose || this.textfile !== null;
	}

	/** The probes with the endpoint tapped: each round trip reaches the histogram and the reports. */
	tap(probes: MonitorProbes): MonitorProbes {
		const listeners: ProbeListener[] = [];
		if (this.exposed)
			listeners.push((sample, elapsedMs) => this.exposition.observeProbe(sample, elapsedMs));
		if (this.reports) listeners.push(this.reports.addProbe);
		return listeners.length === 0 ? probes : tapEndpoint(probes, listeners);
	}

	attach(store: MonitorStore): void {
		this.unsubscribe = store.subscribe(() => {
			const snapshot = store.getSnapshot();
			if (this.exposed) this.exposition.update(snapshot);
			this.reports?.addSnapshot(snapshot);
			if (this.textfile) void this.writeTextfile(this.textfile);
		});
		this.reports?.start();
	}

	/** Counts each action's result (the screen's runner; serve runs no actions). */
	watchActions(runner: ActionRunner): void {
		if (!this.exposed) return;
		let last: unknown = null;
		this.stops.push(
			runner.subscribe(() => {
				const state = runner.getState();
				if (state.phase !== 'done' || state === last) return;
				last = state;
				this.exposition.recordAction(state.kind, state.result.ok);
			}),
		);
	}

	private async writeTextfile(writer: TextfileWriter): Promise<void> {
		const {body} = await this.exposition.render('text');
		await writer.write(body);
		// Said once per new problem, not once a tick.
		if (writer.error !== this.textfileProblem) {
			this.textfileProblem = writer.error;
			if (writer.error) this.opts.warn(`--textfile: ${writer.error}`);
		}
	}

	/** Starts /metrics on metrics.listen; the error as one line for the operator, or null. */
	async listen(token: string | null): Promise<{url: string; warning: string | null} | string> {
		const address = parseListen(this.config.metrics.listen);
		if (typeof address === 'string') return `--metrics-listen: ${address}`;
		try {
			this.server = await startMetricsServer({
				listen: address,
				exposition: this.exposition,
				token,
				// Three missed ticks (a round may take its whole probe timeout) mean the collector is stuck.
				staleAfterMs: 3 * this.config.intervalMs + this.config.endpoint.timeoutMs,
			});
		} catch (error) {
			return listenErrorText(error, address);
		}
		const bound = this.server.address;
		const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
		return {
			url: `http://${host}:${bound.port}/metrics`,
			warning: isLoopback(address.host)
				? null
				: `/metrics listens on ${address.host}, reachable from the network${token === null ? ' without a token' : ''} (README "Metrics": bind to 127.0.0.1 unless this is meant)`,
		};
	}

	async stop(): Promise<void> {
		this.unsubscribe?.();
		for (const stop of this.stops.splice(0)) stop();
		await Promise.allSettled([this.server?.close(), this.reports?.stop(), this.textfile?.close()]);
	}
}

/** The /metrics token from the environment variable metrics.tokenEnv, never printed. */
export function readMetricsToken(config: Config, env = process.env): string | null {
	const value = env[config.metrics.tokenEnv];
	return value && value.trim() !== '' ? value.trim() : null;
}
