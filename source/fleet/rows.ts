import {sanitizeText} from '../lib/sanitize.js';
import type {Health} from '../types.js';
import type {PrometheusClient, PromSample} from './prometheus.js';

/** DOWN: Prometheus cannot scrape that machine's mcptop at all. */
export type FleetHealth = Health | 'DOWN';

/** One build machine, every figure read from Prometheus at `time`. */
export type FleetRow = {
	instance: string;
	/** The host mcptop reports (mcptop_info), else the instance. */
	host: string;
	health: FleetHealth;
	/** probe_success: the MCP endpoint answered the last probe. */
	endpointUp: boolean | null;
	latencyP95Ms: number | null;
	lossPercent: number | null;
	rssMb: number | null;
	rssTrendMbPerMin: number | null;
	leak: boolean;
	alertsLastHour: {critical: number; error: number; warning: number};
	/** Epoch ms the newest server process started (its last restart). */
	lastRestart: number | null;
};

export type FleetData = {time: number; rows: FleetRow[]; errors: string[]};

export type FleetDetail = {
	instance: string;
	series: Array<{name: string; labels: Record<string, string>; value: number}>;
};

export const sortKeys = ['health', 'host', 'latency', 'loss', 'rss', 'alerts', 'restart'] as const;
export type SortKey = (typeof sortKeys)[number];

const fleetHealthRank: Record<FleetHealth, number> = {
	DOWN: 4,
	FAIL: 3,
	WARN: 2,
	UNKNOWN: 1,
	OK: 0,
};

const mib = 1024 * 1024;

/** The queries, one per figure across every machine: their number does not grow with the fleet. */
export function fleetQueries(match: string): Record<string, string> {
	const m = (extra = '') => `{${match}${extra}}`;
	return {
		up: `up${m()}`,
		health: `mcptop_health${m()} == 1`,
		info: `mcptop_info${m()}`,
		probe: `probe_success${m()}`,
		p95: `histogram_quantile(0.95, sum by (instance, le) (rate(mcptop_mcp_request_duration_seconds_bucket${m()}[5m])))`,
		loss: `sum by (instance) (increase(mcptop_endpoint_probes_total${m(',result="failure"')}[5m])) / sum by (instance) (increase(mcptop_endpoint_probes_total${m()}[5m]))`,
		rss: `sum by (instance) (mcptop_process_resident_memory_bytes${m()})`,
		trend: `sum by (instance) (deriv(mcptop_process_resident_memory_bytes${m()}[10m]))`,
		leak: `max by (instance) (mcptop_process_leak${m()})`,
		alerts: `sum by (instance, severity) (increase(mcptop_alerts_total${m()}[1h]))`,
		restart: `max by (instance) (mcptop_process_start_time_seconds${m()})`,
	};
}

const finite = (v: number | undefined): number | null =>
	v === undefined || !Number.isFinite(v) ? null : v;

/** Label values come from other machines: no control character reaches the screen. */
const clean = (text: string | undefined): string => sanitizeText(text ?? '', 200);

function byInstance(samples: PromSample[]): Map<string, PromSample[]> {
	const map = new Map<string, PromSample[]>();
	for (const s of samples) {
		const key = s.labels['instance'] ?? '';
		const list = map.get(key);
		if (list) list.push(s);
		else map.set(key, [s]);
	}
	return map;
}

