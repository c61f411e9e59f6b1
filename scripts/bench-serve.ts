// `npm run bench` part 8 (issue 11): what `mcptop serve` costs at idle and per scrape, and how long the
// fleet view takes to render 300 machines. Also runnable alone:
//
//   npm run build && npx tsx scripts/bench-serve.ts [--quick]
//
// The serve figures are of the BUILT CLI (dist/cli.js) watching the bench's demo server; the scrape
// cost is measured over HTTP with 1,000 distinct alerts in the book; the fleet render is the pure
// FleetView in ink-testing-library (what Ink lays out and writes), 300 rows at 160×48.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import React from 'react';
import {render} from 'ink-testing-library';
import {FleetView} from '../source/components/FleetView.js';
import {sortRows, type FleetRow} from '../source/fleet/rows.js';
import {cpuClock, cpuPercent, ownTicksOf, readStat} from './bench-proc.js';
import {startBenchStack, type BenchStack} from './bench-stack.js';
import {cliCommand, repoRoot} from './bench-terminal.js';

export type ServeBenchRow = {
	figure: string;
	unit: string;
	digits: number;
	values: number[];
	note?: string;
};

export type ServeBenchOptions = {
	stack: BenchStack;
	runs: number;
	idleSeconds: number;
	scrapes: number;
	dir: string;
	env: Record<string, string>;
	/** PIDs started here, so the caller can stop them whatever happens. */
	pids: Set<number>;
	log: (line: string) => void;
};

type Serve = {child: ChildProcess; origin: string};

async function startServe(opts: ServeBenchOptions, extra: string[]): Promise<Serve> {
	const state = fs.mkdtempSync(path.join(opts.dir, 'serve-state-'));
	const cli = cliCommand([
		'serve',
		'--metrics-listen',
		'127.0.0.1:0',
		'--state-dir',
		state,
		...opts.stack.flags,
		...extra,
	]);
	const child = spawn(cli.file, cli.argv, {
		cwd: opts.dir,
		stdio: ['ignore', 'ignore', 'pipe'],
		env: {...opts.env, ...cli.env, NODE_ENV: 'production'},
	});
	if (child.pid) opts.pids.add(child.pid);
	let stderr = '';
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`serve did not listen: ${stderr}`)), 30_000);
		child.stderr!.on('data', (d: Buffer) => {
			stderr += d.toString();
			const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
			if (m) {
				clearTimeout(timer);
				resolve(Number(m[1]));
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`serve exited with ${code}: ${stderr}`));
		});
	});
	return {child, origin: `http://127.0.0.1:${port}`};
}

async function stop(serve: Serve, pids: Set<number>): Promise<void> {
	const child = serve.child;
	if (child.exitCode === null && child.signalCode === null) {
		const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
		await gone;
		clearTimeout(timer);
	}
	if (child.pid) pids.delete(child.pid);
}

/** CPU % of one core the process used over `seconds`, sampled from /proc. */
async function idleCpu(
	pid: number,
	seconds: number,
	during?: () => Promise<void>,
): Promise<number> {
	const a = readStat(pid);
	const at = performance.now();
	const until = at + seconds * 1000;
	if (during) while (performance.now() < until) await during();
	else await sleep(seconds * 1000);
	const b = readStat(pid);
	if (!a || !b) throw new Error(`serve (pid ${pid}) is gone`);
	return cpuPercent(ownTicksOf(b) - ownTicksOf(a), at, performance.now());
}

async function scrape(origin: string): Promise<number> {
	const began = performance.now();
	const response = await fetch(`${origin}/metrics`, {signal: AbortSignal.timeout(10_000)});
	await response.text();
	return performance.now() - began;
}

async function metricsText(origin: string): Promise<string> {
	return (await fetch(`${origin}/metrics`, {signal: AbortSignal.timeout(10_000)})).text();
}

