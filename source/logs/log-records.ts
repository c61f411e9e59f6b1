import {alertMessage, hasTimestamp} from '../lib/log-line.js';
import {sanitizeText} from '../lib/sanitize.js';
import {declaredLevel, type AlertClassifier} from '../monitor/alert-rules.js';
import type {Severity} from '../types.js';

/**
 * One log record: a line that opens a record (timestamp or level), and for an ERROR/CRITICAL line
 * the lines after it up to the next such line (a Python traceback, chained exceptions).
 */
export type LogRecord = {
	id: number;
	source: string;
	/** The alert severity, or null: not an alert. */
	severity: Severity | null;
	/** The record's first line: sanitised and capped for an alert; as read for other records. */
	text: string;
	/** Epoch ms: the line's own time (history) or when mcptop read it (live). */
	time: number;
	/** Kept traceback lines, sanitised: the first ones, a gap marker, and the last ones. */
	traceback: string[];
	/** All traceback lines, kept or not. */
	tracebackLines: number;
	before: string[];
	after: string[];
	errorType: string | null;
	frame: string | null;
	/** No more traceback lines can join. */
	closed: boolean;
	/** Closed and its after-context is complete: it will not change again. */
	done: boolean;
	/**
	 * Caused by a monitor's bare TCP connect (mcptop's own port probe, nc -z, a load balancer's
	 * check): never an alert, counted apart.
	 */
	probeEcho: boolean;
};

export type LogRecordReaderOptions = {
	source: string;
	classifier: AlertClassifier;
	/** Lines kept before and after each alert. */
	contextLines: number;
	/** The time of a record from its first line (history: its timestamp); null: undated (NaN). */
	timeOf?: (line: string) => number | null;
	now?: () => number;
	/** An alert to show: called once per alert, when it opens (held probe-echo candidates: on close). */
	onAlert?: (record: LogRecord) => void;
	/** A shown alert changed: more traceback, after-context, closed. */
	onChange?: (record: LogRecord) => void;
	/** Every record once it is closed, alerts and others alike (the history counts these). */
	onRecord?: (record: LogRecord) => void;
};

const lineCap = 1000;
const tracebackHead = 20;
const tracebackTail = 180;

// `  File "/srv/mcp/server.py", line 42, in get_item`
const frameLine = /^\s+File "([^"]*)", line (\d+)(?:, in (.+))?$/;
// The exception line: `KeyError: 'x'`, `websockets.exceptions.InvalidMessage: did not receive …`,
// `asyncio.exceptions.CancelledError`. Not indented, a dotted name whose last part is a class name.
const exceptionLine = /^((?:[A-Za-z_]\w*\.)*([A-Z]\w*))(?::\s|:?$)/;
const notException = /^(?:Traceback|During handling|The above exception)\b/;
// Without a traceback, an exception class named in the message.
const namedException = /\b([A-Z][A-Za-z0-9]*(?:Error|Exception))\b/;

// What a bare connect that sends no request makes Python's websockets log (legacy and new servers):
// an INFO "connection failed (400 Bad Request)", or "opening handshake failed" with the EOF as cause.
const handshakeFailed = /^opening handshake failed$/i;
const bareConnectCause =
	/did not receive a valid HTTP request|connection closed while reading HTTP request line|stream ends after 0 bytes/i;
const rejectedBareConnect = /^connection (?:failed|rejected) \(400 Bad Request\)$/i;

function basename(file: string): string {
	const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
	return cut === -1 ? file : file.slice(cut + 1);
}

/** The exception class and innermost frame of a traceback's lines (raw, any order of arrival). */
export class TracebackFacts {
	errorType: string | null = null;
	frame: string | null = null;

	see(line: string): void {
		const first = line.charCodeAt(0);
		if (first === 0x20 || first === 0x09) {
			const m = frameLine.exec(line);
			if (m) this.frame = `${basename(m[1]!)}:${m[2]}${m[3] ? ` in ${m[3]}` : ''}`;
			return;
		}
		if (notException.test(line)) return;
		const m = exceptionLine.exec(line);
		if (m) this.errorType = m[2]!;
	}
}

/** An exception class the message names ("… KeyError …"), else null. */
export function errorTypeOf(text: string): string | null {
	return namedException.exec(alertMessage(text))?.[1] ?? null;
}

/**
 * Turns lines, in the order a file holds them, into records: classified once (the configured
 * classifier, level first), tracebacks grouped with their ERROR line, context kept. The live tail
 * and the history analysis both read through this, so they count alike.
 */
export class LogRecordReader {
	private readonly classifier: AlertClassifier;
	private readonly contextLines: number;
	private readonly now: () => number;
	private nextId = 1;
	private open: LogRecord | null = null;
	private openFacts: TracebackFacts | null = null;
	private openHeld = false;
	private openEchoCause = false;
	/** The tail of the traceback, as a ring (the head is in record.traceback). */
	private tail: string[] = [];
	private tailNext = 0;
	private readonly recent: string[] = [];
	private recentNext = 0;
	private waitingAfter: LogRecord[] = [];
	lastLineAt = 0;
	probeEchoes = 0;

	constructor(private readonly opts: LogRecordReaderOptions) {
		this.classifier = opts.classifier;
		this.contextLines = Math.max(0, Math.floor(opts.contextLines));
		this.now = opts.now ?? Date.now;
	}

	/** True while an ERROR/CRITICAL record may still take traceback lines. */
	get hasOpenRecord(): boolean {
		return this.open !== null;
	}

