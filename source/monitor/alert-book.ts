import {withoutTimestamp} from '../lib/log-line.js';
import {RingBuffer} from '../lib/ring.js';
import type {Alert, AlertsStatus, Health, LogLine, LogSourceStatus, Severity} from '../types.js';

const rank: Record<Severity, number> = {critical: 3, error: 2, warning: 1};

/**
 * Alerts from every tailed log: identical lines merged with a repeat count, newest first, totals per
 * severity exact however many lines arrive, and a meta-alert on a burst of warnings.
 */
export class AlertBook {
	private readonly byKey = new Map<string, Alert>();
	private readonly totals: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
	private readonly warningTimes: RingBuffer<number>;
	private readonly recentSevere: RingBuffer<{time: number; severity: Severity}>;
	private linesRead = 0;

	constructor(
		private readonly opts: {capacity?: number; warningBurst: number; warningWindowMs: number},
	) {
		this.warningTimes = new RingBuffer(Math.max(opts.warningBurst + 1, 64));
		this.recentSevere = new RingBuffer(256);
	}

	get capacity(): number {
		return this.opts.capacity ?? 500;
	}

	countLines(n: number): void {
		this.linesRead += n;
	}

	add(line: LogLine): Alert {
		this.totals[line.severity]++;
		if (line.severity === 'warning') this.warningTimes.push(line.time);
		else this.recentSevere.push({time: line.time, severity: line.severity});
		const key = `${line.severity}\u0000${line.source}\u0000${withoutTimestamp(line.text)}`;
		const existing = this.byKey.get(key);
		if (existing) {
			// Shown with the newest line's own text (its timestamp), counted as one alert.
			const updated = {
				...existing,
				text: line.text,
				count: existing.count + 1,
				lastTime: line.time,
			};
			// Delete and set again: a Map keeps insertion order, so this moves the alert to the newest end.
			this.byKey.delete(key);
			this.byKey.set(key, updated);
			return updated;
		}
		const alert: Alert = {
			severity: line.severity,
			source: line.source,
			text: line.text,
			count: 1,
			firstTime: line.time,
			lastTime: line.time,
		};
		this.byKey.set(key, alert);
		if (this.byKey.size > this.capacity) {
			const oldest = this.byKey.keys().next().value;
			if (oldest !== undefined) this.byKey.delete(oldest);
		}
		return alert;
	}

	/** Newest first. */
	newest(n: number): Alert[] {
		const all = [...this.byKey.values()];
		return all.slice(Math.max(0, all.length - n)).reverse();
	}

	status(now: number, sources: LogSourceStatus[]): AlertsStatus {
		const windowStart = now - this.opts.warningWindowMs;
		this.warningTimes.dropWhile((t) => t < windowStart);
		this.recentSevere.dropWhile((a) => a.time < windowStart);
		const recentWarnings = this.warningTimes.length;
		// The ring holds at most `capacity` times; past the threshold the exact count no longer matters.
		const burst = recentWarnings > this.opts.warningBurst;
		const meta = burst
			? `high warning frequency: ${recentWarnings >= this.warningTimes.capacity ? `${recentWarnings}+` : recentWarnings} warnings in ${Math.round(this.opts.warningWindowMs / 60_000)} min`
			: null;
		let worst = 0;
		for (const a of this.recentSevere.toArray()) worst = Math.max(worst, rank[a.severity]);
		const health: Health =
			worst > 0 || burst || sources.some((s) => s.state === 'error') ? 'WARN' : 'OK';
		return {
			items: this.newest(this.capacity),
			totals: {...this.totals},
			linesRead: this.linesRead,
			recentWarnings,
			meta,
			sources,
			health,
		};
	}
}