/** Reads the fleet from Prometheus: every machine it scrapes with the matcher, one row each. */
export async function readFleet(client: PrometheusClient, match: string): Promise<FleetData> {
	const queries = fleetQueries(match);
	const names = Object.keys(queries);
	const time = Date.now();
	const answers = await Promise.all(names.map((name) => client.query(queries[name] ?? '', time)));
	const errors: string[] = [];
	const got: Record<string, Map<string, PromSample[]>> = {};
	names.forEach((name, i) => {
		const answer = answers[i];
		if (!answer) return;
		if (!answer.ok) {
			if (!errors.includes(answer.error)) errors.push(answer.error);
			got[name] = new Map();
		} else got[name] = byInstance(answer.samples);
	});
	const first = (name: string, instance: string) => got[name]?.get(instance)?.[0];
	const instances = new Set<string>([...(got['up']?.keys() ?? []), ...(got['info']?.keys() ?? [])]);
	const rows: FleetRow[] = [];
	for (const instance of instances) {
		if (instance === '') continue;
		const up = first('up', instance)?.value;
		const state = first('health', instance)?.labels['state'];
		const health: FleetHealth =
			up === 0
				? 'DOWN'
				: state === 'OK' || state === 'WARN' || state === 'FAIL'
					? state
					: 'UNKNOWN';
		const alerts = {critical: 0, error: 0, warning: 0};
		for (const s of got['alerts']?.get(instance) ?? []) {
			const severity = s.labels['severity'];
			if (severity === 'critical' || severity === 'error' || severity === 'warning')
				alerts[severity] = Math.round(finite(s.value) ?? 0);
		}
		const probe = finite(first('probe', instance)?.value);
		const p95 = finite(first('p95', instance)?.value);
		const loss = finite(first('loss', instance)?.value);
		const rss = finite(first('rss', instance)?.value);
		const trend = finite(first('trend', instance)?.value);
		const restart = finite(first('restart', instance)?.value);
		rows.push({
			instance: clean(instance),
			host: clean(first('info', instance)?.labels['host'] ?? instance),
			health,
			endpointUp: probe === null ? null : probe === 1,
			latencyP95Ms: p95 === null ? null : Math.round(p95 * 100_000) / 100,
			lossPercent: loss === null ? null : Math.round(loss * 1000) / 10,
			rssMb: rss === null ? null : Math.round((rss / mib) * 10) / 10,
			rssTrendMbPerMin: trend === null ? null : Math.round(((trend * 60) / mib) * 100) / 100,
			leak: (finite(first('leak', instance)?.value) ?? 0) > 0,
			alertsLastHour: alerts,
			lastRestart: restart === null || restart <= 0 ? null : restart * 1000,
		});
	}
	return {time, rows: sortRows(rows, 'health', false), errors};
}

/** Every mcptop and probe series of one machine: the detail view, from the same source. */
export async function readDetail(
	client: PrometheusClient,
	match: string,
	instance: string,
): Promise<FleetDetail | string> {
	const quoted = JSON.stringify(instance);
	const answer = await client.query(
		`{${match},instance=${quoted},__name__=~"mcptop_.*|probe_.*|up"}`,
	);
	if (!answer.ok) return answer.error;
	const series = answer.samples
		.filter((s) => !/_bucket$/.test(s.labels['__name__'] ?? ''))
		.map((s) => {
			const {__name__: name = '', instance: _i, job: _j, ...labels} = s.labels;
			const cleaned: Record<string, string> = {};
			for (const [k, v] of Object.entries(labels)) cleaned[clean(k)] = clean(v);
			return {name: clean(name), labels: cleaned, value: s.value};
		})
		.sort(
			(a, b) =>
				a.name.localeCompare(b.name) ||
				JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)),
		);
	return {instance: clean(instance), series};
}

const alertCount = (r: FleetRow) =>
	r.alertsLastHour.critical + r.alertsLastHour.error + r.alertsLastHour.warning;

function compare(a: FleetRow, b: FleetRow, key: SortKey): number {
	// Unknown figures sort last whatever the direction.
	const num = (x: number | null, y: number | null) =>
		x === null ? (y === null ? 0 : 1) : y === null ? -1 : y - x;
	switch (key) {
		case 'health':
			return fleetHealthRank[b.health] - fleetHealthRank[a.health];
		case 'host':
			return a.host.localeCompare(b.host);
		case 'latency':
			return num(a.latencyP95Ms, b.latencyP95Ms);
		case 'loss':
			return num(a.lossPercent, b.lossPercent);
		case 'rss':
			return num(a.rssMb, b.rssMb);
		case 'alerts':
			return alertCount(b) - alertCount(a);
		case 'restart':
			return num(a.lastRestart, b.lastRestart);
	}
}

/** Worst first by default (health, the highest latency, …); `reverse` flips it. Ties by host. */
export function sortRows(rows: FleetRow[], key: SortKey, reverse: boolean): FleetRow[] {
	return [...rows].sort((a, b) => {
		const c = compare(a, b, key);
		if (c !== 0) return reverse ? -c : c;
		return a.host.localeCompare(b.host) || a.instance.localeCompare(b.instance);
	});
}

/** Case-insensitive substring of host, instance or health word. */
export function filterRows(rows: FleetRow[], filter: string): FleetRow[] {
	const f = filter.trim().toLowerCase();
	if (f === '') return rows;
	return rows.filter(
		(r) =>
			r.host.toLowerCase().includes(f) ||
			r.instance.toLowerCase().includes(f) ||
			r.health.toLowerCase() === f,
	);
}

export function fleetExitCode(data: FleetData): number {
	if (data.errors.length > 0 && data.rows.length === 0) return 1;
	return data.rows.every((r) => r.health === 'OK') && data.rows.length > 0 ? 0 : 1;
}
