import fs from 'node:fs';
import fsp, {type FileHandle} from 'node:fs/promises';
import path from 'node:path';
import {ellipsis, sanitizeText} from '../lib/sanitize.js';
import type {AlertClassifier} from '../monitor/alert-rules.js';
import type {LogLine, LogSourceStatus, Severity} from '../types.js';

/** What one read cycle found: delivered at most once per cycle, never once per line. */
export type LogTailBatch = {
	/** File basename, as shown in the alerts pane. */
	source: string;
	path: string;
	/** Complete lines read in this cycle. */
	lines: number;
	/** Lines that matched an alert rule, oldest first, text sanitised and capped. */
	alerts: LogLine[];
	/** The last up to 20 lines of this cycle, sanitised, oldest first (incident context). */
	lastLines: string[];
	/** Alerts in this batch per severity (the same numbers as counting `alerts`). */
	counts: Record<Severity, number>;
};

export type LogTailOptions = {
	path: string;
	classifier: AlertClassifier;
	/** Existing lines to read at start (default 0: start at the end, like `tail -F -n 0`). */
	backlogLines?: number;
	/**
	 * Interval of the stat check when no watch works, and while a rotated-away or deleted
	 * file is still read, which no watch event announces (default 250 ms).
	 */
	pollMs?: number;
	/**
	 * Interval of the stat check while a watch works: a backstop for filesystems whose
	 * watchers miss events (network, some container mounts) (default 5000 ms).
	 */
	backstopMs?: number;
	/**
	 * Shortest time from one watch-driven read cycle to the next: a writer that appends every few
	 * milliseconds costs a few cycles a second, not one per write (default 200 ms). While events come
	 * faster than that, the watch is closed and the file read every eventGapMs until a read finds
	 * nothing new (see afterCycle).
	 */
	eventGapMs?: number;
	/** Bytes of each line's text that are kept; longer lines are counted and cut (default 4096). */
	maxLineBytes?: number;
	onBatch: (batch: LogTailBatch) => void;
	now?: () => number;
	/** Size of one read (default 1 MiB). */
	chunkBytes?: number;
	/** Bytes read per cycle before yielding to the event loop (default 8 MiB). */
	maxBytesPerCycle?: number;
	/**
	 * How long a rotated-away or deleted file stays open after its last new byte, for writers that
	 * keep appending to the old file until they reopen their log (default 5000 ms).
	 */
	rotationGraceMs?: number;
	/** Watch for change events, which then drive the reads (default true). */
	watch?: boolean;
};

/** Internal counters, for tests and the benchmark. */
export type LogTailProgress = {
	bytesRead: number;
	cycles: number;
	/** Read position in the followed file, null when no file is open. */
	offset: number | null;
	/** Bytes of the held partial last line, and how many of them are kept in memory. */
	partialBytes: number;
	partialKeptBytes: number;
	/** Old files still open after a rotation or deletion. */
	retiredFiles: number;
	/** Change events handled (the path's own; others in the folder are not counted). */
	events: number;
	/** A watch is open (false while a busy file is read on a timer, or without a watch). */
	watching: boolean;
	/** What it watches: the followed file itself, or the folder while no file is followed. */
	watchKind: 'file' | 'folder' | null;
	/** Every call of the watch's callback, the folder's other files included: the wake-ups it costs. */
	watchCallbacks: number;
	/** Stats of the path (each cycle's look for a rotation, truncation or deletion). */
	pathStats: number;
};

/** Change events for the path between two read cycles that make it busy: read on a timer instead. */
const busyEvents = 4;

const contextLines = 20;
// Scanning backwards for backlog lines stops here: a start position inside a huge line skips it.
const backlogScanLimit = 16 * 1024 * 1024;
const backlogScanStep = 64 * 1024;
const watchRetryMs = 5000;

