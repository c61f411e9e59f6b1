import {RingBuffer} from '../lib/ring.js';

export type RssTrend = {
	/** MB per minute, least-squares slope over the window; null until enough history. */
	mbPerMin: number | null;
	growthMb: number;
	leak: boolean;
	/** Why it is flagged as a leak, for the operator. */
	leakReason: string | null;
};

type Point = {t: number; mb: number};

const mb = 1024 * 1024;
const warmUpMs = 30_000;
const minSpanMs = 30_000;

/** RSS history of one process (keyed by pid + start time, so a reused PID starts fresh). */
export class RssHistory {
	private readonly points: RingBuffer<Point>;
	private baselineMb: number | null = null;
	private increasing = 0;

	constructor(
		private readonly opts: {
			windowMs: number;
			capacity: number;
			leakMbPerSec: number;
			leakSamples: number;
		},
	) {
		this.points = new RingBuffer(opts.capacity);
	}

	/**
	 * `uptimeMs`: a process grows while it starts up, so its history (slope, growth baseline, rises in a
	 * row) starts once it has run for the warm-up time (or at the first sample of a process first seen
	 * later than that).
	 */
	add(time: number, rssBytes: number, uptimeMs = Infinity): RssTrend {
		const value = rssBytes / mb;
		// A starting process allocates and collects in bursts: its slope would say -50 or +80 MB/min.
		// The trend starts from the steady state, as the growth baseline does.
		if (uptimeMs < warmUpMs) return {mbPerMin: null, growthMb: 0, leak: false, leakReason: null};
		const previous = this.points.newest();
		if (previous) this.increasing = value > previous.mb ? this.increasing + 1 : 0;
		this.baselineMb ??= value;
		this.points.push({t: time, mb: value});
		this.points.dropWhile((p) => p.t < time - this.opts.windowMs);
		return this.trend(value);
	}

	private trend(current: number): RssTrend {
		const pts = this.points.toArray();
		const growthMb = this.baselineMb === null ? 0 : current - this.baselineMb;
		const span = pts.length > 1 ? pts[pts.length - 1]!.t - pts[0]!.t : 0;
		let mbPerMin: number | null = null;
		// A slope over less than half a minute is noise, not a trend.
		if (pts.length >= 5 && span >= minSpanMs) {
			const t0 = pts[0]!.t;
			let sx = 0;
			let sy = 0;
			let sxx = 0;
			let sxy = 0;
			for (const p of pts) {
				const x = (p.t - t0) / 1000;
				sx += x;
				sy += p.mb;
				sxx += x * x;
				sxy += x * p.mb;
			}
			const n = pts.length;
			const den = n * sxx - sx * sx;
			if (den > 0) mbPerMin = ((n * sxy - sx * sy) / den) * 60;
		}
		let leakReason: string | null = null;
		// "Sustained": the slope only counts once the window spans at least a minute.
		if (mbPerMin !== null && span >= 60_000 && mbPerMin / 60 > this.opts.leakMbPerSec) {
			leakReason = `RSS growing ${(mbPerMin / 60).toFixed(2)} MB/s`;
		} else if (this.increasing >= this.opts.leakSamples && (mbPerMin ?? 0) >= 0) {
			// Counted only after the start-up warm-up (add() keeps no history before) and never against
			// a falling trend.
			leakReason = `RSS rose in ${this.increasing} consecutive samples`;
		}
		return {mbPerMin, growthMb, leak: leakReason !== null, leakReason};
	}
}