function errorAlerts(text: string): number {
	return Number(/^mcptop_alerts_total\{severity="error"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** In its own node with React's production build, as the CLI runs it. */
async function fleetRenderInChild(opts: ServeBenchOptions): Promise<number[]> {
	const child = spawn(
		process.execPath,
		['--import', 'tsx', path.join(repoRoot, 'scripts', 'bench-serve.ts'), '--fleet-render'],
		{
			cwd: repoRoot,
			stdio: ['ignore', 'pipe', 'inherit'],
			env: {...opts.env, NODE_ENV: 'production'},
		},
	);
	if (child.pid) opts.pids.add(child.pid);
	let out = '';
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
	await new Promise<void>((resolve) => child.once('close', () => resolve()));
	clearTimeout(timer);
	if (child.pid) opts.pids.delete(child.pid);
	return JSON.parse(out) as number[];
}

function fleetRows(n: number): FleetRow[] {
	const now = Date.now();
	return Array.from({length: n}, (_, i) => ({
		instance: `10.1.${i >> 8}.${i & 255}:9464`,
		host: `build-${String(i).padStart(3, '0')}.studio.internal`,
		health: i % 37 === 0 ? 'FAIL' : i % 11 === 0 ? 'WARN' : 'OK',
		endpointUp: i % 37 !== 0,
		latencyP95Ms: 5 + ((i * 7) % 400),
		lossPercent: (i % 13) / 2,
		rssMb: 80 + ((i * 13) % 900),
		rssTrendMbPerMin: ((i % 9) - 4) / 10,
		leak: i % 53 === 0,
		alertsLastHour: {critical: i % 97 === 0 ? 1 : 0, error: i % 7, warning: i % 17},
		lastRestart: now - i * 60_000,
	}));
}

/** ms per FleetView render of `n` machines, each with new data (as a refresh brings). */
function fleetRenderMs(n: number, frames: number): number[] {
	const rows = sortRows(fleetRows(n), 'health', false);
	const props = {
		rows,
		total: n,
		selected: 0,
		sort: 'health' as const,
		reverse: false,
		filter: '',
		editingFilter: false,
		detail: null,
		prometheus: 'http://127.0.0.1:9090/',
		updatedAt: Date.now(),
		errors: [],
		now: Date.now(),
		width: 160,
		height: 48,
	};
	const out: number[] = [];
	const app = render(React.createElement(FleetView, props));
	for (let i = 0; i < frames; i++) {
		const next = {
			...props,
			rows: rows.map((r) => ({...r, latencyP95Ms: (r.latencyP95Ms ?? 0) + i})),
			selected: i % n,
		};
		const began = performance.now();
		app.rerender(React.createElement(FleetView, next));
		out.push(performance.now() - began);
	}
	app.unmount();
	return out;
}

export async function runServeBench(opts: ServeBenchOptions): Promise<ServeBenchRow[]> {
	const idle: number[] = [];
	const scraped: number[] = [];
	const scrapeMs: number[] = [];
	const scrapeP95: number[] = [];
	let alerts = 0;
	for (let run = 0; run < opts.runs; run++) {
		// A log of its own with 1,000 distinct error lines read at start: the book is full.
		const log = path.join(opts.dir, `serve-${run}.log`);
		fs.writeFileSync(log, '');
		const serve = await startServe(opts, ['--log', opts.stack.logFile, '--log', log]);
		try {
			// Appended once serve follows the file (it starts at the end, like tail -F).
			await sleep(1500);
			fs.appendFileSync(
				log,
				Array.from(
					{length: 1000},
					(_, i) =>
						`2026-11-24 10:00:00,${String(i % 1000).padStart(3, '0')} - ERROR - distinct failure ${i}\n`,
				).join(''),
			);
			for (let i = 0; i < 40 && errorAlerts(await metricsText(serve.origin)) < 1000; i++)
				await sleep(250);
			// Let it settle (first rounds, module loading) before measuring.
			await sleep(2000);
			if (!serve.child.pid) throw new Error('serve has no pid');
			idle.push(await idleCpu(serve.child.pid, opts.idleSeconds));
			// The same, scraped once a second as Prometheus would at its fastest setting.
			scraped.push(
				await idleCpu(serve.child.pid, opts.idleSeconds, async () => {
					await scrape(serve.origin);
					await sleep(1000);
				}),
			);
			const times: number[] = [];
			for (let i = 0; i < opts.scrapes; i++) times.push(await scrape(serve.origin));
			times.sort((a, b) => a - b);
			scrapeMs.push(times[times.length >> 1] ?? NaN);
			scrapeP95.push(times[Math.min(times.length - 1, Math.ceil(0.95 * times.length) - 1)] ?? NaN);
			alerts = errorAlerts(await metricsText(serve.origin));
		} finally {
			await stop(serve, opts.pids);
		}
	}
	const fleet = await fleetRenderInChild(opts);
	fleet.sort((a, b) => a - b);
	opts.log(`   serve saw ${alerts} error alerts in the book (1,000 distinct lines + the demo's)`);
	return [
		{
			figure: 'serve: idle CPU, no scrapes',
			unit: '%',
			digits: 2,
			values: idle,
			note: `CPU from ${cpuClock()}, ${opts.idleSeconds} s`,
		},
		{figure: 'serve: CPU scraped once a second', unit: '%', digits: 2, values: scraped},
		{
			figure: 'serve: one scrape over HTTP (median), 1,000 alerts in the book',
			unit: 'ms',
			digits: 2,
			values: scrapeMs,
			note: `${opts.scrapes} scrapes a run; p95 ${scrapeP95.map((v) => v.toFixed(2)).join('/')} ms`,
		},
		{
			figure: 'fleet view: one render of 300 machines (160×48)',
			unit: 'ms',
			digits: 2,
			values: fleet,
			note: `p95 ${(fleet[Math.ceil(0.95 * fleet.length) - 1] ?? NaN).toFixed(2)} ms of ${fleet.length} renders`,
		},
	];
}

const runAlone =
	process.argv[1] !== undefined &&
	path.resolve(process.argv[1]) === path.resolve(repoRoot, 'scripts', 'bench-serve.ts');
if (runAlone && process.argv.includes('--fleet-render')) {
	fleetRenderMs(300, 5);
	process.stdout.write(JSON.stringify(fleetRenderMs(300, 30)));
} else if (runAlone) {
	// Alone: its own demo stack, a short run.
	const quick = process.argv.includes('--quick');
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-bench-serve-'));
	const pids = new Set<number>();
	const stack = await startBenchStack(dir);
	try {
		const rows = await runServeBench({
			stack,
			runs: quick ? 1 : 3,
			idleSeconds: quick ? 5 : 15,
			scrapes: quick ? 50 : 200,
			dir,
			env: {...(process.env as Record<string, string>), XDG_CONFIG_HOME: dir},
			pids,
			log: (line) => process.stdout.write(`${line}\n`),
		});
		for (const r of rows) {
			const sorted = [...r.values].sort((a, b) => a - b);
			const median = sorted[sorted.length >> 1] ?? NaN;
			process.stdout.write(
				`${r.figure}: ${median.toFixed(r.digits)} ${r.unit} [${(sorted[0] ?? NaN).toFixed(r.digits)}–${(sorted.at(-1) ?? NaN).toFixed(r.digits)}]${r.note ? ` (${r.note})` : ''}\n`,
			);
		}
	} finally {
		for (const pid of pids) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone.
			}
		}
		await stack.stop();
		fs.rmSync(dir, {recursive: true, force: true});
	}
}
