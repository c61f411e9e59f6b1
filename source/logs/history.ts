import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import {glob} from 'tinyglobby';
import {alertMessage, hasTimestamp, lineTime} from '../lib/log-line.js';
import {compileRules, declaredLevel} from '../monitor/alert-rules.js';
import type {Config} from '../types.js';
import {LogRecordReader, type LogRecord} from './log-records.js';

export type HistoryOptions = {
	/** Log paths (wildcards in the file name allowed); rotated siblings are found for each. */
	files: string[];
	rules: Config['alerts']['rules'];
	patternFirst: boolean;
	/** Bytes read at most, newest first across a log and its rotated siblings. */
	maxBytes: number;
	/** Records older than this many days before `until` (or now) are left out, unless `since` is given. */
	days: number;
	since?: number | null;
	until?: number | null;
	now?: number;
	/** Called after each chunk read. */
	onProgress?: (progress: HistoryProgress) => void;
	signal?: AbortSignal;
};

export type HistoryProgress = {
	bytesRead: number;
	/** What the bounds allow to be read in all. */
	bytesPlanned: number;
	file: string;
	elapsedMs: number;
};

export type HistoryFile = {
	path: string;
	/** Size on disk (compressed size for .gz). */
	bytes: number;
	/** Bytes actually read from disk. */
	bytesRead: number;
	compressed: boolean;
	/** Read from this offset (of the uncompressed text) to the end; > 0: the MB bound cut it. */
	from: number;
	/** Why it was not read, or null. */
	skipped: string | null;
};

export type SeverityCounts = {critical: number; error: number; warning: number; info: number};

export type HourBucket = SeverityCounts & {
	/** Local time, "2026-12-01 14:00". */
	hour: string;
	start: number;
};

export type ErrorTypeCount = {
	type: string;
	/** Innermost traceback frame, when the records had a traceback. */
	frame: string | null;
	count: number;
	first: number | null;
	last: number | null;
	example: string;
};

export const categoryNames = [
	'error',
	'warning',
	'connection',
	'memory',
	'performance',
	'security',
] as const;
export type CategoryName = (typeof categoryNames)[number];

export type HistoryReport = {
	files: HistoryFile[];
	bounds: {since: number | null; until: number | null; maxBytes: number; days: number};
	bytesRead: number;
	/** Physical lines read (traceback lines included). */
	lines: number;
	/** Records in the range: a line with its traceback counts once. */
	records: number;
	/** Records before any timestamp: counted, but in no hour. */
	undated: number;
	first: number | null;
	last: number | null;
	/** info: records that are not alerts. */
	severities: SeverityCounts;
	categories: Record<CategoryName, {count: number; percent: number}>;
	topErrorTypes: ErrorTypeCount[];
	peakHour: {hour: string; start: number; alerts: number; records: number} | null;
	/** Every hour from the first record's to the last one's, empty hours included. */
	hourly: HourBucket[];
	last24h: {
		records: number;
		errors: number;
		errorRatePercent: number | null;
		level: 'high' | 'moderate' | 'normal';
	};
	recommendations: string[];
	/** Lines a monitor's bare connect caused (websockets handshake failures): never alerts. */
	probeEchoes: number;
	problems: string[];
	elapsedMs: number;
};

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const chunkBytes = 1024 * 1024;
const maxLineBytes = 4096;
const maxErrorTypes = 10_000;
const topErrorTypes = 10;

// The guide's categories (its log analyser): each record is counted in every category it fits.
const categoryPatterns: Array<[Exclude<CategoryName, 'error' | 'warning'>, RegExp]> = [
	['connection', /connect|websocket|socket|disconnect|handshake/i],
	['memory', /memory|\brss\b|leak|oom\b/i],
	['performance', /performance|slow|latency|timed? ?out/i],
	['security', /security|unauthori[sz]ed|forbidden|permission denied|violation|invalid token/i],
];
// Most lines fit no category: one search of every category's words first.
const anyCategory =
	/connect|socket|handshake|memory|rss|leak|oom|performance|slow|latency|time|security|unauthori|forbidden|permission|violation|token/i;

/** Where the history reads from: the configured logs and bounds of a config. */
export function historyOptions(
	config: Config,
	extra: Partial<HistoryOptions> = {},
): HistoryOptions {
	return {
		files: config.logs,
		rules: config.alerts.rules,
		patternFirst: config.alerts.patternFirst,
		maxBytes: config.history.maxMb * 1024 * 1024,
		days: config.history.days,
		...extra,
	};
}

