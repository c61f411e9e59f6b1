// Side by side (issue 13): mcptop next to htop and btop, every monitor in its own pseudo-terminal
// refreshing once a second, all running in the same window so the machine's other load falls on
// all of them alike; and mcptop's cost as its work grows (a busy log, more files, more ports).
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {startRateWriter} from './bench-flood.js';
import {realisticLog} from './bench-logtail.js';
import {
	cpuPercent,
	machineBusyPercent,
	sampleTree,
	stopPids,
	type TreeSample,
} from './bench-proc.js';
import type {BenchStack} from './bench-stack.js';
import {BenchTerminal, cliCommand} from './bench-terminal.js';

export type SideSizes = ReadonlyArray<{cols: number; rows: number}>;

export type SideOptions = {
	stack: BenchStack;
	/** A folder of the bench's own; every file of this part goes there. */
	dir: string;
	env: Record<string, string>;
	seconds: number;
	/**
	 * Seconds from the first frame to the idle window: a monitor's idle cost is its steady state,
	 * and its first minute is start-up and warm-up (JIT, the first full scans, caches filling).
	 */
	warmupSeconds: number;
	sizes: SideSizes;
	/** Extra log files and extra ports for the scaling rows. */
	extra: number;
	/** Sleeping processes started for the process-count row, after the idle window. */
	extraProcesses: number;
	/** Lines per second of the busy log. */
	busyRate: number;
	/** PIDs the caller stops on a failure. */
	pids: Set<number>;
	/** flags for one mcptop that watches the stack and tails `log`, with its own state folder. */
	watchFlags: (log: string, name: string) => string[];
};

export type Reading = {cpu: number; rssMb: number};

export type SideRun = {
	/** "mcptop 80×24", "htop 80×24", "btop 80×24", …, "json", "json +N logs", "json +N ports". */
	idle: Record<string, Reading>;
	/**
	 * The idle window's largest mcptop and htop and the first collector ("json") again, with
	 * extraProcesses more processes on the machine.
	 */
	crowded: Record<string, Reading>;
	/**
	 * The same monitors once more after those processes ended: the crowd's cost is the crowded
	 * window against the mean of the windows on either side, so a drift across the three (the JIT
	 * settling, other load on the machine) cancels instead of landing in the figure.
	 */
	uncrowded: Record<string, Reading>;
	/** "tui idle", "tui busy", "json idle", "json busy" (160×48 for the TUI). */
	busy: Record<string, Reading>;
	busyLinesPerSecond: number;
	machineBusy: {idle: number; busy: number};
	/** What is not installed (htop, btop): said in the table instead of a figure. */
	missing: string[];
};