// One open file and where we are in it. A partial line belongs to its file: a rotated file's
// last line can still be completed by a writer that has not reopened its log yet.
type Cursor = {
	handle: FileHandle;
	dev: bigint;
	ino: bigint;
	offset: number;
	/** Kept bytes of the partial line (at most maxLineBytes + 4). */
	pieces: Buffer[];
	kept: number;
	/** All bytes of the partial line, kept or not: counting, not buffering. */
	total: number;
	lastByte: number;
	/** Started inside a line: drop bytes until the next newline. */
	skipToNewline: boolean;
	lastDataAt: number;
	/** When the path was first seen without this file (deleted), else null. */
	goneSince: number | null;
};

function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | null)?.code;
}

function isMissing(error: unknown): boolean {
	const code = errorCode(error);
	return code === 'ENOENT' || code === 'ENOTDIR';
}

// The path is shown next to these words, so they do not repeat it.
function describeError(error: unknown): string {
	const code = errorCode(error);
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
}

/** What a path is when it is not a regular file, in the operator's words; null for a regular file. */
export function notRegularFile(stat: fs.Stats | fs.BigIntStats): string | null {
	if (stat.isFile()) return null;
	const kind = stat.isFIFO()
		? 'FIFO'
		: stat.isCharacterDevice()
			? 'character device'
			: stat.isBlockDevice()
				? 'block device'
				: stat.isSocket()
					? 'socket'
					: stat.isDirectory()
						? 'directory'
						: stat.isSymbolicLink()
							? 'symbolic link'
							: 'unknown kind of file';
	return `not a regular file: ${kind}`;
}

// Read-only, and O_NONBLOCK: a path that turns into a FIFO between the stat and the open must not
// block a thread-pool thread until some writer appears (O_NONBLOCK changes nothing for regular files).
const openFlags =
	fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/**
 * Follows one log file like `tail -F`: from the end (or the last `backlogLines` lines), through
 * rotation by rename, copytruncate, deletion and re-creation, and a file that does not exist yet.
 * Change events (inotify on Linux) drive the reads, so a quiet file costs nothing: a watch on the
 * followed file itself (its writes, truncation, its rename or unlink), and on the folder only while
 * no file is followed (to see one created). A folder watch while following would wake mcptop for
 * every write to every other file there: an editor's log next to the server's is hundreds a second.
 * A stat every `backstopMs` catches what watchers miss on network and container filesystems (and a
 * symbolic link pointed elsewhere). Without a working watch, and while an old file is still read
 * after a rotation or a deletion, a stat every `pollMs` drives them.
 */
export class LogTail {
	private readonly file: string;
	private readonly source: string;
	private readonly classifier: AlertClassifier;
	private readonly backlogLines: number;
	private readonly pollMs: number;
	private readonly backstopMs: number;
	private readonly eventGapMs: number;
	private readonly maxLineBytes: number;
	private readonly onBatch: (batch: LogTailBatch) => void;
	private readonly now: () => number;
	private readonly maxBytesPerCycle: number;
	private readonly rotationGraceMs: number;
	private readonly useWatch: boolean;
	private readonly buffer: Buffer;

	private current: Cursor | null = null;
	private retired: Cursor[] = [];
	private hadFile = false;
	private sawNoFile = false;

	private state: LogSourceStatus['state'] = 'waiting';
	private error: string | null = null;
	private linesRead = 0;
	private rotations = 0;
	private truncations = 0;
	private bytesRead = 0;
	private cycles = 0;

	private started = false;
	private stopped = false;
	private running: Promise<void> | null = null;
	private again = false;
	private budget = 0;
	private timer: NodeJS.Timeout | null = null;
	private eventTimer: NodeJS.Timeout | null = null;
	private lastCycleAt = 0;
	private immediate: NodeJS.Immediate | null = null;
	private watcher: fs.FSWatcher | null = null;
	/** The inode the watch follows; null while it watches the folder. */
	private watchedIno: bigint | null = null;
	private watchCallbacks = 0;
	/** The followed file's watch said it was renamed or unlinked since the path's last stat. */
	private renamed = false;
	private lastPathStatAt = 0;
	private pathStats = 0;
	private watchRetryAt = 0;
	/** The file is written faster than cycles run: the watch is closed, a timer drives the reads. */
	private busy = false;
	private events = 0;
	private eventsSinceCycle = 0;

