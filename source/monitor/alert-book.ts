import {withoutTimestamp} from '../lib/log-line.js';
import {RingBuffer} from '../lib/ring.js';
import type {Alert, AlertsStatus, Health, LogLine, LogSourceStatus, Severity} from '../types.js';
import type {LogRecord} from '../logs/log-records.js';

/** A log record as the book needs it (source/logs/log-records.ts makes these). */
export type AlertRecord = Omit<LogRecord, 'probeEcho'>;

/** A record to show (new) or one that changed since (more traceback, after-context, closed). */
export type AlertChange = {record: AlertRecord; isNew: boolean};

type AlertDetails = Pick<Alert, 'text'> &
	Partial<Pick<Alert, 'traceback' | 'tracebackLines' | 'context' | 'errorType' | 'frame'>>;

// Records still changing, at most: older ones stop updating their alert (their counts stay).
const trackedRecords = 1000;

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
	/** Bumped by every change to the alerts; `newest` copies them again only after one. */
	private version = 0;
	private shown: {version: number; items: Alert[]} | null = null;
	/** Which alert key a still-changing record shows itself under; the key's current owner. */
	private readonly keyOfRecord = new Map<number, string>();
	private readonly ownerOfKey = new Map<string, number>();

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

	/**
	 * Applies one record change. A record shows as its own alert while its traceback may still grow;
	 * once closed it collapses with identical alerts: by exception type and innermost frame when its
	 * traceback names them, else by its text without the timestamp. Returns the alert it shows in now.
	 */
	apply(change: AlertChange): Alert | null {
		const r = change.record;
		if (r.severity === null) return null;
		this.version++;
		let key: string | undefined;
		if (change.isNew) {
			this.count(r.severity, r.time);
			key = r.closed ? this.finalKey(r) : `open\u0000${r.id}`;
			const existing = this.byKey.get(key);
			this.put(key, existing ? this.merged(existing, r, 1) : this.fresh(r));
		} else {
			key = this.keyOfRecord.get(r.id);
			if (key === undefined) return null;
			const current = this.byKey.get(key);
			if (!current) return this.forget(r.id);
			const next = r.closed ? this.finalKey(r) : key;
			if (next === key) {
				this.byKey.set(key, {...current, ...this.details(r)});
			} else {
				this.byKey.delete(key);
				this.ownerOfKey.delete(key);
				const existing = this.byKey.get(next);
				this.put(
					next,
					existing ? this.merged(existing, r, current.count) : {...current, ...this.details(r)},
				);
				key = next;
			}
		}
		if (r.done) this.forget(r.id);
		else this.track(r.id, key);
		return this.byKey.get(key) ?? null;
	}

	private count(severity: Severity, time: number): void {
		this.totals[severity]++;
		if (severity === 'warning') this.warningTimes.push(time);
		else this.recentSevere.push({time, severity});
	}

	private finalKey(r: AlertRecord): string {
		return r.errorType !== null && r.frame !== null
			? `${r.severity}\u0000${r.source}\u0001${r.errorType}\u0000${r.frame}`
			: `${r.severity}\u0000${r.source}\u0000${withoutTimestamp(r.text)}`;
	}

	private details(r: AlertRecord): AlertDetails {
		const details: AlertDetails = {text: r.text};
		if (r.tracebackLines > 0) {
			details.traceback = [...r.traceback];
			details.tracebackLines = r.tracebackLines;
		}
		if (r.before.length > 0 || r.after.length > 0)
			details.context = {before: [...r.before], after: [...r.after]};
		if (r.errorType !== null) details.errorType = r.errorType;
		if (r.frame !== null) details.frame = r.frame;
		return details;
	}

	private fresh(r: AlertRecord): Alert {
		return {
			severity: r.severity!,
			source: r.source,
			count: 1,
			firstTime: r.time,
			lastTime: r.time,
			...this.details(r),
		};
	}

	private merged(existing: Alert, r: AlertRecord, count: number): Alert {
		// The newest occurrence is shown (its text, traceback, context); the count and times cover all.
		return {
			severity: existing.severity,
			source: existing.source,
			...this.details(r),
			count: existing.count + count,
			firstTime: Math.min(existing.firstTime, r.time),
			lastTime: Math.max(existing.lastTime, r.time),
		};
	}

	/** Sets an alert at the newest end, evicting the oldest past capacity. */
	private put(key: string, alert: Alert): void {
		const previous = this.ownerOfKey.get(key);
		if (previous !== undefined) this.keyOfRecord.delete(previous);
		this.ownerOfKey.delete(key);
		this.byKey.delete(key);
		this.byKey.set(key, alert);
		if (this.byKey.size > this.capacity) {
			const oldest = this.byKey.keys().next().value;
			if (oldest !== undefined) {
				this.byKey.delete(oldest);
				const owner = this.ownerOfKey.get(oldest);
				if (owner !== undefined) this.forget(owner);
			}
		}
	}

	private track(id: number, key: string): void {
		this.keyOfRecord.set(id, key);
		this.ownerOfKey.set(key, id);
		if (this.keyOfRecord.size > trackedRecords) {
			const oldest = this.keyOfRecord.keys().next().value;
			if (oldest !== undefined) this.forget(oldest);
		}
	}

	private forget(id: number): null {
		const key = this.keyOfRecord.get(id);
		this.keyOfRecord.delete(id);
		if (key !== undefined && this.ownerOfKey.get(key) === id) this.ownerOfKey.delete(key);
		return null;
	}

	add(line: LogLine): Alert {
		this.version++;
		this.count(line.severity, line.time);
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

	/**
	 * Newest first. The same array until the book changes (any alert added, merged or given more
	 * traceback or context), so a snapshot, a pane and the JSON writer can tell "unchanged" by identity.
	 */
	newest(n: number): Alert[] {
		if (this.shown?.version !== this.version) {
			this.shown = {version: this.version, items: [...this.byKey.values()].reverse()};
		}
		const all = this.shown.items;
		return n >= all.length ? all : all.slice(0, n);
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
