import {PrometheusClient} from './prometheus.js';
import {readDetail, readFleet, type FleetData, type FleetDetail} from './rows.js';

export type FleetState = {data: FleetData | null; detail: FleetDetail | string | null};

/**
 * Asks Prometheus every refreshMs, one round at a time, and keeps only the newest answer: the fleet
 * view holds nothing Prometheus does not (it is the source of truth).
 */
export class FleetPoller {
	private state: FleetState = {data: null, detail: null};
	private readonly listeners = new Set<() => void>();
	private timer: NodeJS.Timeout | null = null;
	private inFlight = false;
	private detailFor: string | null = null;
	private stopped = false;

	constructor(
		private readonly client: PrometheusClient,
		private readonly match: string,
		private readonly refreshMs: number,
	) {}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getState = (): FleetState => this.state;

	start(): void {
		void this.refresh();
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}

	/** Opens (instance) or closes (null) one machine's detail; it refreshes with the rows. */
	showDetail(instance: string | null): void {
		this.detailFor = instance;
		this.set({...this.state, detail: null});
		if (instance !== null) void this.loadDetail(instance);
	}

	async refresh(): Promise<void> {
		if (this.inFlight || this.stopped) return;
		this.inFlight = true;
		if (this.timer) clearTimeout(this.timer);
		try {
			const data = await readFleet(this.client, this.match);
			if (this.stopped) return;
			this.set({...this.state, data});
			if (this.detailFor !== null) await this.loadDetail(this.detailFor);
		} finally {
			this.inFlight = false;
			if (!this.stopped) this.timer = setTimeout(() => void this.refresh(), this.refreshMs);
		}
	}

	private async loadDetail(instance: string): Promise<void> {
		const detail = await readDetail(this.client, this.match, instance);
		if (this.detailFor === instance && !this.stopped) this.set({...this.state, detail});
	}

	private set(state: FleetState): void {
		this.state = state;
		for (const listener of this.listeners) listener();
	}
}