	private batchTime = 0;
	private batchLines = 0;
	private batchAlerts: LogLine[] = [];
	private batchCounts: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
	private readonly recentText: string[] = [];
	private readonly recentCut: boolean[] = [];
	private recentNext = 0;

	constructor(options: LogTailOptions) {
		this.file = options.path;
		this.source = path.basename(options.path);
		this.classifier = options.classifier;
		this.backlogLines = Math.max(0, Math.floor(options.backlogLines ?? 0));
		this.pollMs = Math.max(10, options.pollMs ?? 250);
		this.backstopMs = Math.max(this.pollMs, options.backstopMs ?? 5000);
		this.eventGapMs = Math.max(0, options.eventGapMs ?? 200);
		this.maxLineBytes = Math.max(16, Math.floor(options.maxLineBytes ?? 4096));
		this.onBatch = options.onBatch;
		this.now = options.now ?? Date.now;
		const chunkBytes = Math.max(4096, Math.floor(options.chunkBytes ?? 1024 * 1024));
		this.maxBytesPerCycle = Math.max(chunkBytes, options.maxBytesPerCycle ?? 8 * 1024 * 1024);
		this.rotationGraceMs = Math.max(0, options.rotationGraceMs ?? 5000);
		this.useWatch = options.watch ?? true;
		this.buffer = Buffer.allocUnsafe(chunkBytes);
	}

	start(): void {
		if (this.started || this.stopped) return;
		this.started = true;
		this.ensureWatcher();
		this.wake();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		if (this.eventTimer) clearTimeout(this.eventTimer);
		if (this.immediate) clearImmediate(this.immediate);
		this.timer = null;
		this.eventTimer = null;
		this.immediate = null;
		this.watcher?.close();
		this.watcher = null;
		await this.running;
		const cursors = this.current ? [this.current, ...this.retired] : this.retired;
		this.current = null;
		this.retired = [];
		await Promise.all(cursors.map((cursor) => cursor.handle.close().catch(() => undefined)));
	}

	status(): LogSourceStatus {
		return {
			path: this.file,
			state: this.state,
			error: this.error,
			linesRead: this.linesRead,
			rotations: this.rotations,
			truncations: this.truncations,
		};
	}

	progress(): LogTailProgress {
		const cursor = this.current;
		return {
			bytesRead: this.bytesRead,
			cycles: this.cycles,
			offset: cursor ? cursor.offset : null,
			partialBytes: cursor ? cursor.total : 0,
			partialKeptBytes: cursor ? cursor.kept : 0,
			retiredFiles: this.retired.length,
			events: this.events,
			watching: this.watcher !== null,
			watchKind: this.watcher === null ? null : this.watchedIno === null ? 'folder' : 'file',
			watchCallbacks: this.watchCallbacks,
			pathStats: this.pathStats,
		};
	}

	/** Asks for a read cycle soon; many wake-ups while one runs become one more cycle. */
	wake(): void {
		if (this.stopped || !this.started) return;
		if (this.running) {
			this.again = true;
			return;
		}
		this.running = this.runCycle();
	}

	/**
	 * The watch that fits the state: the followed file's own (inotify follows its inode through a
	 * rename, so the next cycle's stat of the path finds a rotation), else the folder's, where a
	 * file created at the path raises an event. Switched after each cycle as the state changes.
	 */
	private ensureWatcher(): void {
		if (!this.useWatch || this.stopped || this.busy) return;
		const cursor = this.current;
		const ino =
			cursor !== null && this.state === 'following' && cursor.goneSince === null
				? cursor.ino
				: null;
		if (this.watcher && this.watchedIno === ino) return;
		const now = Date.now();
		if (now < this.watchRetryAt) return;
		this.watcher?.close();
		this.watcher = null;
		try {
			// A file's watch may land on a newer file at the path (rotated since the stat): its events
			// still start cycles, whose stat finds the rotation and watches again.
			const watcher = fs.watch(
				ino === null ? path.dirname(this.file) : this.file,
				{persistent: false},
				(event, name) => {
					this.watchCallbacks++;
					if (name && name !== this.source) return;
					if (event === 'rename') this.renamed = true;
					this.onChange();
				},
			);
			watcher.on('error', () => {
				watcher.close();
				if (this.watcher === watcher) this.watcher = null;
				this.watchRetryAt = Date.now() + watchRetryMs;
				this.schedule();
			});
			this.watcher = watcher;
			this.watchedIno = ino;
			// What was written between the cycle's last look and this watch raised no event here.
			this.again = true;
		} catch {
			// Folder missing or out of inotify watches: the poll still works, try again later.
			this.watchRetryAt = now + watchRetryMs;
		}
	}

