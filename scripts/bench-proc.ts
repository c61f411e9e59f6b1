// /proc readings for the benchmark: CPU ticks and RSS of a process tree, split into mcptop's own
// processes and the demo stack's (their command lines carry `--demo-id`).
import fs from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
export const ticksPerSecond = 100;

export type ProcStat = {
	pid: number;
	ppid: number;
	state: string;
	/** utime + stime of the process itself. */
	ownTicks: number;
	/** cutime + cstime: children it has waited for (short-lived helpers end up here). */
	childTicks: number;
	startTicks: number;
};

export function readStat(pid: number): ProcStat | null {
	let text: string;
	try {
		text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
	} catch {
		return null;
	}
	// The command name is in parentheses and may itself contain ') '.
	const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
	return {
		pid,
		state: f[0]!,
		ppid: Number(f[1]),
		ownTicks: Number(f[11]) + Number(f[12]),
		childTicks: Number(f[13]) + Number(f[14]),
		startTicks: Number(f[19]),
	};
}

const sumExecRuntime = /^se\.sum_exec_runtime\s*:\s*(\d+(?:\.\d+)?)$/m;

/**
 * The CPU time of a process's live threads in clock ticks, to the nanosecond (fractional ticks):
 * the scheduler's own count, se.sum_exec_runtime in /proc/PID/task/TID/sched (milliseconds). The
 * utime and stime of /proc/PID/stat are the same time cut to 10 ms ticks, which an idle monitor
 * earns only ~25 of in a 30 s window: two monitors a tick apart read 4 % apart. Null where the
 * kernel has no sched file (CONFIG_SCHED_DEBUG off): the caller keeps the ticks. Threads that
 * ended are not counted; the monitors measured here keep theirs for their whole life.
 */
export function threadTicks(pid: number): number | null {
	let tids: string[];
	try {
		tids = fs.readdirSync(`/proc/${pid}/task`);
	} catch {
		return null;
	}
	let ms = 0;
	let read = 0;
	for (const tid of tids) {
		let text: string;
		try {
			text = fs.readFileSync(`/proc/${pid}/task/${tid}/sched`, 'latin1');
		} catch {
			continue; // the thread ended since the listing, or there is no sched file
		}
		const match = sumExecRuntime.exec(text);
		if (!match) return null;
		ms += Number(match[1]);
		read++;
	}
	return read > 0 ? ms / (1000 / ticksPerSecond) : null;
}

/** Which clock CPU figures are read with on this machine, for the notes beside them. */
export function cpuClock(): string {
	return threadTicks(process.pid) === null
		? `${ticksPerSecond} ticks/s (/proc/PID/stat)`
		: 'the scheduler, in ns (/proc/PID/task/*/sched)';
}

/** A process's own CPU time in (fractional) ticks: threadTicks where the kernel has it, else stat's. */
export function ownTicksOf(stat: ProcStat): number {
	return threadTicks(stat.pid) ?? stat.ownTicks;
}

/** VmRSS and VmHWM (peak) in kB; null when the process is gone. */
export function readMemory(pid: number): {rssKb: number; peakKb: number} | null {
	let text: string;
	try {
		text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
	} catch {
		return null;
	}
	const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
	const peak = /^VmHWM:\s+(\d+) kB$/m.exec(text);
	return {rssKb: Number(rss?.[1] ?? 0), peakKb: Number(peak?.[1] ?? 0)};
}

export function readCmdline(pid: number): string {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
	} catch {
		return '';
	}
}

/** Every live process below `root` (not `root` itself), parents before children. */
export function descendants(root: number): ProcStat[] {
	const byParent = new Map<number, ProcStat[]>();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = readStat(Number(entry));
		if (!stat) continue;
		const siblings = byParent.get(stat.ppid);
		if (siblings) siblings.push(stat);
		else byParent.set(stat.ppid, [stat]);
	}
	const found: ProcStat[] = [];
	const queue = [root];
	for (let i = 0; i < queue.length && i < 10_000; i++) {
		for (const child of byParent.get(queue[i]!) ?? []) {
			found.push(child);
			queue.push(child.pid);
		}
	}
	return found;
}

