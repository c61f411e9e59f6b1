// `npm run bench`: what mcptop costs and how it keeps up (issue 5), measured on the BUILT CLI
// (`node dist/cli.js`, as users run it) in a 160×48 pseudo-terminal on its demo stack.
//
//   npm run bench                       the full run (about 10 min), prints the table
//   npm run bench -- --write            ... and writes BENCHMARKS.md
//   npm run bench -- --quick            a short run with smaller sizes, for checking the bench itself
//   npm run bench -- --only idle,flood  some parts: idle startup ingest flood memory probes floor
//                                       transports side frame serve history
//   npm run bench -- --profile          also one idle run under node --cpu-prof, top functions
//   npm run bench -- --runs 5 --json    more runs; raw results as JSON at the end
//   npm run bench -- --baseline F.json  a "before" column from an earlier run's --json output
//
// Every figure is the median and range of at least 3 runs. Targets are reported, not enforced.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import * as prettier from 'prettier';
import {defaultConfig} from '../source/config.js';
import type {Severity} from '../source/types.js';
import {appendAsFastAsPossible, startRateWriter, type RateWriter} from './bench-flood.js';
import {measureLogTail, realisticLog} from './bench-logtail.js';
import {measureProbes, type Result} from './bench-probes.js';
import {
	cpuClock,
	cpuPercent,
	isAlive,
	machineBusyPercent,
	sampleTree,
	stopPids,
	ticksPerSecond,
	type TreeSample,
} from './bench-proc.js';
import {keptSections} from './bench-kept.js';
import {summariseProfile, type ProfileSummary} from './bench-profile.js';
import {startBenchStack, type BenchStack} from './bench-stack.js';
import {
	alertTotals,
	BenchTerminal,
	fullFrame,
	missingFromFrame,
	repoRoot,
	type AlertTotals,
} from './bench-terminal.js';
import {measureEndpoint, measureFloors, measureLogTailIdle} from './bench-ticks.js';
import {runTransportBench, transportMethod, transportRows} from './bench-transports.js';
import {measureSideBySide, type SideRun} from './bench-side.js';
import type {FrameReading} from './bench-frame.js';
import {measureHistory, type HistoryBenchRun} from './bench-history.js';
import {runServeBench} from './bench-serve.js';

const parts = [
	'idle',
	'startup',
	'ingest',
	'flood',
	'memory',
	'probes',
	'floor',
	'transports',
	'side',
	'frame',
	'serve',
	'history',
] as const;
type Part = (typeof parts)[number];

function usage(message: string): never {
	process.stderr.write(
		`bench: ${message}\nusage: npm run bench -- [--quick] [--write] [--profile] [--json] [--runs N] [--idle-seconds N] [--baseline FILE] [--only ${parts.join(',')}]\n`,
	);
	process.exit(2);
}

function numberOption(name: string, fallback: number, min: number): number {
	const i = process.argv.indexOf(`--${name}`);
	if (i < 0) return fallback;
	const value = Number(process.argv[i + 1]);
	if (!Number.isInteger(value) || value < min) usage(`--${name} needs a whole number ≥ ${min}`);
	return value;
}

const known = new Set([
	'--quick',
	'--write',
	'--profile',
	'--json',
	'--runs',
	'--idle-seconds',
	'--only',
	'--baseline',
]);
for (const [i, arg] of process.argv.slice(2).entries()) {
	const previous = process.argv[i + 1];
	if (arg.startsWith('--') && !known.has(arg)) usage(`unknown option ${arg}`);
	if (
		!arg.startsWith('--') &&
		!['--runs', '--idle-seconds', '--only', '--baseline'].includes(previous ?? '')
	) {
		usage(`unexpected argument ${arg}`);
	}
}

const quick = process.argv.includes('--quick');
const runs = numberOption('runs', 3, 3);
const idleSeconds = numberOption('idle-seconds', quick ? 10 : 60, 5);
const onlyIndex = process.argv.indexOf('--only');
const only = new Set<Part>(
	onlyIndex >= 0
		? (process.argv[onlyIndex + 1] ?? '').split(',').map((p) => {
				if (!(parts as readonly string[]).includes(p)) usage(`--only: unknown part ${p}`);
				return p as Part;
			})
		: parts,
);
const sizes = {
	ingestLines: 1_000_000,
	memoryCopies: quick ? 2 : 10,
	floodRate: 50_000,
	presses: 20,
	probeCalls: quick ? 20 : 50,
	siCalls: quick ? 0 : 10,
	floorSeconds: quick ? 5 : 15,
	logTailSeconds: quick ? 3 : 10,
	transportCalls: quick ? 10 : 30,
	serverLogTicks: quick ? 5 : 20,
	sideSeconds: quick ? 10 : 30,
	sideWarmupSeconds: quick ? 4 : 60,
	sideExtra: 10,
	sideProcesses: quick ? 100 : 500,
	busyRate: 1000,
	frames: quick ? 50 : 200,
};

// An earlier run's rows (its --json output), shown as "before" next to this run's medians.
const baselineIndex = process.argv.indexOf('--baseline');
let baselineLabel = '';
const baseline = new Map<string, {median: number; unit: string; digits: number}>();
if (baselineIndex >= 0) {
	const file = process.argv[baselineIndex + 1] ?? '';
	try {
		const text = fs.readFileSync(file, 'utf8');
		// The JSON is the last thing the run printed; the progress lines come before it.
		baselineLabel = /Code: (\S+)/.exec(text)?.[1] ?? path.basename(file);
		const parsed = JSON.parse(text.slice(text.indexOf('\n{') + 1)) as {
			rows: Array<{figure: string; spread: Spread | null; unit: string; digits: number}>;
		};
		for (const r of parsed.rows) {
			if (r.spread)
				baseline.set(r.figure, {median: r.spread.median, unit: r.unit, digits: r.digits});
		}
	} catch (error) {
		usage(`--baseline ${file}: ${error instanceof Error ? error.message : String(error)}`);
	}
}
const cols = 160;
const rows = 48;

// Everything the benchmark starts is tracked here and stopped by PID; every file lives in `work`.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-bench-'));
const cliCwd = path.join(work, 'cwd');
const stateHome = path.join(work, 'state');
const configHome = path.join(work, 'config');
for (const dir of [cliCwd, stateHome, configHome]) fs.mkdirSync(dir);
const sessions = new Set<BenchTerminal>();
const stacks = new Set<BenchStack>();
const writers = new Set<RateWriter>();
const otherPids = new Set<number>();
const demoPidsSeen = new Set<number>();

// A clean environment: no user config file (XDG_CONFIG_HOME is empty), state in the temp folder,
// and no NODE_ENV or NODE_OPTIONS from the caller: the CLI runs with the settings it ships with.
const dropped = new Set(['CI', 'NODE_ENV', 'NODE_OPTIONS']);
const env: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env)) {
	if (value !== undefined && !dropped.has(key) && !key.startsWith('MCPTOP_')) env[key] = value;
}
Object.assign(env, {XDG_CONFIG_HOME: configHome, XDG_STATE_HOME: stateHome});

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
	cleaning ??= (async () => {
		await Promise.allSettled([...sessions].map((s) => s.kill()));
		await Promise.allSettled([...writers].map((w) => w.stop()));
		await Promise.allSettled([...stacks].map((s) => s.stop()));
		// Demo processes an --demo session started: they stop with it; make sure, by PID.
		await stopPids([...demoPidsSeen, ...otherPids].filter(isAlive), 2000);
		fs.rmSync(work, {recursive: true, force: true});
	})();
	return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => {
		process.stderr.write(`bench: ${signal}, cleaning up\n`);
		void cleanUp().finally(() => process.exit(130));
	});
}

// ---------------------------------------------------------------------------------------------
// Statistics and the table

type Spread = {median: number; min: number; max: number; n: number; values: number[]};