function installed(program: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${program}`], {stdio: 'ignore'}).status === 0;
}

type Watched = {name: string; pid: number; stop(): Promise<void>; check(): Promise<string | null>};

function tui(
	name: string,
	file: string | undefined,
	argv: string[],
	size: {cols: number; rows: number},
	opts: SideOptions,
	env: Record<string, string>,
	ready: (screen: string) => boolean,
): Watched {
	const session = new BenchTerminal(file === undefined ? argv : [], {
		cols: size.cols,
		rows: size.rows,
		cwd: opts.dir,
		env,
		...(file === undefined ? {} : {file, command: argv}),
	});
	opts.pids.add(session.pid);
	return {
		name,
		pid: session.pid,
		async stop() {
			await session.quit(5000);
			opts.pids.delete(session.pid);
		},
		// A frame arrives in several chunks: a look between two of them sees half a screen.
		check: () =>
			session.waitFor(ready, `${name} drawn`, 3000).then(
				() => null,
				() => `${name}: screen not drawn:\n${session.screen()}`,
			),
	};
}

function headless(name: string, argv: string[], opts: SideOptions): Watched {
	const cli = cliCommand(['--json', ...argv]);
	const child: ChildProcess = spawn(cli.file, cli.argv, {
		cwd: opts.dir,
		env: {...opts.env, ...cli.env},
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	let lines = 0;
	let first: () => void = () => undefined;
	const printed = new Promise<void>((resolve) => (first = resolve));
	child.stdout!.on('data', (data: Buffer) => {
		for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
		if (lines > 0) first();
	});
	const pid = child.pid ?? -1;
	opts.pids.add(pid);
	return {
		name,
		pid,
		async stop() {
			await stopPids([pid], 3000);
			opts.pids.delete(pid);
		},
		// On a loaded machine the first round can take a while (it waits for the endpoint).
		check: async () => {
			await Promise.race([printed, sleep(10_000)]);
			return lines > 0 ? null : `${name}: printed no snapshot`;
		},
	};
}

/** CPU and RSS of each process tree over one window, all read at the same moments. */
async function window(
	watched: Watched[],
	seconds: number,
	warmupMs: number,
): Promise<{readings: Record<string, Reading>; machineBusy: number}> {
	await sleep(warmupMs);
	const read = () =>
		watched.map((w) => {
			const s = sampleTree(w.pid);
			if (!s) throw new Error(`${w.name} (pid ${w.pid}) is gone`);
			return s;
		});
	const first = read();
	const rss: number[][] = watched.map(() => []);
	let last: TreeSample[] = first;
	for (let i = 1; i <= seconds; i++) {
		await sleep(Math.max(0, first[0]!.at + i * 1000 - performance.now()));
		last = read();
		last.forEach((s, j) => rss[j]!.push(s.ownRssKb / 1024));
	}
	for (const w of watched) {
		const problem = await w.check();
		if (problem) throw new Error(problem);
	}
	const readings: Record<string, Reading> = {};
	watched.forEach((w, j) => {
		readings[w.name] = {
			cpu: cpuPercent(last[j]!.ownTicks - first[j]!.ownTicks, first[j]!.at, last[j]!.at),
			rssMb: rss[j]!.reduce((a, b) => a + b, 0) / Math.max(1, rss[j]!.length),
		};
	});
	return {readings, machineBusy: machineBusyPercent(first[0]!, last[0]!)};
}

export async function measureSideBySide(opts: SideOptions): Promise<SideRun> {
	const missing = ['htop', 'btop'].filter((p) => !installed(p));
	// htop and btop keep their settings in a home of their own: nothing of the user's is read or written.
	const home = path.join(opts.dir, 'home');
	fs.mkdirSync(path.join(home, '.config', 'btop'), {recursive: true});
	fs.writeFileSync(path.join(home, '.config', 'btop', 'btop.conf'), 'update_ms = 1000\n');
	const otherEnv = {
		...opts.env,
		HOME: home,
		XDG_CONFIG_HOME: path.join(home, '.config'),
		LANG: 'C.UTF-8',
		LC_ALL: 'C.UTF-8',
	};
	const idleLog = path.join(opts.dir, 'idle.log');
	const busyLog = path.join(opts.dir, 'busy.log');
	fs.writeFileSync(idleLog, '');
	fs.writeFileSync(busyLog, '');
	const extraLogs = Array.from({length: opts.extra}, (_, i) => {
		const file = path.join(opts.dir, `extra-${i}.log`);
		fs.writeFileSync(file, '');
		return file;
	});
	const servers = await Promise.all(
		Array.from(
			{length: opts.extra},
			() =>
				new Promise<net.Server>((resolve) => {
					const server = net.createServer((socket) => socket.destroy());
					server.listen(0, '127.0.0.1', () => resolve(server));
				}),
		),
	);
	const extraPorts = servers.map((s) => (s.address() as net.AddressInfo).port);
	const drawn = (screen: string) => /mcptop/.test(screen) && /Latency/.test(screen);
	const any = (screen: string) => screen.trim().length > 0;
	const run: SideRun = {
		idle: {},
		crowded: {},
		uncrowded: {},
		busy: {},
		busyLinesPerSecond: 0,
		machineBusy: {idle: 0, busy: 0},
		missing,
	};
	let watched: Watched[] = [];
	try {
		// Idle: every monitor at every size, and the headless collector with more files and ports.
		for (const size of opts.sizes) {
			const label = `${size.cols}×${size.rows}`;
			watched.push(
				tui(
					`mcptop ${label}`,
					undefined,
					opts.watchFlags(opts.stack.logFile, `side-${label}`),
					size,
					opts,
					opts.env,
					drawn,
				),
			);
			if (!missing.includes('htop'))
				watched.push(tui(`htop ${label}`, 'htop', ['-d', '10'], size, opts, otherEnv, any));
			if (!missing.includes('btop'))
				watched.push(tui(`btop ${label}`, 'btop', [], size, opts, otherEnv, any));
		}
		// The same at the larger size, drawn with Ink's own Output#get (no line cache): the render
		// path's gain, measured in the same window.
		const large = opts.sizes.at(-1)!;
		watched.push(
			tui(
				`mcptop ${large.cols}×${large.rows} stock`,
				undefined,
				opts.watchFlags(opts.stack.logFile, 'side-stock'),
				large,
				opts,
				{...opts.env, MCPTOP_LINE_CACHE: 'off'},
				drawn,
			),
		);
		const base = opts.watchFlags(opts.stack.logFile, 'side-json');
		watched.push(headless('json', base, opts));
		watched.push(
			headless(
				`json +${opts.extra} logs`,
				[
					...opts.watchFlags(opts.stack.logFile, 'side-json-logs'),
					...extraLogs.flatMap((f) => ['--log', f]),
				],
				opts,
			),
		);
		watched.push(
			headless(
				`json +${opts.extra} ports`,
				[
					...opts.watchFlags(opts.stack.logFile, 'side-json-ports'),
					...extraPorts.flatMap((p) => ['--port', `${p}:extra ${p}`]),
				],
				opts,
			),
		);
		const idle = await window(watched, opts.seconds, opts.warmupSeconds * 1000);
		run.idle = idle.readings;
		run.machineBusy.idle = idle.machineBusy;
		// The process count: the same monitors go on with that many sleeping processes more, from
		// 15 s after those started (their command lines are first read by mcptop's next full scan).
		const crowd: number[] = [];
		const names = [
			`mcptop ${large.cols}×${large.rows}`,
			`htop ${large.cols}×${large.rows}`,
			'json',
		];
		const counted = watched.filter((w) => names.includes(w.name));
		try {
			for (let i = 0; i < opts.extraProcesses; i++) {
				const child = spawn('sleep', ['600'], {stdio: 'ignore'});
				if (child.pid === undefined) continue;
				crowd.push(child.pid);
				opts.pids.add(child.pid);
			}
			const crowded = await window(counted, opts.seconds, 15_000);
			run.crowded = crowded.readings;
		} finally {
			await stopPids(crowd, 3000);
			for (const pid of crowd) opts.pids.delete(pid);
		}
		// From 15 s after they ended, as the crowded window began: mcptop's next full scan forgets them.
		run.uncrowded = (await window(counted, opts.seconds, 15_000)).readings;
		await Promise.all(watched.map((w) => w.stop()));
		watched = [];

		// Busy: the same mcptop, TUI and headless, tailing a log that grows at busyRate with alerts
		// in it, next to twins tailing an empty log, in one window, after the same warm-up as the
		// idle window (the log already growing): a flood's cost is its steady state too, not the JIT
		// compiling its code paths in the first minute.
		const big = {cols: 160, rows: 48};
		watched.push(
			tui('tui idle', undefined, opts.watchFlags(idleLog, 'busy-ti'), big, opts, opts.env, drawn),
		);
		watched.push(
			tui('tui busy', undefined, opts.watchFlags(busyLog, 'busy-tb'), big, opts, opts.env, drawn),
		);
		watched.push(headless('json idle', opts.watchFlags(idleLog, 'busy-ji'), opts));
		watched.push(headless('json busy', opts.watchFlags(busyLog, 'busy-jb'), opts));
		const source = path.join(opts.dir, 'source.log');
		fs.writeFileSync(
			source,
			realisticLog(Math.max(10_000, opts.busyRate * (opts.warmupSeconds + opts.seconds + 10))).text,
		);
		await sleep(3000);
		const writer = startRateWriter(
			source,
			busyLog,
			opts.busyRate,
			opts.warmupSeconds + opts.seconds + 30,
		);
		opts.pids.add(writer.pid);
		try {
			const busy = await window(watched, opts.seconds, Math.max(1000, opts.warmupSeconds * 1000));
			run.busy = busy.readings;
			run.machineBusy.busy = busy.machineBusy;
		} finally {
			const wrote = await writer.stop();
			opts.pids.delete(writer.pid);
			run.busyLinesPerSecond = wrote.lines / wrote.seconds;
		}
	} finally {
		await Promise.allSettled(watched.map((w) => w.stop()));
		await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
	}
	return run;
}