	/** A change event for the path: one read cycle soon, at most one per `eventGapMs`. */
	private onChange(): void {
		this.events++;
		this.eventsSinceCycle++;
		if (this.stopped || this.eventTimer) return;
		const wait = this.lastCycleAt + this.eventGapMs - Date.now();
		if (wait <= 0) return this.wake();
		this.eventTimer = setTimeout(() => {
			this.eventTimer = null;
			this.wake();
		}, wait);
		this.eventTimer.unref();
	}

	/**
	 * The next stat check. Fast when no event would tell: no watch, an old file still read after a
	 * rotation or deletion, the path gone while its file is open, or an error being retried. A path
	 * with no file yet is not among them: its creation is an event in the folder.
	 */
	private schedule(): void {
		if (this.stopped || !this.started) return;
		if (this.timer) clearTimeout(this.timer);
		const fast =
			this.watcher === null ||
			this.retired.length > 0 ||
			this.state === 'error' ||
			(this.current !== null && this.state !== 'following');
		this.timer = setTimeout(
			() => {
				this.timer = null;
				this.ensureWatcher();
				this.wake();
			},
			this.busy ? this.eventGapMs : fast ? this.pollMs : this.backstopMs,
		);
		this.timer.unref();
	}

	private async runCycle(): Promise<void> {
		const events = this.eventsSinceCycle;
		this.eventsSinceCycle = 0;
		const before = this.bytesRead;
		try {
			await this.cycle();
		} catch (error) {
			this.state = 'error';
			this.error = describeError(error);
		} finally {
			this.afterCycle(events, this.bytesRead - before);
			this.ensureWatcher();
			this.running = null;
			if (this.again && !this.stopped) {
				this.again = false;
				// Yield between cycles so a flood never holds the event loop.
				this.immediate = setImmediate(() => {
					this.immediate = null;
					this.wake();
				});
			}
			this.schedule();
		}
	}

	/**
	 * A writer that appends every few milliseconds raises an event per write (a Python logger writes
	 * each record on its own): hundreds to thousands a second, each a wake-up and a callback, to
	 * start a cycle every eventGapMs anyway. Once several events came between two cycles and the
	 * cycle found data, the watch is closed and a timer reads every eventGapMs; the first read that
	 * finds nothing new opens the watch again and looks once more, for what was written meanwhile.
	 * Rotation, truncation and deletion are found by each cycle's stat of the path, as before.
	 */
	private afterCycle(events: number, bytes: number): void {
		if (this.stopped) return;
		if (this.busy) {
			if (bytes > 0) return;
			this.busy = false;
			this.ensureWatcher();
			this.again = true;
		} else if (this.watcher && this.eventGapMs > 0 && events >= busyEvents && bytes > 0) {
			this.busy = true;
			this.watcher.close();
			this.watcher = null;
		}
	}

	private async cycle(): Promise<void> {
		this.cycles++;
		this.lastCycleAt = Date.now();
		this.batchTime = this.now();
		this.budget = this.maxBytesPerCycle;
		try {
			if (!(await this.readRetired())) return;
			if (!this.current) await this.openCurrent();
			// A few rounds of read-then-check; a file that keeps growing continues next cycle.
			for (let round = 0; round < 4; round++) {
				const cursor = this.current;
				if (!cursor || this.stopped) return;
				const before = this.bytesRead;
				if (!(await this.drain(cursor))) return;
				if (this.bytesRead > before && this.pathUnchanged(cursor)) return;
				if (!(await this.checkPath(cursor))) return;
			}
			this.again = true;
		} finally {
			this.emitBatch();
		}
	}

