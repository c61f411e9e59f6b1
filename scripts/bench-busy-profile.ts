// Where a busy log's CPU goes: the built CLI under node --cpu-prof, watching the demo stack and a log
// written at 1,000 lines/s (5 % warnings, 2 % errors, as part 8's busy row), on the screen (a 160×48
// pseudo-terminal) or with --json. Prints the profile's summary over the window the log was busy.
//
//   npm run build && tsx scripts/bench-busy-profile.ts [--json | --serve] [--idle] [--seconds N] [--rate N]
//                                                 [--warmup N] [--keep FILE]
//
// --serve profiles `mcptop serve` (the headless collector, /metrics on a free port) instead; --idle
// leaves the log empty (where an idle collector's CPU goes). --keep copies the .cpuprofile to FILE (for a look at one function's inclusive time, before and after).
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {startRateWriter} from './bench-flood.js';
import {realisticLog} from './bench-logtail.js';
import {summariseProfile} from './bench-profile.js';
import {startBenchStack} from './bench-stack.js';
import {BenchTerminal, cliCommand, fullFrame, repoRoot} from './bench-terminal.js';

function option(name: string, fallback: number): number {
	const i = process.argv.indexOf(`--${name}`);
	const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
	if (!Number.isFinite(value) || value <= 0) {
		process.stderr.write(`bench-busy-profile: --${name} wants a positive number\n`);
		process.exit(2);
	}
	return value;
}

const serve = process.argv.includes('--serve');
const json = serve || process.argv.includes('--json');
const idle = process.argv.includes('--idle');
const seconds = option('seconds', 30);
const rate = option('rate', 1000);
// Seconds between the first frame (or the collector's start) and the window: a steady state, not
// start-up and JIT warm-up, as part 8's side-by-side window.
const warmup = option('warmup', 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-busy-profile-'));
const profileDir = path.join(work, 'profile');
fs.mkdirSync(profileDir);
const stack = await startBenchStack(work);
const log = path.join(work, 'busy.log');
fs.writeFileSync(log, '');
const source = path.join(work, 'source.log');
fs.writeFileSync(source, realisticLog(Math.max(10_000, rate * (seconds + warmup + 10))).text);
const state = path.join(work, 'state');
fs.mkdirSync(state);
const flags = [...stack.flags, '--log', log, '--state-dir', state, '--project-dir', work];
const env = {...(process.env as Record<string, string>), NODE_ENV: 'production'};
const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profileDir];

let windowStart = 0;
let windowEnd = 0;
let exitedAt: number | null = null;
const writer = () =>
	idle
		? {stop: async () => ({lines: 0, seconds: 0})}
		: startRateWriter(source, log, rate, seconds + warmup + 30);
try {
	if (json) {
		const cli = cliCommand(
			[
				...(serve ? ['serve', '--metrics-listen', '127.0.0.1:0'] : []),
				...flags,
				...(serve ? [] : ['--json']),
			],
			nodeArgs,
		);
		const child = spawn(cli.file, cli.argv, {
			cwd: work,
			env: {...env, ...cli.env},
			stdio: ['ignore', 'ignore', 'inherit'],
		});
		const exited = new Promise<void>((resolve) =>
			child.once('exit', () => {
				exitedAt = performance.now();
				resolve();
			}),
		);
		await sleep(5000);
		const w = writer();
		await sleep(warmup * 1000);
		windowStart = performance.now();
		await sleep(seconds * 1000);
		windowEnd = performance.now();
		await w.stop();
		child.kill('SIGINT');
		await Promise.race([exited, sleep(15_000)]);
	} else {
		const session = new BenchTerminal(flags, {cols: 160, rows: 48, cwd: work, env, nodeArgs});
		await session.waitFor(fullFrame, 'the first full frame', 30_000);
		const w = writer();
		await sleep(warmup * 1000);
		windowStart = performance.now();
		await sleep(seconds * 1000);
		windowEnd = performance.now();
		await w.stop();
		await session.quit();
		exitedAt = session.exitedAt;
	}
} finally {
	await stack.stop();
}
const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
if (!file || exitedAt === null) {
	process.stderr.write('bench-busy-profile: node wrote no .cpuprofile (the CLI did not exit)\n');
	process.exit(1);
}
const summary = summariseProfile(
	path.join(profileDir, file),
	{
		startBeforeEndUs: (exitedAt - windowStart) * 1000,
		endBeforeEndUs: (exitedAt - windowEnd) * 1000,
	},
	repoRoot,
);
process.stdout.write(
	`${serve ? 'serve' : json ? '--json' : 'TUI 160×48'}, ${idle ? 'idle log' : `log at ${rate} lines/s`}, ${seconds} s window\n${summary.text}\n`,
);
const keep = process.argv.indexOf('--keep');
if (keep >= 0 && process.argv[keep + 1]) {
	fs.copyFileSync(path.join(profileDir, file), process.argv[keep + 1]!);
}
fs.rmSync(work, {recursive: true, force: true});
