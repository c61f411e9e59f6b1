// CPU cost of one sample() of each probe, against systeminformation's processes() and
// networkConnections().
// Usage: npx tsx scripts/bench-probes.ts [--calls 200] [--si-calls 30] [--gap-ms 100] [--json]
//
// The watched stack (a ws server with two connected clients, whose command line carries a marker the
// process probe matches) runs in a child process, so the server's own work does not count here.
// Our probes get a fake clock that advances 1 s per call, as the monitor's tick does, so their
// periodic full scans happen at the real rate (the mean includes them; the median is a plain tick).
// Calls are --gap-ms apart: back-to-back calls run with hot caches and cost a fraction of what a
// call once a second does (reading /proc/meminfo: 0.015 ms hot, 0.14 ms after 100 ms idle).
// systeminformation's processes() answers from a cache within 500 ms, so its calls are 510 ms apart.
// "children" is the CPU of the processes a call forked (ps, cat, netstat), from our cutime + cstime.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import si from 'systeminformation';
import {PortProbe} from '../source/probes/ports.js';
import {ProcessProbe} from '../source/probes/processes.js';
import {SystemProbe} from '../source/probes/system.js';

export type Result = {
	probe: string;
	calls: number;
	medianMs: number;
	meanMs: number;
	childrenMeanMs: number | null;
};

function option(name: string, fallback: number): number {
	const i = process.argv.indexOf(`--${name}`);
	const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
	if (!Number.isInteger(value) || value < 1) {
		console.error(`--${name} needs a whole number ≥ 1`);
		process.exit(2);
	}
	return value;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** CPU ticks (10 ms) of reaped children, from /proc/self/stat; null without /proc. */
function childrenTicks(): number | null {
	try {
		const text = fs.readFileSync('/proc/self/stat', 'latin1');
		const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return Number(f[13]) + Number(f[14]);
	} catch {
		return null;
	}
}

export async function measure(
	probe: string,
	count: number,
	sample: () => Promise<unknown>,
	opts: {gapMs?: number; tick?: () => void} = {},
): Promise<Result> {
	for (let i = 0; i < 5; i++) {
		opts.tick?.();
		await sample();
		if (opts.gapMs) await sleep(opts.gapMs);
	}
	const ms: number[] = [];
	const children0 = childrenTicks();
	for (let i = 0; i < count; i++) {
		opts.tick?.();
		const before = process.cpuUsage();
		await sample();
		const d = process.cpuUsage(before);
		ms.push((d.user + d.system) / 1000);
		if (opts.gapMs) await sleep(opts.gapMs);
	}
	const children1 = childrenTicks();
	const sorted = [...ms].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
	return {
		probe,
		calls: count,
		medianMs: round3(median),
		meanMs: round3(ms.reduce((a, b) => a + b, 0) / count),
		childrenMeanMs:
			children0 === null || children1 === null
				? null
				: round3(((children1 - children0) * 10) / count),
	};
}

function round3(n: number): number {
	return Math.round(n * 1000) / 1000;
}

const stackCode = `
const {WebSocketServer, WebSocket} = require('ws');
const wss = new WebSocketServer({host: '127.0.0.1', port: 0});
wss.on('listening', () => {
	const port = wss.address().port;
	let open = 0;
	for (let i = 0; i < 2; i++)
		new WebSocket('ws://127.0.0.1:' + port).on('open', () => ++open === 2 && console.log(port));
});
`;

export type ProbeBenchOptions = {
	calls: number;
	siCalls: number;
	gapMs: number;
	/** Also time systeminformation's processes() and networkConnections() (slow: ~20 s). */
	includeSi: boolean;
};

/** Measures each probe against a ws server with two clients that runs in a child process. */
export async function measureProbes(opts: ProbeBenchOptions): Promise<Result[]> {
	const marker = `mcptop-bench-${process.pid}`;
	const stack = spawn(process.execPath, ['-e', stackCode, marker], {
		cwd: repo,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const stop = () => {
		try {
			if (stack.pid !== undefined && stack.exitCode === null) process.kill(stack.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	};
	process.on('exit', stop);
	try {
		const port = await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error('the bench stack did not start within 10 s')),
				10_000,
			);
			stack.stdout.once('data', (d: Buffer) => {
				clearTimeout(timer);
				resolve(Number(d.toString().trim()));
			});
		});
		// A closed port as well, like the default profile's second port when the bridge is down.
		const closedPort = port === 1 ? 2 : 1;

		let clock = 0;
		const tick = () => {
			clock += 1000;
		};
		const now = () => clock;
		const ports = new PortProbe({
			ports: [
				{port, name: 'mcp'},
				{port: closedPort, name: 'bridge', clients: true},
			],
			now,
		});
		// All ports up: the socket tables may be reused between ticks, so this is the cheap case.
		const openPorts = new PortProbe({ports: [{port, name: 'mcp'}], now});
		const processes = new ProcessProbe({match: new RegExp(marker), now});
		const system = new SystemProbe({diskPath: repo});
		const {calls, gapMs} = opts;

		const results: Result[] = [];
		results.push(
			await measure('PortProbe.sample (1 port, up)', calls, () => openPorts.sample(), {
				tick,
				gapMs,
			}),
		);
		results.push(
			await measure('PortProbe.sample (2 ports, 1 down)', calls, () => ports.sample(), {
				tick,
				gapMs,
			}),
		);
		results.push(
			await measure('ProcessProbe.sample', calls, () => processes.sample(), {tick, gapMs}),
		);
		// SystemProbe waits until 100 ms separate two CPU readings; the wait costs no CPU.
		results.push(await measure('SystemProbe.sample', calls, () => system.sample(), {gapMs}));
		if (opts.includeSi) {
			results.push(
				await measure('si.processes()', opts.siCalls, () => si.processes(), {
					gapMs: Math.max(gapMs, 510),
				}),
			);
			results.push(
				await measure('si.networkConnections()', opts.siCalls, () => si.networkConnections(), {
					gapMs,
				}),
			);
		}
		return results;
	} finally {
		stop();
		process.off('exit', stop);
	}
}

function printTable(results: Result[]): void {
	console.log('CPU ms per call (this process; children = forked commands, mean)');
	console.log(
		'probe'.padEnd(36),
		'calls'.padStart(6),
		'median'.padStart(9),
		'mean'.padStart(9),
		'children'.padStart(9),
	);
	for (const r of results)
		console.log(
			r.probe.padEnd(36),
			String(r.calls).padStart(6),
			r.medianMs.toFixed(3).padStart(9),
			r.meanMs.toFixed(3).padStart(9),
			(r.childrenMeanMs === null ? 'n/a' : r.childrenMeanMs.toFixed(1)).padStart(9),
		);
}

// Run directly (not imported by scripts/bench.ts).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const results = await measureProbes({
		calls: option('calls', 200),
		siCalls: option('si-calls', 30),
		gapMs: option('gap-ms', 100),
		includeSi: true,
	});
	if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
	else printTable(results);
}