	/** Reads old files that writers may still append to; closes them after the grace period. */
	private async readRetired(): Promise<boolean> {
		for (const cursor of [...this.retired]) {
			if (!(await this.drain(cursor))) return false;
			if (this.now() - cursor.lastDataAt >= this.rotationGraceMs) {
				this.finishPartial(cursor);
				await cursor.handle.close().catch(() => undefined);
				this.retired = this.retired.filter((other) => other !== cursor);
			}
		}
		return true;
	}

	private async openCurrent(): Promise<void> {
		// Look before opening: open() of a FIFO waits for a writer on a thread-pool thread (starving
		// every other fs call, and process.exit waits for that thread), and /dev/zero never ends.
		let found: fs.BigIntStats;
		try {
			found = await fsp.stat(this.file, {bigint: true});
		} catch (error) {
			if (!isMissing(error)) throw error;
			this.noFile('waiting', null);
			return;
		}
		const odd = notRegularFile(found);
		if (odd) {
			this.noFile('error', odd);
			return;
		}
		let handle: FileHandle;
		try {
			handle = await fsp.open(this.file, openFlags);
		} catch (error) {
			if (!isMissing(error)) throw error;
			this.noFile('waiting', null);
			return;
		}
		try {
			const stat = await handle.stat({bigint: true});
			const changed = notRegularFile(stat);
			if (changed) {
				// Replaced between the stat and the open.
				await handle.close().catch(() => undefined);
				this.noFile('error', changed);
				return;
			}
			const cursor: Cursor = {
				handle,
				dev: stat.dev,
				ino: stat.ino,
				offset: 0,
				pieces: [],
				kept: 0,
				total: 0,
				lastByte: -1,
				skipToNewline: false,
				lastDataAt: this.now(),
				goneSince: null,
			};
			// Only a file that existed when we started is joined at its end; one that appeared
			// later (created, rotated in, re-created) is read from its first byte.
			if (!this.hadFile && !this.sawNoFile) {
				await this.placeAtStart(cursor, Number(stat.size));
			} else if (this.hadFile) {
				this.rotations++;
			}
			this.hadFile = true;
			this.current = cursor;
			this.state = 'following';
			this.error = null;
		} catch (error) {
			await handle.close().catch(() => undefined);
			throw error;
		}
	}

	/**
	 * No file to follow at the path: nothing there, or something that is not a regular file. Looked
	 * at again every poll; a regular file that takes its place later is new, so it is read from its
	 * first byte.
	 */
	private noFile(state: 'waiting' | 'error', error: string | null): void {
		this.sawNoFile = true;
		this.state = state;
		this.error = error;
	}

	/** Start position: after the newline that precedes the last `backlogLines` complete lines. */
	private async placeAtStart(cursor: Cursor, size: number): Promise<void> {
		const wanted = this.backlogLines + 1;
		let found = 0;
		let earliest = -1;
		let end = size;
		const floor = Math.max(0, size - backlogScanLimit);
		while (end > floor) {
			const start = Math.max(floor, end - backlogScanStep);
			const length = end - start;
			const {bytesRead} = await cursor.handle.read(this.buffer, 0, length, start);
			if (bytesRead < length) {
				// Shrunk while we looked: the truncation check will restart it from 0.
				cursor.offset = size;
				return;
			}
			for (let index = length - 1; index >= 0; index--) {
				if (this.buffer[index] !== 0x0a) continue;
				earliest = start + index;
				if (++found === wanted) {
					cursor.offset = earliest + 1;
					return;
				}
			}
			end = start;
		}
		if (floor === 0) {
			// The whole file holds fewer lines than asked for.
			cursor.offset = 0;
		} else if (earliest >= 0) {
			cursor.offset = earliest + 1;
		} else {
			// The last line alone is longer than the scan limit: join after its end.
			cursor.offset = size;
			cursor.skipToNewline = true;
		}
	}

