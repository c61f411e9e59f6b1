// Two builds side by side: the only before/after comparison this shared, noisy machine allows. Both
// CLIs watch one demo stack (and, with --busy, one log written at 1,000 lines/s, 5 % warnings, 2 %
// errors) at the same moments; each window prints the CPU (% of one core) and RSS of each, read as
// part 8 of the bench reads them (scripts/bench-proc.ts). The first window includes start-up and
// warm-up (JIT, caches, the first full scans): compare the later ones for a steady state.
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
import {cpuPercent, sampleTree, stopPids, type TreeSample} from './bench-proc.js';
import {startBenchStack} from './bench-stack.js';
import {BenchTerminal, cliCommand, fullFrame} from './bench-terminal.js';

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
				file: cli,
				command: flags,
			});
			await session.waitFor(fullFrame, `${name}'s first full frame`, 30_000);
			running.push({name, pid: session.pid, stop: () => session.quit()});
		} else {
			const command = cliCommand(['--json', ...flags], [], cli);
			const child = spawn(command.file, command.argv, {
				cwd: work,
				env: {...env, ...command.env},
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
		// As part 8 reads them: each mcptop's own tree (a demo stack of its own would not count).
		const read = () =>
			running.map((r) => {
				const s = sampleTree(r.pid);
				if (!s) throw new Error(`${r.name} (pid ${r.pid}) is gone`);
				return s;
			});
		const before: TreeSample[] = read();
		await sleep(seconds * 1000);
		const after = read();
		const cpu = running.map((_, i) =>
			cpuPercent(after[i]!.ownTicks - before[i]!.ownTicks, before[i]!.at, after[i]!.at),
		);
		const cells = running.map(
			(r, i) => `${r.name} ${cpu[i]!.toFixed(2)} % ${(after[i]!.ownRssKb / 1024).toFixed(1)} MB`,
		);
		const ratio = cpu[1]! / Math.max(0.01, cpu[0]!);
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