export type TreeSample = {
	/** performance.now() when read. */
	at: number;
	/** mcptop and its non-demo descendants: own + reaped-children ticks. */
	ownTicks: number;
	ownRssKb: number;
	ownPids: number[];
	/** The demo stack: processes whose command line (or an ancestor's) carries `--demo-id`. */
	demoTicks: number;
	demoRssKb: number;
	demoPids: number[];
	/** Peak RSS of the root process (VmHWM). */
	rootPeakKb: number;
	/** Whole machine: busy and total jiffies from /proc/stat, for the load next to our numbers. */
	machineBusy: number;
	machineTotal: number;
};

const demoMarker = /(^|\s)--demo-id\s/;

function machineJiffies(): {busy: number; total: number} {
	const line = fs.readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
	const v = line.trim().split(/\s+/).slice(1).map(Number);
	const total = v.reduce((a, b) => a + b, 0);
	// idle + iowait are not busy.
	return {busy: total - (v[3] ?? 0) - (v[4] ?? 0), total};
}

/**
 * One reading of mcptop's tree. A process's ticks move into its parent's cutime/cstime when the
 * parent reaps it, so the sum of (utime+stime+cutime+cstime) over the root and its live non-demo
 * descendants stays continuous as helpers come and go. Demo processes live for the whole window;
 * were one reaped in it, its time would land in mcptop's cutime (counted against mcptop).
 */
export function sampleTree(root: number): TreeSample | null {
	const rootStat = readStat(root);
	const rootMemory = readMemory(root);
	if (!rootStat || !rootMemory) return null;
	const sample: TreeSample = {
		at: performance.now(),
		ownTicks: ownTicksOf(rootStat) + rootStat.childTicks,
		ownRssKb: rootMemory.rssKb,
		ownPids: [root],
		demoTicks: 0,
		demoRssKb: 0,
		demoPids: [],
		rootPeakKb: rootMemory.peakKb,
		machineBusy: 0,
		machineTotal: 0,
	};
	const demo = new Set<number>();
	for (const child of descendants(root)) {
		const isDemo = demo.has(child.ppid) || demoMarker.test(readCmdline(child.pid));
		const rss = readMemory(child.pid)?.rssKb ?? 0;
		const ticks = ownTicksOf(child) + child.childTicks;
		if (isDemo) {
			demo.add(child.pid);
			sample.demoTicks += ticks;
			sample.demoRssKb += rss;
			sample.demoPids.push(child.pid);
		} else {
			sample.ownTicks += ticks;
			sample.ownRssKb += rss;
			sample.ownPids.push(child.pid);
		}
	}
	const machine = machineJiffies();
	sample.machineBusy = machine.busy;
	sample.machineTotal = machine.total;
	return sample;
}

/** CPU % of one core between two samples. */
export function cpuPercent(ticks: number, fromAt: number, toAt: number): number {
	const seconds = (toAt - fromAt) / 1000;
	return seconds > 0 ? ((ticks / ticksPerSecond) * 100) / seconds : 0;
}

/** Other processes' share of the machine between two samples, in % of one core. */
export function machineBusyPercent(a: TreeSample, b: TreeSample): number {
	const total = b.machineTotal - a.machineTotal;
	if (total <= 0) return 0;
	return ((b.machineBusy - a.machineBusy) / total) * 100 * os.cpus().length;
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
	const stat = readStat(pid);
	return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** SIGTERM, a bounded wait, then SIGKILL: for processes this benchmark started, by PID. */
export async function stopPids(pids: number[], graceMs = 3000): Promise<number[]> {
	const signal = (pid: number, name: NodeJS.Signals) => {
		try {
			process.kill(pid, name);
		} catch {
			// Already gone.
		}
	};
	let alive = pids.filter(isAlive);
	for (const pid of alive) signal(pid, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (alive.length > 0 && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
		alive = alive.filter(isAlive);
	}
	for (const pid of alive) signal(pid, 'SIGKILL');
	const killDeadline = Date.now() + 2000;
	while (alive.length > 0 && Date.now() < killDeadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
		alive = alive.filter(isAlive);
	}
	return alive;
}