	/** Reads a file to its end within the cycle budget; false when the budget ran out. */
	private async drain(cursor: Cursor): Promise<boolean> {
		while (!this.stopped) {
			if (this.budget <= 0) {
				this.again = true;
				return false;
			}
			const length = Math.min(this.buffer.length, this.budget);
			const {bytesRead} = await cursor.handle.read(this.buffer, 0, length, cursor.offset);
			if (bytesRead === 0) return true;
			cursor.offset += bytesRead;
			cursor.lastDataAt = this.now();
			this.budget -= bytesRead;
			this.bytesRead += bytesRead;
			this.split(cursor, this.buffer.subarray(0, bytesRead));
			// A short read of a regular file is its end for now: a read more would only say 0. What
			// is written after it raises an event (or meets the poll) for the next cycle.
			if (bytesRead < length) return true;
		}
		return false;
	}

	/**
	 * Whether a cycle that read new data to the file's end can skip the stat of the path: the
	 * file's own watch is open and said nothing but "changed" since the last stat, within the
	 * backstop. A rename or unlink of the file says "rename"; a truncation, a replacement over its
	 * name or an unlink leaves nothing new to read, and a cycle that read nothing stats as before;
	 * what no event tells (a symbolic link pointed elsewhere) waits for the backstop, as before.
	 * An append is the usual cycle: one read instead of two reads and a stat.
	 */
	private pathUnchanged(cursor: Cursor): boolean {
		return (
			this.watcher !== null &&
			this.watchedIno === cursor.ino &&
			!this.renamed &&
			cursor.goneSince === null &&
			Date.now() - this.lastPathStatAt < this.backstopMs
		);
	}

	/** Compares the path with the open file; true when there may be more to read now. */
	private async checkPath(cursor: Cursor): Promise<boolean> {
		let stat: fs.BigIntStats | null;
		this.renamed = false;
		this.lastPathStatAt = Date.now();
		this.pathStats++;
		try {
			stat = await fsp.stat(this.file, {bigint: true});
		} catch (error) {
			if (!isMissing(error)) throw error;
			stat = null;
		}
		if (!stat) {
			// Renamed away or deleted. Keep reading the old file: its writer may still append.
			this.state = 'waiting';
			this.error = null;
			await this.closeIfDeletedAndQuiet(cursor);
			return false;
		}
		if (stat.dev !== cursor.dev || stat.ino !== cursor.ino) {
			// Rotated or re-created: the old file was just read to its end; the new one starts at 0.
			cursor.goneSince = null;
			cursor.lastDataAt = this.now();
			this.retired.push(cursor);
			this.current = null;
			await this.openCurrent();
			return this.current !== null;
		}
		this.state = 'following';
		this.error = null;
		cursor.goneSince = null;
		const size = Number(stat.size);
		if (size < cursor.offset) {
			// Truncated in place (copytruncate): everything now in the file is new.
			this.truncations++;
			this.finishPartial(cursor);
			cursor.skipToNewline = false;
			cursor.offset = 0;
			return true;
		}
		return size > cursor.offset;
	}

	private async closeIfDeletedAndQuiet(cursor: Cursor): Promise<void> {
		const stat = await cursor.handle.stat();
		// Still linked somewhere (renamed): keep it until a new file appears at the path.
		if (stat.nlink > 0) return;
		const now = this.now();
		cursor.goneSince ??= now;
		if (stat.size > cursor.offset) {
			this.again = true;
			return;
		}
		if (now - Math.max(cursor.goneSince, cursor.lastDataAt) < this.rotationGraceMs) return;
		// Deleted and silent: let the disk space go.
		this.finishPartial(cursor);
		await cursor.handle.close().catch(() => undefined);
		this.current = null;
	}

	// Byte-level split: '\n' never occurs inside a UTF-8 sequence, so each line is decoded alone
	// and invalid bytes cannot swallow a line break.
	private split(cursor: Cursor, chunk: Buffer): void {
		let start = 0;
		if (cursor.skipToNewline) {
			const newline = chunk.indexOf(0x0a);
			if (newline === -1) return;
			cursor.skipToNewline = false;
			start = newline + 1;
		}
		if (cursor.total > 0) {
			const newline = chunk.indexOf(0x0a, start);
			if (newline === -1) {
				this.holdPartial(cursor, chunk, start, chunk.length);
				return;
			}
			this.holdPartial(cursor, chunk, start, newline);
			this.finishPartial(cursor);
			start = newline + 1;
		}
		for (;;) {
			const newline = chunk.indexOf(0x0a, start);
			if (newline === -1) break;
			this.takeLine(chunk, start, newline);
			start = newline + 1;
		}
		if (start < chunk.length) this.holdPartial(cursor, chunk, start, chunk.length);
	}