function spread(values: number[]): Spread {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	const median =
		sorted.length === 0
			? NaN
			: sorted.length % 2
				? sorted[mid]!
				: (sorted[mid - 1]! + sorted[mid]!) / 2;
	return {median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, n: values.length, values};
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	// Nearest rank: p95 of 20 samples is the 19th.
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Row = {
	part: string;
	figure: string;
	spread: Spread | null;
	unit: string;
	digits: number;
	target?: {op: '<=' | '>='; value: number};
	note?: string;
};

const rowsOut: Row[] = [];
const notes: string[] = [];

function row(r: Row): void {
	rowsOut.push(r);
	const s = r.spread;
	process.stdout.write(
		`  ${r.figure}: ${s ? `${fmt(s.median, r.digits)} ${r.unit} [${fmt(s.min, r.digits)}–${fmt(s.max, r.digits)}]` : 'n/a'}${r.target ? ` (target ${r.target.op === '<=' ? '≤' : '≥'} ${fmt(r.target.value, r.digits)} ${r.unit}: ${verdict(r)})` : ''}\n`,
	);
}

function fmt(n: number, digits: number): string {
	if (!Number.isFinite(n)) return 'n/a';
	return n.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

function verdict(r: Row): string {
	if (!r.target) return '';
	if (!r.spread || !Number.isFinite(r.spread.median)) return 'MISS';
	const m = r.spread.median;
	return (r.target.op === '<=' ? m <= r.target.value : m >= r.target.value) ? 'PASS' : 'MISS';
}

function table(): string {
	const head = [
		'#',
		'figure',
		...(baseline.size > 0 ? ['before'] : []),
		'median',
		'range (runs)',
		'target',
		'result',
	];
	const body = rowsOut.map((r) => {
		const s = r.spread;
		const before = baseline.get(r.figure);
		return [
			r.part,
			r.figure,
			...(baseline.size > 0 ? [before ? `${fmt(before.median, r.digits)} ${r.unit}` : ''] : []),
			s ? `${fmt(s.median, r.digits)} ${r.unit}` : 'n/a',
			s ? `${fmt(s.min, r.digits)}–${fmt(s.max, r.digits)} (${s.n})` : '',
			r.target
				? `${r.target.op === '<=' ? '≤' : '≥'} ${fmt(r.target.value, r.digits)} ${r.unit}`
				: '',
			r.target ? verdict(r) : (r.note ?? ''),
		];
	});
	const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
	const numeric = (i: number) => i >= 2 && i <= (baseline.size > 0 ? 4 : 3);
	const line = (cells: string[]) =>
		`| ${cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
	return [
		line(head),
		`|${widths.map((w, i) => (numeric(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`,
		...body.map(line),
	].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sessions

function open(args: string[], nodeArgs: string[] = []): BenchTerminal {
	const session = new BenchTerminal(args, {cols, rows, cwd: cliCwd, env, nodeArgs});
	sessions.add(session);
	return session;
}

async function close(session: BenchTerminal): Promise<void> {
	const code = await session.quit();
	sessions.delete(session);
	if (code !== 0) notes.push(`a CLI session exited with ${code ?? 'no exit after q (killed)'}`);
}

/**
 * The first full frame; when it takes more than 2 s, a note says what the screen still lacked then,
 * so a slow start points at the pane (probe) that held it back.
 */
async function firstFullFrame(session: BenchTerminal, label: string): Promise<number> {
	const look = setTimeout(() => {
		const missing = missingFromFrame(session.screen());
		if (missing.length > 0)
			notes.push(`${label}: 2 s after the spawn the screen still lacked ${missing.join(', ')}`);
	}, 2000);
	try {
		const first = await session.waitFor(fullFrame, 'the first full frame', 60_000);
		return first.at - session.spawnedAt;
	} finally {
		clearTimeout(look);
	}
}

/** The flags of a session that watches the bench stack and tails `log`. */
function watchFlags(stack: BenchStack, log: string, name: string): string[] {
	const state = path.join(work, `state-${name}`);
	fs.mkdirSync(state, {recursive: true});
	return [...stack.flags, '--log', log, '--state-dir', state, '--project-dir', cliCwd];
}

let sharedStack: BenchStack | undefined;
async function stack(): Promise<BenchStack> {
	if (!sharedStack) {
		sharedStack = await startBenchStack(fs.mkdtempSync(path.join(work, 'stack-')));
		stacks.add(sharedStack);
	}
	return sharedStack;
}

function sampleOrThrow(pid: number): TreeSample {
	const s = sampleTree(pid);
	if (!s) throw new Error(`mcptop (pid ${pid}) is gone`);
	return s;
}

// ---------------------------------------------------------------------------------------------
// The realistic log, written once: 1,000,000 lines (~5 % WARNING, 2 % ERROR, 0.02 % CRITICAL,
// 1 % of them 2 KB long).

let sourceLog:
	{file: string; counts: Record<Severity, number>; lines: number; bytes: number} | undefined;
function source(): NonNullable<typeof sourceLog> {
	if (!sourceLog) {
		const {text, counts} = realisticLog(sizes.ingestLines);
		const file = path.join(work, 'realistic.log');
		fs.writeFileSync(file, text);
		sourceLog = {file, counts, lines: sizes.ingestLines, bytes: Buffer.byteLength(text)};
	}
	return sourceLog;
}

function totalsMatch(screen: string, want: AlertTotals): boolean {
	const t = alertTotals(screen);
	return (
		t !== null &&
		t.lines === want.lines &&
		t.critical === want.critical &&
		t.error === want.error &&
		t.warning === want.warning
	);
}

function expectedTotals(
	counts: Record<Severity, number>,
	lines: number,
	copies: number,
): AlertTotals {
	return {
		critical: counts.critical * copies,
		error: counts.error * copies,
		warning: counts.warning * copies,
		lines: lines * copies,
	};
}

// ---------------------------------------------------------------------------------------------
// 1 + 2. Idle cost on `--demo`, and startup

const results: Record<string, unknown> = {};
const startupDemo: number[] = [];
let profile: ProfileSummary | null = null;

type IdleRun = {
	ownCpu: number;
	demoCpu: number;
	ownRssMean: number;
	ownRssMax: number;
	demoRssMean: number;
	machineBusy: number;
	outputBytesPerSecond: number;
	ownPids: number;
};

/** After an --demo session quit: its demo processes must be gone (SPEC 8); stop leftovers by PID. */
async function demoGone(pids: number[]): Promise<void> {
	const deadline = Date.now() + 10_000;
	let alive = pids.filter(isAlive);
	while (alive.length > 0 && Date.now() < deadline) {
		await sleep(100);
		alive = alive.filter(isAlive);
	}
	if (alive.length > 0) {
		notes.push(`demo processes ${alive.join(', ')} outlived mcptop's quit; stopped by the bench`);
		await stopPids(alive);
	}
	for (const pid of pids) demoPidsSeen.delete(pid);
}

async function idleRun(
	nodeArgs: string[] = [],
): Promise<{run: IdleRun; session: BenchTerminal; demoPids: number[]}> {
	const session = open(['--demo'], nodeArgs);
	const startup = await firstFullFrame(session, 'startup with --demo');
	if (nodeArgs.length === 0) startupDemo.push(startup);
	// Let the first rounds settle (RSS trends start, the latency window fills a little).
	await sleep(2000);
	const start = sampleOrThrow(session.pid);
	const bytes0 = session.bytes;
	const samples: TreeSample[] = [];
	for (let i = 1; i <= idleSeconds; i++) {
		await sleep(Math.max(0, start.at + i * 1000 - performance.now()));
		const s = sampleOrThrow(session.pid);
		samples.push(s);
		for (const pid of s.demoPids) demoPidsSeen.add(pid);
	}
	const end = samples.at(-1)!;
	if (!/LIVE/.test(session.screen()) || !fullFrame(session.screen())) {
		throw new Error(`the screen lost its data during the idle run:\n${session.screen()}`);
	}
	const rss = samples.map((s) => s.ownRssKb / 1024);
	return {
		session,
		demoPids: [...end.demoPids],
		run: {
			ownCpu: cpuPercent(end.ownTicks - start.ownTicks, start.at, end.at),
			demoCpu: cpuPercent(end.demoTicks - start.demoTicks, start.at, end.at),
			ownRssMean: rss.reduce((a, b) => a + b, 0) / rss.length,
			ownRssMax: Math.max(...rss),
			demoRssMean: samples.reduce((a, s) => a + s.demoRssKb / 1024, 0) / samples.length,
			machineBusy: machineBusyPercent(start, end),
			outputBytesPerSecond: (session.bytes - bytes0) / ((end.at - start.at) / 1000),
			ownPids: Math.max(...samples.map((s) => s.ownPids.length)),
		},
	};
}

async function partIdle(): Promise<void> {
	process.stdout.write(
		`\n1. idle: ${runs} × ${idleSeconds} s of node dist/cli.js --demo in ${cols}×${rows}\n`,
	);
	const idle: IdleRun[] = [];
	for (let i = 0; i < runs; i++) {
		const {run, session, demoPids} = await idleRun();
		await close(session);
		await demoGone(demoPids);
		idle.push(run);
		process.stdout.write(
			`   run ${i + 1}: mcptop ${run.ownCpu.toFixed(2)} %, demo ${run.demoCpu.toFixed(2)} %, RSS ${run.ownRssMean.toFixed(1)}/${run.ownRssMax.toFixed(1)} MB, machine busy ${run.machineBusy.toFixed(0)} %\n`,
		);
	}
	results['idle'] = idle;
	const pick = (f: (r: IdleRun) => number) => spread(idle.map(f));
	row({
		part: '1',
		figure: 'idle CPU, mcptop + its children (% of one core)',
		spread: pick((r) => r.ownCpu),
		unit: '%',
		digits: 2,
		target: {op: '<=', value: 1},
	});
	row({
		part: '1',
		figure: 'idle RSS, mcptop (mean over the window)',
		spread: pick((r) => r.ownRssMean),
		unit: 'MB',
		digits: 1,
		target: {op: '<=', value: 100},
	});
	row({
		part: '1',
		figure: 'idle RSS, mcptop (max over the window)',
		spread: pick((r) => r.ownRssMax),
		unit: 'MB',
		digits: 1,
		target: {op: '<=', value: 100},
	});
	row({
		part: '1',
		figure: 'demo stack CPU (server + fake editor, not mcptop)',
		spread: pick((r) => r.demoCpu),
		unit: '%',
		digits: 2,
		note: 'reported',
	});
	row({
		part: '1',
		figure: 'demo stack RSS (mean, both processes)',
		spread: pick((r) => r.demoRssMean),
		unit: 'MB',
		digits: 1,
		note: 'reported',
	});
	row({
		part: '1',
		figure: 'terminal output while idle',
		spread: pick((r) => r.outputBytesPerSecond / 1024),
		unit: 'KiB/s',
		digits: 1,
		note: 'info',
	});
	row({
		part: '1',
		figure: 'whole machine busy during the window (all processes)',
		spread: pick((r) => r.machineBusy),
		unit: '%',
		digits: 0,
		note: 'info: % of one core, all processes',
	});
}

async function partStartup(): Promise<void> {
	const s = await stack();
	const log = path.join(work, 'startup.log');
	fs.writeFileSync(log, '');
	process.stdout.write(`\n2. startup: exec to the first frame with data in all four panes\n`);
	const launches: number[] = [];
	// One uncounted launch first, so every counted one finds the files in the page cache.
	for (let i = 0; i <= runs; i++) {
		const session = open(watchFlags(s, log, 'startup'));
		const startup = await firstFullFrame(session, 'startup, stack running');
		if (i > 0) launches.push(startup);
		await close(session);
	}
	results['startup'] = {stackRunning: launches, withDemo: startupDemo};
	row({
		part: '2',
		figure: 'first full frame, demo stack already running',
		spread: spread(launches),
		unit: 'ms',
		digits: 0,
		target: {op: '<=', value: 600},
	});
	if (startupDemo.length > 0) {
		row({
			part: '2',
			figure: 'first full frame with --demo (starts the stack first)',
			spread: spread(startupDemo),
			unit: 'ms',
			digits: 0,
			target: {op: '<=', value: 600},
		});
	}
}

// ---------------------------------------------------------------------------------------------
// 3. Ingestion

function grepPattern(): string {
	return defaultConfig()
		.alerts.rules.map((rule) => `(${rule.pattern})`)
		.join('|');
}

function grepOnce(file: string, locale: string): {ms: number; count: number} {
	const began = performance.now();
	const result = spawnSync('grep', ['-c', '-E', '-i', grepPattern(), file], {
		encoding: 'utf8',
		env: {...process.env, LC_ALL: locale},
	});
	const ms = performance.now() - began;
	if (result.status !== 0 && result.status !== 1) {
		throw new Error(`grep failed: ${result.stderr || result.error?.message}`);
	}
	return {ms, count: Number(result.stdout.trim())};
}

async function partIngest(): Promise<void> {
	const s = await stack();
	const src = source();
	const want = expectedTotals(src.counts, src.lines, 1);
	process.stdout.write(
		`\n3. ingestion: ${src.lines.toLocaleString('en-US')} lines (${(src.bytes / 1e6).toFixed(0)} MB; crit ${want.critical}, err ${want.error}, warn ${want.warning}) appended by cat\n`,
	);
	const screenMs: number[] = [];
	const cpuMs: number[] = [];
	const catMs: number[] = [];
	const grepUtf8: number[] = [];
	const grepC: number[] = [];
	for (let i = 0; i < runs; i++) {
		const log = path.join(work, `ingest-${i}.log`);
		fs.writeFileSync(log, '');
		const session = open(watchFlags(s, log, 'ingest'));
		await session.waitFor(fullFrame, 'the first full frame', 30_000);
		const cpuBefore = sampleOrThrow(session.pid);
		const writer = appendAsFastAsPossible(src.file, log, 1);
		otherPids.add(writer.pid);
		const started = performance.now();
		const exact = await session.waitFor(
			(screen) => totalsMatch(screen, want),
			`exact totals ${JSON.stringify(want)}`,
			120_000,
		);
		screenMs.push(exact.at - started);
		cpuMs.push(
			(sampleOrThrow(session.pid).ownTicks - cpuBefore.ownTicks) * (1000 / ticksPerSecond),
		);
		catMs.push(await writer.done);
		otherPids.delete(writer.pid);
		await close(session);
		fs.rmSync(log, {force: true});
		// grep over the same bytes, from the page cache like mcptop's reads.
		const utf8 = grepOnce(src.file, 'C.UTF-8');
		const c = grepOnce(src.file, 'C');
		const alerts = want.critical + want.error + want.warning;
		if (utf8.count !== alerts || c.count !== alerts) {
			notes.push(
				`grep counted ${utf8.count} (UTF-8) / ${c.count} (C) alert lines, the generator wrote ${alerts}`,
			);
		}
		grepUtf8.push(utf8.ms);
		grepC.push(c.ms);
		process.stdout.write(
			`   run ${i + 1}: exact on screen after ${screenMs[i]!.toFixed(0)} ms, mcptop used ${cpuMs[i]!.toFixed(0)} ms CPU (cat done in ${catMs[i]!.toFixed(0)} ms); grep ${utf8.ms.toFixed(0)} ms (UTF-8), ${c.ms.toFixed(0)} ms (C)\n`,
		);
	}
	// The same path without the UI: LogTail alone in this process (scripts/bench-logtail.ts).
	const inProcess: number[] = [];
	for (let i = 0; i < runs; i++) {
		const report = await measureLogTail(src.lines);
		if (!report.tail.exact) notes.push('the in-process LogTail run did not count exactly');
		inProcess.push(report.tail.linesPerSec);
	}
	results['ingest'] = {screenMs, cpuMs, catMs, grepUtf8, grepC, inProcess};
	const rate = screenMs.map((ms) => src.lines / (ms / 1000));
	row({
		part: '3',
		figure: 'ingestion, until the screen shows exact totals',
		spread: spread(rate),
		unit: 'lines/s',
		digits: 0,
		target: {op: '>=', value: 500_000},
	});
	row({
		part: '3',
		figure: `time until exact totals on screen (${(src.lines / 1e6).toFixed(0)} M lines)`,
		spread: spread(screenMs),
		unit: 'ms',
		digits: 0,
		note: 'info',
	});
	row({
		part: '3',
		figure: 'ingestion per CPU-second of mcptop (all its work in that time)',
		spread: spread(cpuMs.map((ms) => src.lines / (ms / 1000))),
		unit: 'lines/s',
		digits: 0,
		note: 'info: not bound by the tick',
	});
	row({
		part: '3',
		figure: 'ratio to grep -c -E -i, same patterns (C.UTF-8)',
		spread: spread(screenMs.map((ms, i) => ms / grepUtf8[i]!)),
		unit: '×',
		digits: 1,
		target: {op: '<=', value: 10},
	});
	row({
		part: '3',
		figure: 'grep -c -E -i time (C.UTF-8 / C locale: see note)',
		spread: spread(grepUtf8),
		unit: 'ms',
		digits: 0,
		note: `C locale ${fmt(spread(grepC).median, 0)} ms`,
	});
	row({
		part: '3',
		figure: 'LogTail alone, no UI (scripts/bench-logtail.ts)',
		spread: spread(inProcess),
		unit: 'lines/s',
		digits: 0,
		note: 'info',
	});
}

// ---------------------------------------------------------------------------------------------
// 4. Responsiveness under a flood

async function partFlood(): Promise<void> {
	const s = await stack();
	const src = source();
	process.stdout.write(
		`\n4. responsiveness: ${sizes.presses} × (? then Esc) while ${sizes.floodRate.toLocaleString('en-US')} lines/s are appended\n`,
	);
	const p50: number[] = [];
	const p95: number[] = [];
	const escP95: number[] = [];
	const achieved: number[] = [];
	const catchUp: number[] = [];
	for (let i = 0; i < runs; i++) {
		const log = path.join(work, `flood-${i}.log`);
		fs.writeFileSync(log, '');
		const session = open(watchFlags(s, log, 'flood'));
		await session.waitFor(fullFrame, 'the first full frame', 30_000);
		const writer = startRateWriter(src.file, log, sizes.floodRate, 120);
		writers.add(writer);
		await sleep(2000);
		const delays: number[] = [];
		const escDelays: number[] = [];
		for (let press = 0; press < sizes.presses; press++) {
			const pressed = session.press('?');
			const shown = await session.waitFor((sc) => /▶ Help/.test(sc), 'the Help pane', 10_000);
			delays.push(shown.at - pressed);
			// Not at once: Ink's frame throttle (maxFps 20) would hold the next frame back.
			await sleep(100 + Math.random() * 100);
			const escaped = session.press('\u001B');
			const closed = await session.waitFor(
				(sc) => !/▶ Help/.test(sc) && /Alerts/.test(sc),
				'the Help pane to close',
				10_000,
			);
			escDelays.push(closed.at - escaped);
			// An irregular gap, so presses do not lock onto the 1 s tick.
			await sleep(150 + Math.random() * 250);
		}
		const written = await writer.stop();
		writers.delete(writer);
		achieved.push(written.lines / written.seconds);
		const stopped = performance.now();
		const settled = await session.waitFor(
			(sc) => alertTotals(sc)?.lines === written.lines,
			`${written.lines} lines on screen`,
			60_000,
		);
		catchUp.push(settled.at - stopped);
		await close(session);
		fs.rmSync(log, {force: true});
		p50.push(percentile(delays, 50));
		p95.push(percentile(delays, 95));
		escP95.push(percentile(escDelays, 95));
		process.stdout.write(
			`   run ${i + 1}: ? → Help p50 ${p50[i]!.toFixed(0)} ms, p95 ${p95[i]!.toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms; Esc p95 ${escP95[i]!.toFixed(0)} ms; flood ${Math.round(achieved[i]!)} lines/s; all lines on screen ${catchUp[i]!.toFixed(0)} ms after the flood stopped\n`,
		);
	}
	results['flood'] = {p50, p95, escP95, achieved, catchUp};
	row({
		part: '4',
		figure: 'key (?) to frame with Help, p50',
		spread: spread(p50),
		unit: 'ms',
		digits: 0,
		note: 'info',
	});
	row({
		part: '4',
		figure: 'key (?) to frame with Help, p95',
		spread: spread(p95),
		unit: 'ms',
		digits: 0,
		target: {op: '<=', value: 100},
	});
	row({
		part: '4',
		figure: 'Esc to frame without Help, p95',
		spread: spread(escP95),
		unit: 'ms',
		digits: 0,
		note: 'info',
	});
	row({
		part: '4',
		figure: 'flood rate achieved by the writer',
		spread: spread(achieved),
		unit: 'lines/s',
		digits: 0,
		note: 'info',
	});
	row({
		part: '4',
		figure: 'lag: flood stop to every line counted on screen',
		spread: spread(catchUp),
		unit: 'ms',
		digits: 0,
		note: 'info (≤ 1 tick = keeping up)',
	});
}

// ---------------------------------------------------------------------------------------------
// 5. Memory under a flood

async function partMemory(): Promise<void> {
	const s = await stack();
	const src = source();
	const copies = sizes.memoryCopies;
	const want = expectedTotals(src.counts, src.lines, copies);
	process.stdout.write(
		`\n5. memory: RSS before and after ${want.lines.toLocaleString('en-US')} appended lines (${copies} × the realistic log, ${((src.bytes * copies) / 1e9).toFixed(1)} GB)\n`,
	);
	const before: number[] = [];
	const after: number[] = [];
	const growth: number[] = [];
	const peak: number[] = [];
	const rate: number[] = [];
	for (let i = 0; i < runs; i++) {
		const log = path.join(work, `memory-${i}.log`);
		fs.writeFileSync(log, '');
		const session = open(watchFlags(s, log, 'memory'));
		await session.waitFor(fullFrame, 'the first full frame', 30_000);
		await sleep(3000);
		const rssNow = async () => {
			const values: number[] = [];
			for (let k = 0; k < 3; k++) {
				values.push(sampleOrThrow(session.pid).ownRssKb / 1024);
				await sleep(500);
			}
			return values.reduce((a, b) => a + b, 0) / values.length;
		};
		const rssBefore = await rssNow();
		const writer = appendAsFastAsPossible(src.file, log, copies);
		otherPids.add(writer.pid);
		const started = performance.now();
		let maxRss = 0;
		const watch = setInterval(() => {
			const t = sampleTree(session.pid);
			if (t) maxRss = Math.max(maxRss, t.ownRssKb / 1024);
		}, 250);
		try {
			const exact = await session.waitFor(
				(screen) => totalsMatch(screen, want),
				`exact totals ${JSON.stringify(want)}`,
				600_000,
			);
			rate.push(want.lines / ((exact.at - started) / 1000));
			await writer.done;
			otherPids.delete(writer.pid);
		} finally {
			clearInterval(watch);
		}
		// The pane keeps at most 500 alerts; give the collector a few ticks before reading.
		await sleep(3000);
		const rssAfter = await rssNow();
		await close(session);
		fs.rmSync(log, {force: true});
		before.push(rssBefore);
		after.push(rssAfter);
		growth.push(rssAfter - rssBefore);
		peak.push(Math.max(maxRss, rssAfter));
		process.stdout.write(
			`   run ${i + 1}: RSS ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MB (peak ${peak[i]!.toFixed(1)} MB), ${Math.round(rate[i]!)} lines/s\n`,
		);
	}
	results['memory'] = {before, after, growth, peak, rate};
	row({
		part: '5',
		figure: 'RSS before the flood',
		spread: spread(before),
		unit: 'MB',
		digits: 1,
		note: 'info',
	});
	row({
		part: '5',
		figure: `RSS after ${(want.lines / 1e6).toFixed(0)} M lines`,
		spread: spread(after),
		unit: 'MB',
		digits: 1,
		note: 'info',
	});
	row({
		part: '5',
		figure: `RSS growth after ${(want.lines / 1e6).toFixed(0)} M lines`,
		spread: spread(growth),
		unit: 'MB',
		digits: 1,
		target: {op: '<=', value: 30},
	});
	row({
		part: '5',
		figure: 'RSS peak during the flood',
		spread: spread(peak),
		unit: 'MB',
		digits: 1,
		note: 'info',
	});
	row({
		part: '5',
		figure: `ingestion over ${(want.lines / 1e6).toFixed(0)} M lines (screen exact)`,
		spread: spread(rate),
		unit: 'lines/s',
		digits: 0,
		note: 'info',
	});
}

// ---------------------------------------------------------------------------------------------
// 6. Per-tick cost of each probe, and the floors

async function partProbes(): Promise<void> {
	const s = await stack();
	process.stdout.write(
		`\n6. per-tick CPU of each probe: ${runs} runs × ${sizes.probeCalls} calls, 100 ms apart (mean per call, incl. periodic full scans)\n`,
	);
	const byProbe = new Map<string, number[]>();
	const add = (r: Result) => {
		const list = byProbe.get(r.probe) ?? [];
		list.push(r.meanMs + (r.childrenMeanMs ?? 0));
		byProbe.set(r.probe, list);
	};
	for (let i = 0; i < runs; i++) {
		for (const r of await measureProbes({
			calls: sizes.probeCalls,
			siCalls: sizes.siCalls,
			gapMs: 100,
			includeSi: sizes.siCalls > 0,
		})) {
			add(r);
		}
		try {
			add(await measureEndpoint(`ws://127.0.0.1:${s.mcpPort}`, sizes.probeCalls, 100));
		} catch (error) {
			notes.push(`endpoint probe run ${i + 1} not counted: ${(error as Error).message}`);
		}
		add(await measureLogTailIdle(s.logFile, sizes.logTailSeconds));
	}
	results['probes'] = Object.fromEntries(byProbe);
	for (const [probe, values] of byProbe) {
		const comparison = probe.startsWith('si.');
		row({
			part: '6',
			figure: comparison
				? `${probe} (systeminformation, for comparison; incl. forked commands)`
				: probe.startsWith('LogTail')
					? 'LogTail following the demo log (per second)'
					: `${probe} per tick`,
			spread: spread(values),
			unit: 'ms',
			digits: 3,
			note: comparison ? 'not used by mcptop' : 'info',
		});
	}
}

async function partFloor(): Promise<void> {
	process.stdout.write(
		`\n6. floors: ${runs} × ${sizes.floorSeconds} s, each in its own ${cols}×${rows} pseudo-terminal\n`,
	);
	const byKind = new Map<string, {cpu: number[]; rss: number[]}>();
	for (let i = 0; i < runs; i++) {
		// React's production build, as mcptop's entry selects it.
		for (const f of await measureFloors(sizes.floorSeconds, {...env, NODE_ENV: 'production'})) {
			const entry = byKind.get(f.kind) ?? {cpu: [], rss: []};
			entry.cpu.push(f.cpuPercent);
			entry.rss.push(f.rssMb);
			byKind.set(f.kind, entry);
		}
	}
	results['floor'] = Object.fromEntries(byKind);
	for (const [kind, entry] of byKind) {
		row({
			part: '6',
			figure: `floor: ${kind}, CPU (1 render/s)`,
			spread: spread(entry.cpu),
			unit: '%',
			digits: 2,
			note: `RSS ${fmt(spread(entry.rss).median, 1)} MB`,
		});
	}
}

// ---------------------------------------------------------------------------------------------
// 7. Each transport's probe, the client library, and the server log lines probing causes

async function partTransports(): Promise<void> {
	const s = await stack();
	const began = performance.now();
	process.stdout.write(
		`\n7. transports: ${runs} runs × ${sizes.transportCalls} probes, 100 ms apart, per transport; imports in fresh node processes; ${sizes.serverLogTicks} ticks of the CLI against three logging servers\n`,
	);
	const measured = await runTransportBench({
		demoPort: s.mcpPort,
		runs,
		calls: sizes.transportCalls,
		gapMs: 100,
		ticks: sizes.serverLogTicks,
		dir: fs.mkdtempSync(path.join(work, 'transports-')),
		env,
		pids: otherPids,
		log: (line) => process.stdout.write(`${line}\n`),
	});
	results['transports'] = measured;
	notes.push(...measured.notes);
	for (const {values, ...r} of transportRows(measured))
		row({part: '7', ...r, spread: spread(values)});
	process.stdout.write(`   (${((performance.now() - began) / 1000).toFixed(0)} s)\n`);
}

// ---------------------------------------------------------------------------------------------
// 8. Side by side with htop and btop, and what each unit of work costs (issue 13)

const sideSizes = [
	{cols: 80, rows: 24},
	{cols: 160, rows: 48},
] as const;

async function partSide(): Promise<void> {
	const s = await stack();
	process.stdout.write(
		`\n8. side by side: ${runs} × ${sizes.sideSeconds} s, mcptop, htop and btop at ${sideSizes.map((z) => `${z.cols}×${z.rows}`).join(' and ')} at once; then a log at ${sizes.busyRate.toLocaleString('en-US')} lines/s\n`,
	);
	const list: SideRun[] = [];
	for (let i = 0; i < runs; i++) {
		// One failed window (a monitor that did not draw on a loaded machine) is a note, not the end
		// of a 15-minute run.
		const r = await measureSideBySide({
			stack: s,
			dir: fs.mkdtempSync(path.join(work, 'side-')),
			env,
			seconds: sizes.sideSeconds,
			warmupSeconds: sizes.sideWarmupSeconds,
			sizes: sideSizes,
			extra: sizes.sideExtra,
			extraProcesses: sizes.sideProcesses,
			busyRate: sizes.busyRate,
			pids: otherPids,
			watchFlags: (log, name) => watchFlags(s, log, `${name}-${i}`),
		}).catch((error: unknown) => {
			notes.push(
				`side-by-side run ${i + 1} not counted: ${(error as Error).message.split('\n')[0]}`,
			);
			return null;
		});
		if (!r) continue;
		list.push(r);
		process.stdout.write(
			`   run ${i + 1}: ${Object.entries(r.idle)
				.map(([k, v]) => `${k} ${v.cpu.toFixed(2)} %`)
				.join(', ')}; busy: ${Object.entries(r.busy)
				.map(([k, v]) => `${k} ${v.cpu.toFixed(2)} %`)
				.join(
					', ',
				)}; machine busy ${r.machineBusy.idle.toFixed(0)} / ${r.machineBusy.busy.toFixed(0)} %\n`,
		);
	}
	results['side'] = list;
	const missing = list[0]?.missing ?? [];
	for (const program of missing)
		notes.push(`${program} is not installed: no side-by-side figure for it`);
	const cpu = (name: string) => spread(list.map((r) => r.idle[name]?.cpu ?? NaN));
	const rss = (name: string) => spread(list.map((r) => r.idle[name]?.rssMb ?? NaN));
	const ratio = (a: string, b: string) =>
		spread(list.map((r) => (r.idle[a]?.cpu ?? NaN) / (r.idle[b]?.cpu ?? NaN)));
	for (const {cols: c, rows: h} of sideSizes) {
		const size = `${c}×${h}`;
		row({
			part: '8',
			figure: `idle CPU ${size}, mcptop (1 s, watching the demo stack)`,
			spread: cpu(`mcptop ${size}`),
			unit: '%',
			digits: 2,
			note: 'info',
		});
		for (const other of ['htop', 'btop'].filter((p) => !missing.includes(p))) {
			row({
				part: '8',
				figure: `idle CPU ${size}, ${other} (1 s, same window)`,
				spread: cpu(`${other} ${size}`),
				unit: '%',
				digits: 2,
				note: `RSS ${fmt(rss(`${other} ${size}`).median, 1)} MB`,
			});
			row({
				part: '8',
				figure: `idle CPU ${size}, mcptop ÷ ${other} (same run)`,
				spread: ratio(`mcptop ${size}`, `${other} ${size}`),
				unit: '×',
				digits: 2,
				...(other === 'htop' ? {target: {op: '<=' as const, value: 1}} : {note: 'info'}),
			});
		}
		row({
			part: '8',
			figure: `idle RSS ${size}, mcptop (mean over the window)`,
			spread: rss(`mcptop ${size}`),
			unit: 'MB',
			digits: 1,
			target: {op: '<=', value: 80},
		});
	}
	const large = `${sideSizes.at(-1)!.cols}×${sideSizes.at(-1)!.rows}`;
	row({
		part: '8',
		figure: `idle CPU ${large}, mcptop drawing with Ink's own Output (MCPTOP_LINE_CACHE=off)`,
		spread: cpu(`mcptop ${large} stock`),
		unit: '%',
		digits: 2,
		note: 'info: the render path off',
	});
	row({
		part: '8',
		figure: `idle CPU ${large}, mcptop ÷ the same with Ink's own Output (same run)`,
		spread: ratio(`mcptop ${large}`, `mcptop ${large} stock`),
		unit: '×',
		digits: 2,
		note: "info: the line cache's share",
	});
	const n = sizes.sideExtra;
	row({
		part: '8',
		figure: 'idle CPU, --json (headless collector)',
		spread: cpu('json'),
		unit: '%',
		digits: 2,
		target: {op: '<=', value: 0.3},
	});
	row({
		part: '8',
		figure: 'idle RSS, --json (mean over the window)',
		spread: spread(list.map((r) => r.idle['json']!.rssMb)),
		unit: 'MB',
		digits: 1,
		note: 'info',
	});
	row({
		part: '8',
		figure: `--json, CPU per extra log file (${n} empty files more)`,
		spread: spread(list.map((r) => (r.idle[`json +${n} logs`]!.cpu - r.idle['json']!.cpu) / n)),
		unit: 'points',
		digits: 3,
		target: {op: '<=', value: 0.02},
	});
	row({
		part: '8',
		figure: `--json, CPU per extra port (${n} listening ports more)`,
		spread: spread(list.map((r) => (r.idle[`json +${n} ports`]!.cpu - r.idle['json']!.cpu) / n)),
		unit: 'points',
		digits: 3,
		target: {op: '<=', value: 0.02},
	});
	const crowd = sizes.sideProcesses;
	const perHundred = (name: string) =>
		spread(
			list.map((r) => {
				const without = ((r.idle[name]?.cpu ?? NaN) + (r.uncrowded[name]?.cpu ?? NaN)) / 2;
				return (((r.crowded[name]?.cpu ?? NaN) - without) / crowd) * 100;
			}),
		);
	row({
		part: '8',
		figure: `--json, CPU per 100 extra processes (${crowd} sleeping processes more)`,
		spread: perHundred('json'),
		unit: 'points',
		digits: 3,
		target: {op: '<=', value: 0.02},
	});
	const htop = !list.some((r) => r.missing.includes('htop'));
	for (const [name, note] of [
		[`mcptop ${large}`, 'info'],
		...(htop ? [[`htop ${large}`, 'info: a reference']] : []),
	]) {
		row({
			part: '8',
			figure: `${name}, CPU per 100 extra processes (same windows)`,
			spread: perHundred(name!),
			unit: 'points',
			digits: 3,
			note: note!,
		});
	}
	const busy = (name: string) => spread(list.map((r) => r.busy[name]?.cpu ?? NaN));
	const rate = sizes.busyRate.toLocaleString('en-US');
	for (const [mode, label] of [
		['tui', 'TUI 160×48'],
		['json', '--json'],
	] as const) {
		row({
			part: '8',
			figure: `${label}, log at ${rate} lines/s: CPU`,
			spread: busy(`${mode} busy`),
			unit: '%',
			digits: 2,
			note: `idle twin ${fmt(busy(`${mode} idle`).median, 2)} %`,
		});
		row({
			part: '8',
			figure: `${label}, log at ${rate} lines/s: CPU above its idle twin`,
			spread: spread(list.map((r) => r.busy[`${mode} busy`]!.cpu - r.busy[`${mode} idle`]!.cpu)),
			unit: 'points',
			digits: 2,
			target: {op: '<=', value: 0.5},
		});
	}
	row({
		part: '8',
		figure: 'busy log: rate achieved by the writer',
		spread: spread(list.map((r) => r.busyLinesPerSecond)),
		unit: 'lines/s',
		digits: 0,
		note: 'info: 5 % warnings, 2 % errors',
	});
}

async function partFrame(): Promise<void> {
	process.stdout.write(
		`\n9. one frame in-process: ${runs} runs × ${sizes.frames} frames of a 160×47 screen, Ink's Output and the line cache\n`,
	);
	const byKind = new Map<string, number[]>();
	for (let i = 0; i < runs; i++) {
		// A process of its own, with React's production build as mcptop's bundle has it.
		const result = spawnSync(
			process.execPath,
			['--import', 'tsx', path.join(repoRoot, 'scripts', 'bench-frame.ts'), String(sizes.frames)],
			{cwd: repoRoot, encoding: 'utf8', env: {...env, NODE_ENV: 'production'}, timeout: 300_000},
		);
		const line = result.stdout.split('\n').find((l) => l.startsWith('['));
		if (!line) {
			notes.push(`frame run ${i + 1} printed nothing: ${result.stderr.slice(0, 200)}`);
			continue;
		}
		for (const r of JSON.parse(line) as FrameReading[]) {
			const kind = `${r.screen}, ${r.cache ? 'line cache' : "Ink's Output"}`;
			byKind.set(kind, [...(byKind.get(kind) ?? []), r.msPerFrame]);
		}
	}
	results['frame'] = Object.fromEntries(byKind);
	for (const [kind, values] of byKind) {
		row({
			part: '9',
			figure: `one 160×47 frame, ${kind}`,
			spread: spread(values),
			unit: 'ms',
			digits: 2,
			note: 'info: CPU per frame',
		});
	}
	for (const screen of ['all rows change', 'one row changes']) {
		const cached = byKind.get(`${screen}, line cache`) ?? [];
		const stock = byKind.get(`${screen}, Ink's Output`) ?? [];
		row({
			part: '9',
			figure: `one 160×47 frame, ${screen}: line cache ÷ Ink's Output`,
			spread: spread(cached.map((ms, i) => ms / stock[i]!)),
			unit: '×',
			digits: 2,
			note: 'info: same process',
		});
	}
}

// ---------------------------------------------------------------------------------------------
// 10. mcptop serve (issue 11): idle CPU without a screen, one scrape, the fleet view with 300 machines

async function partServe(): Promise<void> {
	const s = await stack();
	process.stdout.write(
		`\n10. serve: ${runs} runs × ${sizes.floorSeconds} s idle and scraped, ${sizes.probeCalls * 4} scrapes; fleet view renders in a production-mode node\n`,
	);
	const dir = fs.mkdtempSync(path.join(work, 'serve-'));
	for (const r of await runServeBench({
		stack: s,
		runs,
		idleSeconds: sizes.floorSeconds,
		scrapes: sizes.probeCalls * 4,
		dir,
		env,
		pids: otherPids,
		log: (line) => process.stdout.write(`${line}\n`),
	})) {
		row({
			part: '10',
			figure: r.figure,
			spread: spread(r.values),
			unit: r.unit,
			digits: r.digits,
			...(r.note ? {note: r.note} : {}),
		});
	}
}

// Issue 10: `mcptop logs` over a generated log beside grep -c on the same file, and the live tail
// with traceback grouping on (scripts/bench-history.ts).
async function partHistory(): Promise<void> {
	const mb = quick ? 32 : 256;
	process.stdout.write(`\n11. history: ${runs} runs over a ${mb} MB log with tracebacks\n`);
	const got: HistoryBenchRun[] = [];
	for (let i = 0; i < runs; i++) got.push(await measureHistory(mb));
	if (got.some((r) => !r.exact)) notes.push('history: a run did not count exactly');
	const figure = (name: string, unit: string, pick: (r: HistoryBenchRun) => number, digits = 0) =>
		row({part: 'history', figure: name, spread: spread(got.map(pick)), unit, digits});
	figure(`mcptop logs (analyseLogs), ${mb} MB`, 'MB/s', (r) => r.historyMbPerSec);
	figure('grep -c ERROR, same file', 'MB/s', (r) => r.grepMbPerSec);
	figure('grep -c -E -i <every rule>, same file', 'MB/s', (r) => r.grepRulesMbPerSec);
	figure('history peak RSS growth', 'MB', (r) => r.historyPeakRssMb - r.baseRssMb, 1);
	figure('live tail with traceback grouping', 'lines/s', (r) => r.tailGroupedLinesPerSec);
	figure('live tail, no grouping (same lines)', 'lines/s', (r) => r.tailPlainLinesPerSec);
}

async function partProfile(): Promise<void> {
	const dir = path.join(work, 'profile');
	fs.mkdirSync(dir);
	process.stdout.write(`\nprofile: one idle run under node --cpu-prof (not counted above)\n`);
	const {session, demoPids} = await idleRun(['--cpu-prof', '--cpu-prof-dir', dir]);
	// The window: the idle run's last samples, with a margin so the quit stays out of it.
	const windowEnd = performance.now() - 200;
	const windowStart = windowEnd - (idleSeconds - 0.2) * 1000;
	await close(session);
	await demoGone(demoPids);
	const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
	if (!file || session.exitedAt === null) {
		notes.push('--profile: node wrote no .cpuprofile (the CLI did not exit normally)');
		return;
	}
	profile = summariseProfile(
		path.join(dir, file),
		{
			startBeforeEndUs: (session.exitedAt - windowStart) * 1000,
			endBeforeEndUs: (session.exitedAt - windowEnd) * 1000,
		},
		repoRoot,
	);
	process.stdout.write(profile.text + '\n');
}

// ---------------------------------------------------------------------------------------------

/** The commit under test, and whether the tree differs from it (read-only git). */
function codeVersion(): string {
	const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
		cwd: repoRoot,
		encoding: 'utf8',
	});
	if (head.status !== 0) return 'unknown (not a git checkout)';
	const dirty = spawnSync('git', ['status', '--porcelain', '--', 'source'], {
		cwd: repoRoot,
		encoding: 'utf8',
	});
	return `${head.stdout.trim()}${dirty.stdout.trim() ? ' with uncommitted changes in source/' : ''}`;
}

function machine(): Record<string, string> {
	const cpus = os.cpus();
	return {
		cores: String(cpus.length),
		cpu: cpus[0]?.model ?? 'unknown',
		memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
		node: process.version,
		os: `${os.type()} ${os.release()}`,
	};
}

/** Word-wraps one paragraph or list item to `width` columns; later lines get `indent`. */
function wrap(text: string, width = 100, indent = ''): string {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/)) {
		if (line !== '' && line.length + 1 + word.length > width) {
			lines.push(line);
			line = indent + word;
		} else line = line === '' ? word : `${line} ${word}`;
	}
	if (line !== '') lines.push(line);
	return lines.join('\n');
}

// What the frame rows of part 6 and 8 stand for; kept with the figures they explain.
const frameNotes = [
	"Ink 6.8 builds every frame from scratch: Output#get makes a cell object for every column of every row, tokenises every line's escape codes (@alcalzone/ansi-tokenize), measures every cell (string-width) and joins every row again, and cuts every line to its box (slice-ansi), changed or not. The floors show it: a 160×47 screen costs about the same whether every row changes or only a clock.",
	"mcptop's line cache (source/render/line-cache.ts, on unless MCPTOP_LINE_CACHE=off) replaces Output#get and nothing else: it works out what lands on each row (Ink's clipping and transforms, in Ink's order), reuses the row string when the row's writes are the same, and builds a changed row with Ink's own get on a one-row Output, so the text is Ink's to the byte (test/render/line-cache.test.tsx compares both over random frames with wide characters, escape codes, clips and transforms). Rows are keyed by content, not position, so an alert list that moves down by one line still hits; cuts to a box are cached by line. Panes stay React components, Yoga lays them out, log-update writes the frame. In-process, a 160×47 screen with one changing row went from about 45 to about 3 ms per frame; with every row changing it costs what Ink's get costs. Upstream, the same cache fits inside Ink's Output if the renderer keeps it from frame to frame (it creates a new Output per frame).",
	"What a frame still costs after that: Ink's renderNodeToOutput measures every text node with widest-line on every frame (not cached), React reconciles the panes whose props changed (the Ports, Processes and Latency panes and the Header are memoised; their data changes every tick), and the rows that did change are built and written.",
	"Ink's incrementalRendering option (part 6's floor row) rewrites only the changed lines on the terminal: fewer bytes for an SSH link or tmux to parse, the same work to build the frame. It is measured here, not turned on: mcptop's frame is already cheap to build, and the option changes how Ink clears the screen on a resize, which the end-to-end tests would have to cover first.",
	'Noticed in Ink 6.8, not changed: wrap-text.js keeps every text it ever cut or wrapped in a module-level object that is never emptied (a clock or a changing figure adds a key every tick): slow growth of RSS over days of running.',
];

function markdown(
	startLoad: number[],
	endLoad: number[],
	seconds: number,
	code: string,
	kept: {rounds: string; profile: string},
): string {
	const m = machine();
	const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
	const lines = sizes.ingestLines.toLocaleString('en-US');
	const method = [
		`**Idle**: \`node dist/cli.js --demo\`; after the first full frame and 2 s, ${idleSeconds} s sampled every 1 s. CPU is the growth of the CPU time of mcptop and its live non-demo descendants over the wall time: each process's threads as the scheduler counts them, in ns (se.sum_exec_runtime, /proc/PID/task/*/sched), or utime+stime in 10 ms ticks (/proc/PID/stat) on a kernel without those files, plus cutime+cstime (short-lived children land there when reaped). This machine: ${cpuClock()}. The demo stack (processes whose command line carries \`--demo-id\`) is reported on its own rows. RSS is VmRSS (/proc/PID/status): mean and max over the samples. All probes are active: ports, processes, system, the endpoint's ws ping and the demo log's tail. "Whole machine busy" is /proc/stat over the same window, all processes together: other load on the machine skews every figure here.`,
		`**Startup**: from just before the spawn to the arrival of the output chunk after which the screen first shows all four panes with data: a LISTEN row with a PID, a process row with PID, CPU and RSS, "now N ms" in Latency, "N lines" in the Alerts title with the log followed. "Already running": mcptop watching a demo stack the bench started from \`dist/demo\` (one uncounted launch first, so the files are in the page cache). "With --demo": the idle runs' launches, which start the stack first.`,
		`**Ingestion**: mcptop without \`--demo\`, watching the bench's demo stack (\`--endpoint\`, \`--port\`, the default process match) and tailing one empty file (\`--log\`); then \`cat\` appends ${lines} realistic lines (Python logging format; about 5 % WARNING, 2 % ERROR, 0.02 % CRITICAL; 1 % of the lines 2 KB long). The time runs from the append's start to the frame whose Alerts title shows exactly the generator's "crit · err · warn · lines": the running TUI is what is measured. The store publishes once per 1 s tick and the append starts at the first full frame, which usually comes just after a tick, so the figure includes up to (usually nearly) a whole tick of waiting; "per CPU-second" divides by the CPU mcptop used in that time instead, which no tick bounds. grep runs over the same file with every rule in one case-insensitive alternation; the ratio pairs run i of mcptop with run i of grep. "LogTail alone" is scripts/bench-logtail.ts: the tail classifying in the bench process, no UI.`,
		`**Responsiveness**: the same setup; a separate writer process appends ${sizes.floodRate.toLocaleString('en-US')} lines/s (every 10 ms, as many lines as the schedule is behind). After 2 s, ${sizes.presses} times: press \`?\` and time until the output chunk after which the Help pane is on screen; pause 100–200 ms; press Esc and time until it is gone; pause 150–400 ms. p50 and p95 (nearest rank) per run. "Lag" runs from stopping the writer until the Alerts title counts every line written.`,
		`**Memory**: the same setup; RSS (mean of 3 readings) 3 s after the first full frame; then \`cat\` appends the realistic log ${sizes.memoryCopies} times (${(sizes.memoryCopies * sizes.ingestLines).toLocaleString('en-US')} lines); once the totals on screen are exact and 3 s more have passed, RSS again. Peak is the highest of the readings taken every 250 ms meanwhile.`,
		`**Per tick**: each probe's sample() in the bench process (scripts/bench-probes.ts: a ws server with two clients in a child process; a fake 1 s clock, so periodic full scans happen at their real rate): the mean CPU ms per call, forked children included. The endpoint probe pings the bench's demo server over one persistent connection; the log tail follows the demo log. Floors: an idle \`node -e 'setInterval(...)'\`, an Ink app re-rendering one line once a second, and one re-rendering a ${cols}×${rows - 1} screen of coloured rows once a second (every row changing; with mcptop's line cache; with Ink's incrementalRendering; and a screen of which only the first row, a clock, changes, without and with the line cache), each in its own pseudo-terminal, all at the same time, with NODE_ENV=production as mcptop's entry sets it.`,
		transportMethod({calls: sizes.transportCalls, gapMs: 100, ticks: sizes.serverLogTicks}),
		`**Side by side** (scripts/bench-side.ts): in one ${sizes.sideSeconds} s window, ${sizes.sideWarmupSeconds} s after each drew its first frame (a monitor's idle cost is its steady state; its first minute is start-up and warm-up), all at once: mcptop (the built CLI watching the bench's demo stack and tailing its log), \`htop -d 10\` and btop (update_ms = 1000, in a home folder of their own), each at ${sideSizes.map((z) => `${z.cols}×${z.rows}`).join(' and ')} in its own pseudo-terminal; and three headless collectors (\`--json\`): the same flags, the same plus ${sizes.sideExtra} empty log files, the same plus ${sizes.sideExtra} listening ports (each answered and closed by the bench). CPU as in part 1, per process tree; ratios pair the monitors of one run, median of the runs. Then, the same monitors still running, ${sizes.sideProcesses} sleeping processes more on the machine: from 15 s after they started, one more window of the same length for the larger mcptop, htop and the first collector, and another from 15 s after those processes ended ("per 100 extra processes": the crowded window minus the mean of the idle window before it and the one after, so a drift across the three cancels). Then a second window, after the same warm-up with the log already growing (a flood's cost is its steady state too): a TUI at 160×48 and a \`--json\` collector tailing a log that a separate process appends to at ${sizes.busyRate.toLocaleString('en-US')} lines/s (the realistic lines of part 3: 5 % warnings, 2 % errors, so about 70 alerts a second), next to twins with the same flags tailing an empty log; "above its idle twin" is busy minus twin in the same run.`,
		`**One frame** (scripts/bench-frame.ts): in a process of its own (NODE_ENV=production), Ink renders the floors' ${cols}×${rows - 1} screen ${sizes.frames} times (after 20 uncounted) into a stream that drops the bytes; CPU time (process.cpuUsage) per frame, with Ink's own Output#get and with the line cache, for a screen whose every row changes each frame and one where only the first row does.`,
	];
	return [
		'# Benchmarks',
		'',
		wrap(
			`What mcptop costs and how it keeps up, measured by \`${command}\` (scripts/bench.ts) on the built CLI (\`node dist/cli.js\`, as users run it) in a ${cols}×${rows} pseudo-terminal (@lydell/node-pty and @xterm/headless). Every figure is the median and the range of ${runs} runs; PASS/MISS compares the median with the target of issue 5 (parts 1–7) or issue 13 (part 8). Targets are reported, not enforced.${baseline.size > 0 ? ` "Before" is the median of the same figure in an earlier run on this machine (\`--baseline\`: ${baselineLabel}); the machine is shared, so compare ratios measured in one run (part 8) rather than absolute figures across runs.` : ''}`,
		),
		'',
		`- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (quick run: smaller sizes, not the reference numbers)' : ''}`,
		`- Machine: ${m.cores} cores, ${m.cpu}, ${m.memory}, ${m.os}`,
		`- Node: ${m.node}`,
		`- Code: ${code}`,
		`- Load average at the start / end: ${startLoad.map((n) => n.toFixed(2)).join(' ')} / ${endLoad.map((n) => n.toFixed(2)).join(' ')}`,
		`- Duration: ${(seconds / 60).toFixed(1)} min`,
		'',
		table(),
		'',
		...(notes.length > 0
			? ['Notes from this run:', '', ...notes.map((n) => wrap(`- ${n}`, 100, '  ')), '']
			: []),
		wrap(
			'Reference points (issue 5): htop 0.23 % / 4 MB / ~100 ms; btop 0.63 % / 6 MB; glances 2.0 % / 52 MB; a naive Ink + systeminformation monitor 12.5 % / 150 MB / 1.2 s.',
		),
		'',
		'## How each figure is measured',
		'',
		...method.map((text, i) => wrap(`${i + 1}. ${text}`, 100, '   ')),
		'',
		'## The frame (issue 13)',
		'',
		...frameNotes.map((text) => wrap(`- ${text}`, 100, '  ')),
		...(kept.rounds ? ['', kept.rounds] : []),
		...(profile
			? [
					'',
					`## Where the idle CPU goes (node --cpu-prof, one ${idleSeconds} s idle run, code ${code}, ${new Date().toISOString().slice(0, 10)})`,
					'',
					profile.markdown,
				]
			: kept.profile
				? ['', kept.profile]
				: []),
		'',
	].join('\n');
}

async function main(): Promise<void> {
	const began = performance.now();
	const startLoad = os.loadavg();
	// Read before the parts run: the tree may change while they do.
	const code = codeVersion();
	const m = machine();
	process.stdout.write(
		`mcptop bench${quick ? ' (quick)' : ''}: ${m.cores} cores, ${m.cpu}, node ${m.node}, load ${startLoad.map((n) => n.toFixed(2)).join(' ')}\n`,
	);
	if (!fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))) {
		usage('dist/cli.js is missing: run `npm run bench` (it builds first) or `npx tsc`');
	}
	const steps: Array<[Part, () => Promise<void>]> = [
		['idle', partIdle],
		['startup', partStartup],
		['ingest', partIngest],
		['flood', partFlood],
		['memory', partMemory],
		['probes', partProbes],
		['floor', partFloor],
		['transports', partTransports],
		['side', partSide],
		['frame', partFrame],
		['serve', partServe],
		['history', partHistory],
	];
	try {
		for (const [part, run] of steps) if (only.has(part)) await run();
		if (process.argv.includes('--profile')) await partProfile();
	} finally {
		await cleanUp();
	}
	const seconds = (performance.now() - began) / 1000;
	const endLoad = os.loadavg();
	process.stdout.write(`\n${table()}\n`);
	for (const note of notes) process.stdout.write(`note: ${note}\n`);
	process.stdout.write(
		`\n${(seconds / 60).toFixed(1)} min; load average at the end ${endLoad.map((n) => n.toFixed(2)).join(' ')}\n`,
	);
	if (process.argv.includes('--write')) {
		// Formatted as `npm test`'s prettier --check expects.
		const file = path.join(repoRoot, 'BENCHMARKS.md');
		const options = (await prettier.resolveConfig(file)) ?? {};
		const kept = fs.existsSync(file)
			? keptSections(fs.readFileSync(file, 'utf8'))
			: {rounds: '', profile: ''};
		const text = await prettier.format(markdown(startLoad, endLoad, seconds, code, kept), {
			...options,
			parser: 'markdown',
		});
		fs.writeFileSync(file, text);
		process.stdout.write('wrote BENCHMARKS.md\n');
	}
	if (process.argv.includes('--json')) {
		process.stdout.write(JSON.stringify({machine: m, results, rows: rowsOut}, null, 2) + '\n');
	}
}

main().catch(async (error: unknown) => {
	process.stderr.write(
		`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	await cleanUp();
	process.exit(1);
});
