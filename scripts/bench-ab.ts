// Two builds side by side: the only before/after comparison this shared, noisy machine allows. Both
// CLIs watch one demo stack (and, with --busy, one log written at 1,000 lines/s, 5 % warnings, 2 %
// errors) at the same moments; each window prints the CPU (% of one core, utime + stime of the
// process from /proc) and RSS of each. The first window includes start-up and warm-up (JIT, caches,
// the first full scans): compare the later ones for a monitor's steady state.
//
//   npm run build && git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s "$PWD/node_modules" node_modules && npm run build)
//   tsx scripts/bench-ab.ts /tmp/before/dist/cli.js "$PWD/dist/cli.js" [--tui] [--busy] [--seconds 60] [--rounds 4]
//
// --tui draws each in its own 160×48 pseudo-terminal; without it both run with --json.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {startRateWriter} from './bench-flood.js';
import {realisticLog} from './bench-logtail.js';
import {stopPids} from './bench-proc.js';
import {startBenchStack} from './bench-stack.js';
import {BenchTerminal, fullFrame} from './bench-terminal.js';

function usage(message: string): never {
	process.stderr.write(
		`bench-ab: ${message}\nusage: tsx scripts/bench-ab.ts A_CLI B_CLI [--tui] [--busy] [--seconds N] [--rounds N]\n`,
	);
	process.exit(2);
}

function option(name: string, fallback: number): number {
	const i = process.argv.indexOf(`--${name}`);
	if (i < 0) return fallback;
	const value = Number(process.argv[i + 1]);
	if (!Number.isInteger(value) || value <= 0 || value > 3600)
		usage(`--${name} wants a whole number of 1–3600`);
	return value;
}

const clis = process.argv.slice(2, 4).map((p) => path.resolve(p));
if (clis.length < 2 || clis.some((p) => !fs.existsSync(p)))
	usage('two built CLIs (dist/cli.js) are needed');
const tui = process.argv.includes('--tui');
const busy = process.argv.includes('--busy');
const seconds = option('seconds', 60);
const rounds = option('rounds', 4);
// Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux).
const hz = 100;

function sample(pid: number): {ticks: number; rssMb: number} {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return {
		ticks: Number(fields[11]) + Number(fields[12]),
		rssMb: (Number(fields[21]) * 4096) / 1e6,
	};
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-ab-'));
const stack = await startBenchStack(work);
const log = path.join(work, 'watched.log');
fs.writeFileSync(log, '');
const source = path.join(work, 'source.log');
if (busy) fs.writeFileSync(source, realisticLog(1000 * (seconds * rounds + 40)).text);
const env = {...(process.env as Record<string, string>), NODE_ENV: 'production'};
const running: {name: string; pid: number; stop: () => Promise<unknown>}[] = [];
let writer: ReturnType<typeof startRateWriter> | null = null;
try {
	for (const [i, cli] of clis.entries()) {
		const name = i === 0 ? 'A' : 'B';
		const state = path.join(work, `state-${name}`);
		fs.mkdirSync(state);
		const flags = [...stack.flags, '--log', log, '--state-dir', state, '--project-dir', work];
		if (tui) {
			const session = new BenchTerminal(flags, {
				cols: 160,
				rows: 48,
				cwd: work,
				env,
				command: [cli, ...flags],
			});
			await session.waitFor(fullFrame, `${name}'s first full frame`, 30_000);
			running.push({name, pid: session.pid, stop: () => session.quit()});
		} else {
			const child = spawn(process.execPath, [cli, '--json', ...flags], {
				cwd: work,
				env,
				stdio: ['ignore', 'pipe', 'ignore'],
			});
			child.stdout!.resume();
			const pid = child.pid ?? -1;
			running.push({name, pid, stop: () => stopPids([pid], 3000)});
		}
	}
	if (busy) writer = startRateWriter(source, log, 1000, seconds * rounds + 30);
	process.stdout.write(
		`A ${clis[0]}\nB ${clis[1]}\n${tui ? 'TUI 160×48' : '--json'}, ${busy ? 'log at 1,000 lines/s' : 'idle log'}, ${rounds} × ${seconds} s\n`,
	);
	await sleep(5000);
	for (let round = 1; round <= rounds; round++) {
		const before = running.map((r) => sample(r.pid));
		const start = performance.now();
		await sleep(seconds * 1000);
		const elapsed = (performance.now() - start) / 1000;
		const after = running.map((r) => sample(r.pid));
		const cells = running.map((r, i) => {
			const cpu = ((after[i]!.ticks - before[i]!.ticks) / hz / elapsed) * 100;
			return `${r.name} ${cpu.toFixed(2)} % ${after[i]!.rssMb.toFixed(1)} MB`;
		});
		const ratio =
			(after[1]!.ticks - before[1]!.ticks) / Math.max(1, after[0]!.ticks - before[0]!.ticks);
		process.stdout.write(
			`window ${round}: ${cells.join('   ')}   B ÷ A ${ratio.toFixed(2)}   load ${os.loadavg()[0]!.toFixed(2)}\n`,
		);
	}
} finally {
	await writer?.stop();
	for (const r of running) await r.stop();
	await stack.stop();
	fs.rmSync(work, {recursive: true, force: true});
}