	private takeLine(chunk: Buffer, start: number, newline: number): void {
		let end = newline;
		if (end > start && chunk[end - 1] === 0x0d) end--;
		if (end - start <= this.maxLineBytes) {
			this.line(chunk.toString('utf8', start, end), false);
			return;
		}
		this.line(chunk.toString('utf8', start, this.cutPoint(chunk, start)), true);
	}

	/** Where to cut a long line: at most maxLineBytes, not inside a UTF-8 sequence. */
	private cutPoint(bytes: Buffer, start: number): number {
		let cut = start + this.maxLineBytes;
		for (let step = 0; step < 3 && cut > start && (bytes[cut]! & 0xc0) === 0x80; step++) cut--;
		return cut;
	}

	private holdPartial(cursor: Cursor, chunk: Buffer, start: number, end: number): void {
		if (end <= start) return;
		cursor.total += end - start;
		cursor.lastByte = chunk[end - 1]!;
		// A few bytes beyond the cap tell whether the line is longer and where a character ends.
		const room = this.maxLineBytes + 4 - cursor.kept;
		if (room <= 0) return;
		const take = Math.min(room, end - start);
		cursor.pieces.push(Buffer.from(chunk.subarray(start, start + take)));
		cursor.kept += take;
	}

	/** Emits the held partial line (its newline arrived, or its file ended for good). */
	private finishPartial(cursor: Cursor): void {
		if (cursor.total === 0) return;
		const bytes =
			cursor.pieces.length === 1 ? cursor.pieces[0]! : Buffer.concat(cursor.pieces, cursor.kept);
		const length = cursor.lastByte === 0x0d ? cursor.total - 1 : cursor.total;
		if (length <= this.maxLineBytes) {
			this.line(bytes.toString('utf8', 0, length), false);
		} else {
			this.line(bytes.toString('utf8', 0, this.cutPoint(bytes, 0)), true);
		}
		cursor.pieces = [];
		cursor.kept = 0;
		cursor.total = 0;
		cursor.lastByte = -1;
	}

	private line(raw: string, cut: boolean): void {
		// Unreal Editor and Windows tools start UTF-8 logs with a byte order mark.
		const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
		this.batchLines++;
		this.linesRead++;
		this.recentText[this.recentNext] = text;
		this.recentCut[this.recentNext] = cut;
		this.recentNext = (this.recentNext + 1) % contextLines;
		const severity = this.classifier.classify(text);
		if (!severity) return;
		this.batchCounts[severity]++;
		this.batchAlerts.push({
			source: this.source,
			severity,
			text: this.display(text, cut),
			time: this.batchTime,
		});
	}

	private display(text: string, cut: boolean): string {
		const safe = sanitizeText(text);
		return cut ? safe + ellipsis : safe;
	}

	private emitBatch(): void {
		if (this.batchLines === 0) return;
		const count = Math.min(this.batchLines, contextLines);
		const lastLines: string[] = [];
		for (let index = count; index > 0; index--) {
			const slot = (this.recentNext - index + contextLines) % contextLines;
			lastLines.push(this.display(this.recentText[slot]!, this.recentCut[slot]!));
		}
		const batch: LogTailBatch = {
			source: this.source,
			path: this.file,
			lines: this.batchLines,
			alerts: this.batchAlerts,
			lastLines,
			counts: this.batchCounts,
		};
		this.batchLines = 0;
		this.batchAlerts = [];
		this.batchCounts = {critical: 0, error: 0, warning: 0};
		try {
			this.onBatch(batch);
		} catch (error) {
			this.state = 'error';
			this.error = `alert handler failed: ${error instanceof Error ? error.message : String(error)}`;
		}
	}
}
