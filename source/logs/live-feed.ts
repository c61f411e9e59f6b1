import type {AlertChange} from '../monitor/alert-book.js';
import type {AlertClassifier} from '../monitor/alert-rules.js';
import type {LogTailBatch} from '../probes/log-tail.js';
import type {LogSourceStatus, Severity} from '../types.js';
import {LogRecordReader, type LogRecord} from './log-records.js';

/** What the store takes from one read cycle (MonitorStore.ingest's LogBatch, with changes). */
export type AlertFeedBatch = {
	source: string;
	lines: number;
	alerts: [];
	lastLines: string[];
	changes: AlertChange[];
};

export type AlertFeedOptions = {
	source: string;
	classifier: AlertClassifier;
	contextLines: number;
	ingest: (batch: AlertFeedBatch) => void;
	/** A traceback still open this long after its last line is complete (default 1000 ms). */
	quietMs?: number;
	now?: () => number;
};

type Followed = {start(): void; stop(): Promise<void> | void; status(): LogSourceStatus};

/**
 * Sits between a log tail and the store: the tail hands it every line through its classifier hook
 * (in file order), the records reader groups tracebacks and keeps context, and each read cycle's
 * changes go to the store at once. A traceback whose writer went quiet is closed by a timer.
 */
export class AlertFeed {
	private readonly reader: LogRecordReader;
	private readonly pending = new Map<number, AlertChange>();
	private readonly quietMs: number;
	private readonly now: () => number;
	private timer: NodeJS.Timeout | null = null;
	private started = false;
	private source: string;

	/** Give this to the tail: it sees every line; the alerts come from the feed, not the tail. */
	readonly classifier: AlertClassifier;

	constructor(private readonly opts: AlertFeedOptions) {
		this.source = opts.source;
		this.quietMs = Math.max(50, opts.quietMs ?? 1000);
		this.now = opts.now ?? Date.now;
		this.reader = new LogRecordReader({
			source: opts.source,
			classifier: opts.classifier,
			contextLines: opts.contextLines,
			now: this.now,
			onAlert: (record) => this.note(record, true),
			onChange: (record) => this.note(record, false),
		});
		this.classifier = {
			rules: opts.classifier.rules,
			classify: (line: string): Severity | null => {
				this.reader.line(line);
				return null;
			},
		};
	}

	/** The tail's onBatch. */
	onBatch = (batch: LogTailBatch): void => {
		this.source = batch.source;
		this.deliver(batch.lines, batch.lastLines);
		this.armQuietTimer();
	};

	/** The tail wrapped so that starting and stopping it also runs the quiet-close timer. */
	around(tail: Followed): Followed {
		return {
			start: () => {
				tail.start();
				this.start();
			},
			stop: () => {
				this.stop();
				return tail.stop();
			},
			status: () => tail.status(),
		};
	}

	/** Whether a timer is set to close a record when its writer goes quiet (none while idle). */
	get waitingForQuiet(): boolean {
		return this.timer !== null;
	}

	start(): void {
		this.started = true;
		this.armQuietTimer();
	}

	stop(): void {
		this.started = false;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}

	/** Closes an open traceback whose writer has been quiet for quietMs. */
	closeIfQuiet(): void {
		if (!this.reader.hasOpenRecord || this.now() - this.reader.lastLineAt < this.quietMs) return;
		this.reader.close();
		this.deliver(0, []);
	}

	/**
	 * A timer only while a record is open, due when it would be quiet long enough: an idle log (or
	 * one with no traceback under way) wakes nobody. Each tailed file had a 500 ms interval of its
	 * own before, two wake-ups a second per file for nothing (BENCHMARKS.md, seventh round).
	 */
	private armQuietTimer(): void {
		if (!this.started || this.timer || !this.reader.hasOpenRecord) return;
		const due = this.reader.lastLineAt + this.quietMs - this.now();
		this.timer = setTimeout(
			() => {
				this.timer = null;
				this.closeIfQuiet();
				this.armQuietTimer();
			},
			Math.max(10, due),
		);
		this.timer.unref();
	}

	private note(record: LogRecord, isNew: boolean): void {
		// Lines of a glob share one feed: the file whose batch comes next is the record's source.
		const seen = this.pending.get(record.id);
		// A record waiting for after-context changes with every line: one entry per batch, updated.
		if (seen) {
			seen.record = record;
			seen.isNew ||= isNew;
		} else this.pending.set(record.id, {record, isNew});
	}

	private deliver(lines: number, lastLines: string[]): void {
		if (lines === 0 && this.pending.size === 0) return;
		const changes: AlertChange[] = [];
		for (const change of this.pending.values()) {
			const r = change.record;
			if (change.isNew) r.source = this.source;
			// A copy: the reader keeps changing its record after this batch.
			changes.push({
				isNew: change.isNew,
				record: {...r, traceback: [...r.traceback], after: [...r.after]},
			});
		}
		this.pending.clear();
		this.opts.ingest({source: this.source, lines, alerts: [], lastLines, changes});
	}
}