	/** One complete line (without its newline). Returns the alert severity of a new record, else null. */
	line(raw: string): Severity | null {
		this.lastLineAt = this.now();
		const open = this.open;
		if (open && !this.startsRecord(raw)) {
			this.feedAfter(raw);
			this.addTraceback(open, raw);
			this.remember(raw);
			return null;
		}
		if (open) this.close();
		this.feedAfter(raw);
		const severity = this.begin(raw);
		this.remember(raw);
		return severity;
	}

	/** Closes the open record (end of input, or the writer went quiet). */
	close(): void {
		const record = this.open;
		if (!record) return;
		this.open = null;
		const facts = this.openFacts!;
		this.openFacts = null;
		record.closed = true;
		record.errorType = facts.errorType ?? errorTypeOf(record.text);
		record.frame = facts.frame;
		if (this.tail.length > 0) {
			const skipped = record.tracebackLines - record.traceback.length - this.tail.length;
			if (skipped > 0) record.traceback.push(`… ${skipped} more traceback lines …`);
			const ordered = this.tail.slice(this.tailNext).concat(this.tail.slice(0, this.tailNext));
			for (const line of ordered) record.traceback.push(sanitizeText(line, lineCap));
			this.tail = [];
			this.tailNext = 0;
		}
		const held = this.openHeld;
		this.openHeld = false;
		if (held && this.openEchoCause) {
			this.echo(record);
			return;
		}
		if (this.contextLines > 0) this.waitingAfter.push(record);
		else record.done = true;
		if (held) this.opts.onAlert?.(record);
		else this.opts.onChange?.(record);
		this.opts.onRecord?.(record);
	}

	private startsRecord(raw: string): boolean {
		return hasTimestamp(raw) || declaredLevel(raw) !== null;
	}

	private begin(raw: string): Severity | null {
		const severity = this.classifier.classify(raw);
		// The live feed wants alerts only: other lines cost no record.
		if (severity === null && !this.opts.onRecord) return null;
		// History: the line's own time, NaN before any; live: when it was read.
		const time = this.opts.timeOf ? (this.opts.timeOf(raw) ?? Number.NaN) : this.now();
		// Other records are only counted, never shown: their text is not worth sanitising.
		const text = severity ? sanitizeText(raw, lineCap) : raw;
		const record: LogRecord = {
			id: this.nextId++,
			source: this.opts.source,
			severity,
			text,
			time,
			traceback: [],
			tracebackLines: 0,
			before: severity ? this.recentLines() : [],
			after: [],
			errorType: null,
			frame: null,
			closed: false,
			done: false,
			probeEcho: false,
		};
		const message = severity ? alertMessage(text) : '';
		if (severity && rejectedBareConnect.test(message)) {
			record.closed = true;
			this.echo(record);
			return null;
		}
		if (severity === 'error' || severity === 'critical') {
			this.open = record;
			this.openFacts = new TracebackFacts();
			this.openHeld = handshakeFailed.test(message);
			this.openEchoCause = false;
			if (!this.openHeld) this.opts.onAlert?.(record);
			return this.openHeld ? null : severity;
		}
		record.closed = true;
		record.errorType = severity ? errorTypeOf(text) : null;
		if (severity && this.contextLines > 0) this.waitingAfter.push(record);
		else record.done = true;
		if (severity) this.opts.onAlert?.(record);
		this.opts.onRecord?.(record);
		return severity;
	}

	private echo(record: LogRecord): void {
		record.probeEcho = true;
		record.severity = null;
		record.done = true;
		this.probeEchoes++;
		this.opts.onRecord?.(record);
	}

	private addTraceback(record: LogRecord, raw: string): void {
		record.tracebackLines++;
		this.openFacts!.see(raw);
		if (this.openHeld && !this.openEchoCause && bareConnectCause.test(raw))
			this.openEchoCause = true;
		if (record.traceback.length < tracebackHead) {
			record.traceback.push(sanitizeText(raw, lineCap));
			if (!this.openHeld) this.opts.onChange?.(record);
			return;
		}
		// The last lines (the innermost frames and the exception) matter most: keep a ring of them and
		// sanitise only the survivors, at close.
		if (this.tail.length < tracebackTail) this.tail.push(raw);
		else {
			this.tail[this.tailNext] = raw;
			this.tailNext = (this.tailNext + 1) % tracebackTail;
		}
	}

	private feedAfter(raw: string): void {
		if (this.waitingAfter.length === 0) return;
		const text = sanitizeText(raw, lineCap);
		let done = false;
		for (const record of this.waitingAfter) {
			record.after.push(text);
			if (record.after.length >= this.contextLines) record.done = done = true;
			this.opts.onChange?.(record);
		}
		// Every line while alerts wait for their after-context: a new list only when one is complete.
		if (done) this.waitingAfter = this.waitingAfter.filter((r) => !r.done);
	}

	private remember(raw: string): void {
		if (this.contextLines === 0) return;
		if (this.recent.length < this.contextLines) this.recent.push(raw);
		else {
			this.recent[this.recentNext] = raw;
			this.recentNext = (this.recentNext + 1) % this.contextLines;
		}
	}

	private recentLines(): string[] {
		const ordered = this.recent
			.slice(this.recentNext)
			.concat(this.recent.slice(0, this.recentNext));
		return ordered.map((line) => sanitizeText(line, lineCap));
	}
}