/**
 * The history view's data (the key H, and `mcptop logs`): the configured logs analysed within the
 * configured bounds, with progress. The same classifier and record grouping as the live Alerts pane.
 */
export function analyseHistory(
	config: Config,
	options: Pick<HistoryOptions, 'onProgress' | 'signal' | 'since' | 'until'> = {},
): Promise<HistoryReport> {
	return analyseLogs(historyOptions(config, options));
}

type Source = {file: HistoryFile; size: number; order: number};

/** A log's rotated siblings, newest first: file.1, file.2.gz, … (logrotate, RotatingFileHandler). */
export async function rotatedSiblings(file: string): Promise<string[]> {
	const dir = path.dirname(file);
	const base = path.basename(file);
	let names: string[];
	try {
		names = await fsp.readdir(dir);
	} catch {
		return [];
	}
	const found: Array<{name: string; n: number}> = [];
	for (const name of names) {
		if (!name.startsWith(`${base}.`)) continue;
		const m = /^(\d{1,6})(\.gz)?$/.exec(name.slice(base.length + 1));
		if (m) found.push({name, n: Number(m[1])});
	}
	return found.sort((a, b) => a.n - b.n).map((f) => path.join(dir, f.name));
}

async function expand(files: string[]): Promise<string[]> {
	const out: string[] = [];
	for (const file of files) {
		if (/[*?]/.test(path.basename(file))) {
			const matches = await glob([path.basename(file)], {
				cwd: path.dirname(file),
				absolute: true,
				onlyFiles: true,
			});
			out.push(...matches.sort());
		} else out.push(file);
	}
	return [...new Set(out)];
}

/** The uncompressed size a gzip file declares (its last 4 bytes: size mod 2^32). */
async function gzipSize(file: string, size: number): Promise<number> {
	if (size < 18) return 0;
	const handle = await fsp.open(file, 'r');
	try {
		const tail = Buffer.alloc(4);
		await handle.read(tail, 0, 4, size - 4);
		return tail.readUInt32LE(0);
	} finally {
		await handle.close();
	}
}

/** Plans which bytes of a log and its siblings the bounds allow, newest first. */
async function plan(
	log: string,
	budget: {left: number},
	since: number,
	problems: string[],
): Promise<Source[]> {
	const sources: Source[] = [];
	const paths = [log, ...(await rotatedSiblings(log))];
	for (const [order, file] of paths.entries()) {
		const compressed = file.endsWith('.gz');
		const entry: HistoryFile = {
			path: file,
			bytes: 0,
			bytesRead: 0,
			compressed,
			from: 0,
			skipped: null,
		};
		let stat: fs.Stats;
		try {
			stat = await fsp.stat(file);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (order === 0)
				problems.push(`${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`);
			continue;
		}
		if (!stat.isFile()) {
			problems.push(`${file}: not a regular file`);
			continue;
		}
		entry.bytes = stat.size;
		if (budget.left <= 0) entry.skipped = 'beyond the size bound';
		else if (stat.mtimeMs < since) entry.skipped = 'older than the time bound';
		if (entry.skipped) {
			sources.push({file: entry, size: 0, order});
			continue;
		}
		let size = stat.size;
		if (compressed) {
			try {
				size = await gzipSize(file, stat.size);
			} catch {
				problems.push(`${file}: cannot read`);
				continue;
			}
		}
		const take = Math.min(size, budget.left);
		budget.left -= take;
		entry.from = size - take;
		sources.push({file: entry, size, order});
	}
	return sources;
}

type Tally = {
	report: HistoryReport;
	hours: Map<number, HourBucket>;
	types: Map<string, ErrorTypeCount>;
	since: number;
	until: number;
	explicitRange: boolean;
	window24: number;
	hourFrom: number;
	hourTo: number;
};

function hourStart(t: number): number {
	const d = new Date(t);
	d.setMinutes(0, 0, 0);
	return d.getTime();
}

