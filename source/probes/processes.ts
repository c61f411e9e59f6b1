// Process probe (SPEC 1, 2, 3): every process whose command line matches the configured pattern.
import {systemInformation} from './fallback.js';
import type {ProcessProfile, ProcessReading} from '../types.js';
import {
	ancestorPids,
	CLOCK_TICKS_PER_SECOND,
	countOpenFds,
	forgetKept,
	hasProc,
	isGone,
	listPids,
	readCmdline,
	readProcIo,
	readProcStat,
	readRssBytes,
	type ProcIo,
	startTicksToEpochMs,
	type ProcStat,
} from './proc.js';

export type ProcessProbeOptions = {
	/** Tested against the whole command line (arguments joined by spaces). */
	match: RegExp;
	/** Never reported, besides mcptop itself and its ancestors, which are always left out. */
	excludePids?: number[];
	/** How often to look for new matching processes. Default 5000. */
	fullScanEveryMs?: number;
	/**
	 * How often, on average, the command line of a process that did not match is read again (an exec
	 * or a changed title can make it match). Default 30000; each process gets 0.5–1.5× of it, so the
	 * reads spread over the scans.
	 */
	recheckEveryMs?: number;
	/** Monotonic clock in ms, for scan timing and CPU deltas. */
	now?: () => number;
};

type Tracked = {
	pid: number;
	/** With pid, identifies the process: a reused pid has another start time. */
	startTicks: number;
	ppid: number;
	name: string;
	command: string;
	startedAt: number;
	cpuTicks: number;
	at: number;
	cpuPercent: number;
	rssBytes: number;
	state: string;
	threads: number;
	/** CPU % per sample, for the 1- and 5-minute figures; bounded by the 5-minute window. */
	cpuHistory: Array<{at: number; cpu: number}>;
	/** I/O counters over the last ioWindowMs, oldest first; empty when /proc/<pid>/io is not visible. */
	ioHistory: Array<{at: number; io: ProcIo}>;
	openFds: number | null;
};

const minuteMs = 60_000;
const fiveMinutesMs = 5 * minuteMs;
/** I/O rates are averaged over this long: one interval's counters jump with each buffered write. */
const ioWindowMs = 10_000;
/** Samples kept for the CPU trend the screen draws. */
const recentCpuSamples = 60;
/** Bounds the histories whatever the sampling rate (a tight loop calling sample()). */
const maxHistory = 3000;

/**
 * CPU % is a percentage of one core, like top. A process seen for the first time reports its average
 * since it started (what ps shows), so the first sample is already meaningful; later samples report the
 * interval since the previous sample.
 *
 * Cost per tick: a read of /proc/<pid>/stat and statm per matching process. /proc is listed on the first
 * sample, every fullScanEveryMs, and when a known process vanished, and the command line of each
 * process new since the last scan is read (see scan()).
 */
export class ProcessProbe {
	private readonly match: RegExp;
	private readonly excludePids: ReadonlySet<number>;
	private readonly fullScanEveryMs: number;
	private readonly now: () => number;
	private readonly recheckEveryMs: number;
	private readonly tracked = new Map<number, Tracked>();
	/** Processes whose command line did not match: when to read it again. */
	private readonly unmatched = new Map<number, number>();
	private lastFullScanAt: number | null = null;
	private rereadAll = true;

	constructor(opts: ProcessProbeOptions) {
		this.match = withoutState(opts.match);
		this.excludePids = new Set(opts.excludePids ?? []);
		this.fullScanEveryMs = opts.fullScanEveryMs ?? 5000;
		this.recheckEveryMs = opts.recheckEveryMs ?? 30_000;
		this.now = opts.now ?? (() => performance.now());
	}

	/**
	 * Scan every process on the next sample, reading every command line again (a new server was seen
	 * elsewhere, e.g. holding a port: perhaps a process that exec'd into it).
	 */
	rescan(): void {
		this.lastFullScanAt = null;
		this.rereadAll = true;
	}

	/** Matching processes, ascending by pid. */
	async sample(): Promise<ProcessReading[]> {
		if (!hasProc()) return fallbackScan(this.match, this.excludePids);
		return this.sampleProc();
	}

