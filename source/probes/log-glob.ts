// A log path with a wildcard in its file name, such as <project>/Saved/Logs/*.log: every matching file
// is followed, including files that appear later (a new editor session starts a new log).
import fs from 'node:fs';
import path from 'node:path';
import type {AlertClassifier} from '../monitor/alert-rules.js';
import type {LogSourceStatus} from '../types.js';
import {LogTail, notRegularFile, type LogTailBatch} from './log-tail.js';

export function isLogPattern(file: string): boolean {
	return /[*?]/.test(path.basename(file));
}

function patternToRegExp(pattern: string): RegExp {
	const body = pattern
		.split('')
		.map((ch) =>
			ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
		)
		.join('');
	return new RegExp(`^${body}$`);
}

/** Lines a file found after start reads from its start, up to this many (it is new). */
const newFileBacklog = 10_000;
/** At most this many files per pattern are followed: a folder of thousands of old logs must not open them all. */
const maxFiles = 32;

export class LogGlob {
	private readonly dir: string;
	private readonly match: RegExp;
	private readonly tails = new Map<string, LogTail>();
	private timer: NodeJS.Timeout | null = null;
	private started = false;
	private error: string | null = null;
	private skipped = 0;
	/** Matches that are not regular files (a FIFO, a device, a folder), as of the last scan. */
	private notRegular: string[] = [];

	constructor(
		private readonly opts: {
			pattern: string;
			classifier: AlertClassifier;
			backlogLines?: number;
			onBatch: (batch: LogTailBatch) => void;
			rescanMs?: number;
		},
	) {
		this.dir = path.dirname(opts.pattern);
		this.match = patternToRegExp(path.basename(opts.pattern));
	}

	start(): void {
		if (this.started) return;
		this.started = true;
		this.scan(true);
		this.timer = setInterval(() => this.scan(false), this.opts.rescanMs ?? 5000);
		this.timer.unref();
	}

	async stop(): Promise<void> {
		this.started = false;
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await Promise.all([...this.tails.values()].map(async (t) => t.stop()));
		this.tails.clear();
	}

	private scan(first: boolean): void {
		let names: string[];
		try {
			names = fs.readdirSync(this.dir);
			this.error = null;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
			this.error = code === 'ENOENT' ? null : `cannot list ${this.dir}: ${reason ?? String(error)}`;
			return;
		}
		const found: Array<{f: string; mtime: number}> = [];
		const notRegular: string[] = [];
		for (const name of names) {
			if (!this.match.test(name)) continue;
			const f = path.join(this.dir, name);
			if (this.tails.has(f)) continue;
			// A stat, never an open: open() of a FIFO blocks, /dev/zero never ends. Looked at again
			// every scan, so a regular file that takes its place later is followed.
			const stat = safeStat(f);
			if (!stat) continue;
			const odd = notRegularFile(stat);
			if (odd) notRegular.push(`${name}: ${odd}`);
			else found.push({f, mtime: stat.mtimeMs});
		}
		this.notRegular = notRegular.sort();
		// Newest first, so the cap keeps the files being written now.
		found.sort((a, b) => b.mtime - a.mtime);
		for (const {f} of found) {
			if (this.tails.size >= maxFiles) {
				this.skipped = found.length;
				break;
			}
			const tail = new LogTail({
				path: f,
				classifier: this.opts.classifier,
				backlogLines: first ? (this.opts.backlogLines ?? 0) : newFileBacklog,
				onBatch: this.opts.onBatch,
			});
			this.tails.set(f, tail);
			tail.start();
		}
	}

	/** One line for the alerts pane: the pattern and how many files it follows. */
	status(): LogSourceStatus {
		const all = [...this.tails.values()].map((t) => t.status());
		const linesRead = all.reduce((n, s) => n + s.linesRead, 0);
		const broken = all.find((s) => s.state === 'error');
		const odd =
			this.notRegular.length === 0
				? null
				: this.notRegular[0]! +
					(this.notRegular.length > 1 ? ` (and ${this.notRegular.length - 1} more)` : '');
		// Only matches that are not regular files: say what they are, not "does not exist yet".
		const onlyOdd = all.length === 0 && odd !== null;
		return {
			path: this.opts.pattern,
			state:
				this.error || broken || onlyOdd
					? 'error'
					: all.some((s) => s.state === 'following')
						? 'following'
						: 'waiting',
			error:
				this.error ??
				(broken ? `${path.basename(broken.path)}: ${broken.error ?? 'error'}` : null) ??
				(onlyOdd ? odd : null) ??
				(odd ? `skipped ${odd}` : null) ??
				(this.skipped > 0 ? `following the newest ${maxFiles} files` : null),
			linesRead,
			rotations: all.reduce((n, s) => n + s.rotations, 0),
			truncations: all.reduce((n, s) => n + s.truncations, 0),
		};
	}
}

function safeStat(file: string): fs.Stats | null {
	try {
		return fs.statSync(file);
	} catch {
		return null;
	}
}