function hourLabel(t: number): string {
	const d = new Date(t);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:00`;
}

function levelOf(record: LogRecord): keyof SeverityCounts {
	return record.severity ?? 'info';
}

function countRecord(tally: Tally, record: LogRecord, time: number | null): void {
	const r = tally.report;
	if (time === null) {
		if (tally.explicitRange) return;
		r.undated++;
	} else {
		if (time < tally.since || time > tally.until) return;
		if (r.first === null || time < r.first) r.first = time;
		if (r.last === null || time > r.last) r.last = time;
		// Records come in time order: the hour of the last one is usually the hour of this one.
		if (time < tally.hourFrom || time >= tally.hourTo) {
			tally.hourFrom = hourStart(time);
			tally.hourTo = tally.hourFrom + hourMs;
		}
		const start = tally.hourFrom;
		let bucket = tally.hours.get(start);
		if (!bucket) {
			bucket = {hour: hourLabel(start), start, critical: 0, error: 0, warning: 0, info: 0};
			tally.hours.set(start, bucket);
		}
		bucket[levelOf(record)]++;
		if (time >= tally.window24) {
			r.last24h.records++;
			if (record.severity === 'critical' || record.severity === 'error') r.last24h.errors++;
		}
	}
	r.records++;
	r.severities[levelOf(record)]++;
	const c = r.categories;
	if (record.severity === 'critical' || record.severity === 'error') {
		c.error.count++;
		countType(tally, record, time);
	} else if (record.severity === 'warning') c.warning.count++;
	// A monitor's own connect says "handshake" and "connection": not the server's events.
	if (record.probeEcho) return;
	const text = record.text;
	if (!anyCategory.test(text)) return;
	for (const [name, pattern] of categoryPatterns) if (pattern.test(text)) c[name].count++;
}

function countType(tally: Tally, record: LogRecord, time: number | null): void {
	const type =
		record.errorType ??
		alertMessage(record.text)
			.replace(/\d+/g, 'N')
			.replace(/'[^']*'|"[^"]*"/g, '…')
			.slice(0, 80);
	let key = `${type}\u0000${record.frame ?? ''}`;
	let entry = tally.types.get(key);
	if (!entry && tally.types.size >= maxErrorTypes) {
		key = 'other\u0000';
		entry = tally.types.get(key);
	}
	if (!entry) {
		entry = {
			type: tally.types.size >= maxErrorTypes ? 'other' : type,
			frame: record.frame,
			count: 0,
			first: time,
			last: time,
			example: record.text,
		};
		tally.types.set(key, entry);
	}
	entry.count++;
	if (time !== null) {
		if (entry.first === null || time < entry.first) entry.first = time;
		if (entry.last === null || time > entry.last) entry.last = time;
	}
	entry.example = record.text;
}

/** Reads a byte stream as lines, the way the live tail does (byte split, long lines cut). */
class LineSplitter {
	private carry: Buffer[] = [];
	private carried = 0;
	private skipFirst: boolean;
	lines = 0;

	constructor(
		private readonly onLine: (line: string) => void,
		startsMidFile: boolean,
	) {
		this.skipFirst = startsMidFile;
	}

	push(chunk: Buffer): void {
		let start = 0;
		if (this.skipFirst) {
			const nl = chunk.indexOf(0x0a);
			if (nl === -1) return;
			this.skipFirst = false;
			start = nl + 1;
		}
		if (this.carried > 0) {
			const nl = chunk.indexOf(0x0a, start);
			if (nl === -1) {
				this.hold(chunk, start, chunk.length);
				return;
			}
			this.hold(chunk, start, nl);
			const joined = Buffer.concat(this.carry);
			this.carry = [];
			this.carried = 0;
			this.emit(joined, 0, joined.length);
			start = nl + 1;
		}
		for (;;) {
			const nl = chunk.indexOf(0x0a, start);
			if (nl === -1) break;
			this.emit(chunk, start, nl);
			start = nl + 1;
		}
		if (start < chunk.length) this.hold(chunk, start, chunk.length);
	}

	end(): void {
		if (this.carried === 0) return;
		const joined = Buffer.concat(this.carry);
		this.carry = [];
		this.carried = 0;
		this.emit(joined, 0, joined.length);
	}

	private hold(chunk: Buffer, start: number, end: number): void {
		const room = maxLineBytes + 4 - this.carried;
		if (room <= 0 || end <= start) return;
		const take = Math.min(room, end - start);
		this.carry.push(Buffer.from(chunk.subarray(start, start + take)));
		this.carried += take;
	}

	private emit(bytes: Buffer, start: number, end: number): void {
		if (end > start && bytes[end - 1] === 0x0d) end--;
		if (end - start > maxLineBytes) end = start + maxLineBytes;
		let text = bytes.toString('utf8', start, end);
		if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
		this.lines++;
		this.onLine(text);
	}
}

/**
 * The guide's log analyser over the last part of each log (SPEC 10): bounded by bytes (newest first,
 * across rotated siblings, a plain file is read from an offset, never whole) and by time; memory stays
 * flat whatever the size (counts only, no lines kept).
 */
export async function analyseLogs(options: HistoryOptions): Promise<HistoryReport> {
	const started = performance.now();
	const now = options.now ?? Date.now();
	const until = options.until ?? null;
	const end = until ?? now;
	const since = options.since ?? end - options.days * dayMs;
	const classifier = compileRules(options.rules, {patternFirst: options.patternFirst});
	const problems: string[] = [];
	const report: HistoryReport = {
		files: [],
		bounds: {
			since: options.since ?? null,
			until,
			maxBytes: options.maxBytes,
			days: options.days,
		},
		bytesRead: 0,
		lines: 0,
		records: 0,
		undated: 0,
		first: null,
		last: null,
		severities: {critical: 0, error: 0, warning: 0, info: 0},
		categories: Object.fromEntries(categoryNames.map((n) => [n, {count: 0, percent: 0}])) as Record<
			CategoryName,
			{count: number; percent: number}
		>,
		topErrorTypes: [],
		peakHour: null,
		hourly: [],
		last24h: {records: 0, errors: 0, errorRatePercent: null, level: 'normal'},
		recommendations: [],
		probeEchoes: 0,
		problems,
		elapsedMs: 0,
	};
	const tally: Tally = {
		report,
		hours: new Map(),
		types: new Map(),
		since,
		until: until ?? Infinity,
		explicitRange: options.since != null || until !== null,
		window24: end - dayMs,
		hourFrom: 0,
		hourTo: 0,
	};
	const budget = {left: Math.max(0, options.maxBytes)};
	const logs: Source[][] = [];
	for (const log of await expand(options.files))
		logs.push(await plan(log, budget, since, problems));
	const bytesPlanned = logs.flat().reduce((sum, s) => sum + s.size - s.file.from, 0);
	let bytesRead = 0;
	for (const sources of logs) {
		report.files.push(...sources.map((s) => s.file));
		let lastTime: number | null = null;
		// Lines without a timestamp of their own take the last one seen.
		const reader = new LogRecordReader({
			source: path.basename(sources[0]?.file.path ?? ''),
			classifier,
			contextLines: 0,
			timeOf: (line) => {
				lastTime = lineTime(line) ?? lastTime;
				return lastTime;
			},
			onRecord: (record) =>
				countRecord(tally, record, Number.isNaN(record.time) ? null : record.time),
		});
		// Oldest first, so a traceback split across a rotation stays one record.
		for (const source of [...sources].reverse()) {
			if (source.file.skipped) continue;
			options.signal?.throwIfAborted();
			let midRecord = source.file.from > 0;
			const splitter = new LineSplitter((line) => {
				// Started inside a record: its orphan traceback lines are not records of their own.
				if (midRecord) {
					if (!hasTimestamp(line) && declaredLevel(line) === null) return;
					midRecord = false;
				}
				reader.line(line);
			}, source.file.from > 0);
			const progress = (n: number) => {
				source.file.bytesRead += n;
				bytesRead += n;
				options.onProgress?.({
					bytesRead,
					bytesPlanned,
					file: source.file.path,
					elapsedMs: performance.now() - started,
				});
			};
			try {
				if (source.file.compressed) await readGzip(source, splitter, progress, options.signal);
				else await readPlain(source, splitter, progress, options.signal);
			} catch (error) {
				if (options.signal?.aborted) throw error;
				problems.push(
					`${source.file.path}: ${error instanceof Error ? error.message : String(error)}`,
				);
			}
			splitter.end();
			report.lines += splitter.lines;
		}
		reader.close();
		report.probeEchoes += reader.probeEchoes;
	}
	report.bytesRead = bytesRead;
	finish(tally);
	report.elapsedMs = Math.round(performance.now() - started);
	return report;
}

async function readPlain(
	source: Source,
	splitter: LineSplitter,
	progress: (n: number) => void,
	signal?: AbortSignal,
): Promise<void> {
	const handle = await fsp.open(source.file.path, 'r');
	try {
		const buffer = Buffer.allocUnsafe(chunkBytes);
		let position = source.file.from;
		// Read up to the size planned: lines written meanwhile belong to the live tail.
		while (position < source.size) {
			signal?.throwIfAborted();
			const length = Math.min(chunkBytes, source.size - position);
			const {bytesRead} = await handle.read(buffer, 0, length, position);
			if (bytesRead === 0) break;
			position += bytesRead;
			splitter.push(buffer.subarray(0, bytesRead));
			progress(bytesRead);
		}
	} finally {
		await handle.close();
	}
}

async function readGzip(
	source: Source,
	splitter: LineSplitter,
	progress: (n: number) => void,
	signal?: AbortSignal,
): Promise<void> {
	// A gzip file cannot be entered in the middle: what the bound leaves out is inflated and dropped.
	let skip = source.file.from;
	const input = fs.createReadStream(source.file.path, {highWaterMark: chunkBytes});
	input.on('data', (chunk) => progress(chunk.length));
	const inflate = input.pipe(zlib.createGunzip());
	try {
		for await (const chunk of inflate as AsyncIterable<Buffer>) {
			signal?.throwIfAborted();
			if (skip >= chunk.length) {
				skip -= chunk.length;
				continue;
			}
			splitter.push(skip > 0 ? chunk.subarray(skip) : chunk);
			skip = 0;
		}
	} finally {
		input.destroy();
	}
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

function finish(tally: Tally): void {
	const r = tally.report;
	for (const name of categoryNames) {
		const c = r.categories[name];
		c.percent = r.records === 0 ? 0 : round1((c.count / r.records) * 100);
	}
	r.topErrorTypes = [...tally.types.values()]
		.sort((a, b) => b.count - a.count || (a.first ?? 0) - (b.first ?? 0))
		.slice(0, topErrorTypes);
	if (r.first !== null && r.last !== null) {
		const last = hourStart(r.last);
		// Every hour in between, empty ones too; Date arithmetic keeps local hours right across DST.
		for (let start = hourStart(r.first); start <= last;) {
			r.hourly.push(
				tally.hours.get(start) ?? {
					hour: hourLabel(start),
					start,
					critical: 0,
					error: 0,
					warning: 0,
					info: 0,
				},
			);
			const d = new Date(start);
			d.setHours(d.getHours() + 1);
			start = d.getTime() > start ? d.getTime() : start + hourMs;
		}
	}
	let peak: HourBucket | null = null;
	const alerts = (b: HourBucket) => b.critical + b.error + b.warning;
	const total = (b: HourBucket) => alerts(b) + b.info;
	for (const b of r.hourly) {
		if (!peak || alerts(b) > alerts(peak) || (alerts(b) === alerts(peak) && total(b) > total(peak)))
			peak = b;
	}
	if (peak && total(peak) > 0)
		r.peakHour = {hour: peak.hour, start: peak.start, alerts: alerts(peak), records: total(peak)};
	const w = r.last24h;
	w.errorRatePercent = w.records === 0 ? null : round1((w.errors / w.records) * 100);
	w.level =
		w.errorRatePercent === null
			? 'normal'
			: w.errorRatePercent > 5
				? 'high'
				: w.errorRatePercent > 2
					? 'moderate'
					: 'normal';
	r.recommendations = recommend(r);
}

/** The guide's recommendations, in its thresholds. */
function recommend(r: HistoryReport): string[] {
	const out: string[] = [];
	const rate = r.last24h.errorRatePercent;
	if (rate !== null && rate > 5)
		out.push(
			`high error rate: ${rate}% of the last 24 hours' records are errors; start with the top error types`,
		);
	else if (rate !== null && rate > 2)
		out.push(`moderate error rate: ${rate}% in the last 24 hours; watch the top error types`);
	const c = r.categories;
	if (c.memory.count > 10)
		out.push(
			`${c.memory.count} memory events: check the server's RSS trend for a leak; restart (r) if it keeps growing`,
		);
	if (c.performance.count > 5)
		out.push(
			`${c.performance.count} performance events: run the latency analysis (l) and look at CPU load`,
		);
	if (c.connection.count > 20)
		out.push(
			`${c.connection.count} connection events: check the Unreal bridge and network stability`,
		);
	if (c.security.count > 0) out.push(`${c.security.count} security events: review them now`);
	if (out.length === 0) out.push('no action needed: the logs look healthy');
	return out;
}