	private sampleProc(): ProcessReading[] {
		const now = this.now();
		let fullScan =
			this.lastFullScanAt === null || now - this.lastFullScanAt >= this.fullScanEveryMs;
		for (const t of this.tracked.values()) {
			const st = readProcStat(t.pid);
			if (isGone(st) || st!.startTicks !== t.startTicks) {
				this.tracked.delete(t.pid);
				// Its stat, statm and io descriptors were kept open: a new process may get the pid.
				forgetKept(t.pid);
				fullScan = true;
				continue;
			}
			this.update(t, st!, now);
		}
		if (fullScan) {
			this.lastFullScanAt = now;
			this.scan(now);
		}
		return [...this.tracked.values()].sort((a, b) => a.pid - b.pid).map(toReading);
	}

	/**
	 * New processes have their command line read at once; one that did not match is read again after
	 * 0.5–1.5 × recheckEveryMs (or at a rescan), not at every scan: on a machine with a few hundred
	 * processes those reads were most of an idle collector's /proc reading. A process that exec'd into
	 * the server under the same pid is seen at its recheck, or at once when it holds a watched port.
	 */
	private scan(now: number): void {
		const excluded = excludedPids(this.excludePids);
		const all = this.rereadAll;
		this.rereadAll = false;
		const pids = listPids();
		const present = new Set(pids);
		for (const pid of this.unmatched.keys()) if (!present.has(pid)) this.unmatched.delete(pid);
		for (const pid of pids) {
			if (excluded.has(pid)) continue;
			const recheckAt = this.unmatched.get(pid);
			if (!all && recheckAt !== undefined && now < recheckAt) continue;
			const cmd = readCmdline(pid);
			// Kernel threads and zombies have no command line.
			if (!cmd || cmd.command === '' || !this.match.test(cmd.command)) {
				// A tracked process that exec'd into something else no longer matches.
				this.tracked.delete(pid);
				if (cmd) this.unmatched.set(pid, now + this.recheckEveryMs * (0.5 + Math.random()));
				continue;
			}
			this.unmatched.delete(pid);
			const known = this.tracked.get(pid);
			if (known) {
				known.command = cmd.command;
				continue;
			}
			const st = readProcStat(pid);
			if (isGone(st)) continue;
			this.tracked.set(pid, firstSight(st!, cmd.command, now));
		}
	}

