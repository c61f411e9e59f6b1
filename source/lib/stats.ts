import type {Assessment} from '../types.js';

export type LatencyBands = {excellentMs: number; goodMs: number; acceptableMs: number};

/** SPEC 3: < 100 ms Excellent, < 500 Good, < 1000 Acceptable, else Poor. */
export const defaultLatencyBands: LatencyBands = {
	excellentMs: 100,
	goodMs: 500,
	acceptableMs: 1000,
};

export type Summary = {
	count: number;
	mean: number | null;
	median: number | null;
	/** Sample standard deviation (n - 1), like Python's statistics.stdev; 0 for a single value. */
	stdev: number | null;
	min: number | null;
	max: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
};

function finiteSorted(values: readonly number[]): number[] {
	return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

function percentileOfSorted(sorted: readonly number[], p: number): number | null {
	if (sorted.length === 0) return null;
	const clamped = Math.min(100, Math.max(0, Number.isFinite(p) ? p : 0));
	// Linear interpolation between closest ranks (numpy's default), so p50 is the median.
	const rank = (clamped / 100) * (sorted.length - 1);
	const lower = Math.floor(rank);
	const upper = Math.ceil(rank);
	const low = sorted[lower]!;
	const high = sorted[upper]!;
	return low + (high - low) * (rank - lower);
}

/**
 * The p-th percentile (0–100) of the values, sorted or not; non-finite values are ignored.
 * Null when there is nothing to measure.
 */
export function percentile(values: readonly number[], p: number): number | null {
	return percentileOfSorted(finiteSorted(values), p);
}

export function mean(values: readonly number[]): number | null {
	const finite = values.filter((v) => Number.isFinite(v));
	if (finite.length === 0) return null;
	return finite.reduce((sum, v) => sum + v, 0) / finite.length;
}

export function median(values: readonly number[]): number | null {
	return percentile(values, 50);
}

export function stdev(values: readonly number[]): number | null {
	const finite = values.filter((v) => Number.isFinite(v));
	if (finite.length === 0) return null;
	if (finite.length === 1) return 0;
	const m = finite.reduce((sum, v) => sum + v, 0) / finite.length;
	const squares = finite.reduce((sum, v) => sum + (v - m) ** 2, 0);
	return Math.sqrt(squares / (finite.length - 1));
}

export function summarize(values: readonly number[]): Summary {
	const sorted = finiteSorted(values);
	if (sorted.length === 0) {
		return {
			count: 0,
			mean: null,
			median: null,
			stdev: null,
			min: null,
			max: null,
			p50: null,
			p95: null,
			p99: null,
		};
	}
	const p50 = percentileOfSorted(sorted, 50);
	return {
		count: sorted.length,
		mean: mean(sorted),
		median: p50,
		stdev: stdev(sorted),
		min: sorted[0]!,
		max: sorted[sorted.length - 1]!,
		p50,
		p95: percentileOfSorted(sorted, 95),
		p99: percentileOfSorted(sorted, 99),
	};
}

/** Latency assessment word (SPEC 2/3); 'n/a' when there is no measurement. */
export function assessLatency(
	ms: number | null | undefined,
	bands: LatencyBands = defaultLatencyBands,
): Assessment {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'n/a';
	if (ms < bands.excellentMs) return 'Excellent';
	if (ms < bands.goodMs) return 'Good';
	if (ms < bands.acceptableMs) return 'Acceptable';
	return 'Poor';
}

/**
 * Concurrency test assessment (SPEC 5). `successRate` is a fraction (0.99 = 99 %), `rps` successful
 * requests per second: ≥ 99 % and ≥ 50 req/s Excellent; ≥ 95 % and ≥ 20 Good; ≥ 90 % Acceptable.
 */
export function assessConcurrency(successRate: number, rps: number): Assessment {
	if (!Number.isFinite(successRate) || !Number.isFinite(rps)) return 'n/a';
	if (successRate >= 0.99 && rps >= 50) return 'Excellent';
	if (successRate >= 0.95 && rps >= 20) return 'Good';
	if (successRate >= 0.9) return 'Acceptable';
	return 'Poor';
}

/** Rounds for display and JSON: latencies keep two decimals (10 µs). */
export function round2(value: number): number;
export function round2(value: number | null): number | null;
export function round2(value: number | null): number | null {
	return value === null ? null : Math.round(value * 100) / 100;
}

/** The most frequent messages with their counts, most frequent first. */
export function countErrors(messages: string[], top = 5): Array<{message: string; count: number}> {
	const counts = new Map<string, number>();
	for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
	return [...counts]
		.map(([message, count]) => ({message, count}))
		.sort((a, b) => b.count - a.count)
		.slice(0, top);
}