	private update(t: Tracked, st: ProcStat, now: number): void {
		const elapsedMs = now - t.at;
		if (elapsedMs > 0) {
			const cpuMs = ((st.cpuTicks - t.cpuTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
			t.cpuPercent = round1(Math.max(0, (cpuMs / elapsedMs) * 100));
			t.cpuTicks = st.cpuTicks;
			t.at = now;
		}
		t.ppid = st.ppid;
		t.name = st.comm;
		t.state = st.state;
		t.rssBytes = readRssBytes(t.pid) ?? t.rssBytes;
		t.threads = st.threads;
		recordProfile(t, now);
	}
}

/** Adds this sample's CPU, I/O counters and descriptor count to the process's history. */
function recordProfile(t: Tracked, now: number): void {
	t.cpuHistory.push({at: now, cpu: t.cpuPercent});
	while (
		t.cpuHistory.length > maxHistory ||
		(t.cpuHistory.length > 1 && t.cpuHistory[0]!.at < now - fiveMinutesMs)
	)
		t.cpuHistory.shift();
	const io = readProcIo(t.pid);
	if (io === null) t.ioHistory = [];
	else {
		t.ioHistory.push({at: now, io});
		while (
			t.ioHistory.length > maxHistory ||
			(t.ioHistory.length > 2 && t.ioHistory[1]!.at <= now - ioWindowMs)
		)
			t.ioHistory.shift();
	}
	t.openFds = countOpenFds(t.pid);
}

function cpuOver(history: Tracked['cpuHistory'], since: number): {avg: number; max: number} {
	let sum = 0;
	let n = 0;
	let max = 0;
	// Index loops (no iterator per sample): back from the newest to the window's start (samples are
	// in time order), then summed oldest first as before.
	let first = history.length;
	while (first > 0 && history[first - 1]!.at >= since) first--;
	for (let i = first; i < history.length; i++) {
		const s = history[i]!;
		sum += s.cpu;
		n++;
		if (s.cpu > max) max = s.cpu;
	}
	return {avg: n > 0 ? round1(sum / n) : 0, max};
}

/** The profile from the histories: averages and maxima over 1 and 5 minutes, I/O per second. */
function profileOf(t: Tracked, now: number): ProcessProfile {
	const m1 = cpuOver(t.cpuHistory, now - minuteMs);
	const m5 = cpuOver(t.cpuHistory, now - fiveMinutesMs);
	let io: ProcessProfile['io'] = null;
	const first = t.ioHistory[0];
	const last = t.ioHistory.at(-1);
	if (first && last) {
		const sec = (last.at - first.at) / 1000;
		const rate = (a: number, b: number) => (sec > 0 ? Math.max(0, Math.round((b - a) / sec)) : 0);
		io = {
			read: rate(first.io.rchar, last.io.rchar),
			write: rate(first.io.wchar, last.io.wchar),
			diskRead: rate(first.io.readBytes, last.io.readBytes),
			diskWrite: rate(first.io.writeBytes, last.io.writeBytes),
		};
	}
	return {
		cpu: {
			avg1m: m1.avg,
			max1m: m1.max,
			avg5m: m5.avg,
			max5m: m5.max,
			recent: t.cpuHistory.slice(-recentCpuSamples).map((s) => s.cpu),
		},
		io,
		threads: Number.isFinite(t.threads) ? t.threads : null,
		openFds: t.openFds,
	};
}

/** One full scan: every process matching now, with CPU % averaged since each one started. */
export async function findMatchingProcesses(
	match: RegExp,
	exclude: number[],
): Promise<ProcessReading[]> {
	return new ProcessProbe({match, excludePids: exclude}).sample();
}

function firstSight(st: ProcStat, command: string, now: number): Tracked {
	const startedAt = startTicksToEpochMs(st.startTicks);
	const lifetimeMs = Date.now() - startedAt;
	const cpuMs = (st.cpuTicks * 1000) / CLOCK_TICKS_PER_SECOND;
	const t: Tracked = {
		pid: st.pid,
		startTicks: st.startTicks,
		ppid: st.ppid,
		name: st.comm,
		command,
		startedAt,
		cpuTicks: st.cpuTicks,
		at: now,
		cpuPercent: lifetimeMs > 0 ? round1(Math.max(0, (cpuMs / lifetimeMs) * 100)) : 0,
		rssBytes: readRssBytes(st.pid) ?? 0,
		state: st.state,
		threads: st.threads,
		cpuHistory: [],
		ioHistory: [],
		openFds: null,
	};
	recordProfile(t, now);
	return t;
}

function toReading(t: Tracked): ProcessReading {
	return {
		profile: profileOf(t, t.at),
		pid: t.pid,
		ppid: t.ppid,
		name: t.name,
		command: t.command,
		cpuPercent: t.cpuPercent,
		rssBytes: t.rssBytes,
		startedAt: t.startedAt,
		state: t.state,
	};
}

/** mcptop itself, the shells and launchers above it, and whatever the caller names. */
function excludedPids(extra: ReadonlySet<number>): Set<number> {
	const out = new Set(extra);
	out.add(process.pid);
	for (const pid of ancestorPids(process.pid)) out.add(pid);
	return out;
}

/** A /g or /y pattern keeps lastIndex between test() calls and would skip every other match. */
function withoutState(re: RegExp): RegExp {
	return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

/** Without /proc: one `ps` through systeminformation (it takes no arguments from us). */
async function fallbackScan(match: RegExp, extra: ReadonlySet<number>): Promise<ProcessReading[]> {
	const {list} = await (await systemInformation()).processes();
	const parentOf = new Map(list.map((p) => [p.pid, p.parentPid]));
	const excluded = new Set(extra);
	excluded.add(process.pid);
	let pid = process.ppid;
	for (let i = 0; i < 4096 && pid > 0 && !excluded.has(pid); i++) {
		excluded.add(pid);
		pid = parentOf.get(pid) ?? 0;
	}
	const out: ProcessReading[] = [];
	for (const p of list) {
		const command = [p.command, p.params].filter(Boolean).join(' ');
		if (excluded.has(p.pid) || command === '' || !match.test(command)) continue;
		const started = Date.parse(p.started);
		out.push({
			pid: p.pid,
			ppid: p.parentPid,
			name: p.name,
			command,
			cpuPercent: round1(p.cpu),
			rssBytes: p.memRss * 1024,
			startedAt: Number.isFinite(started) ? started : 0,
			...(p.state === 'stopped' ? {state: 'T'} : {}),
		});
	}
	return out.sort((a, b) => a.pid - b.pid);
}
