// What mcptop's endpoint probe costs on each transport it speaks, what its MCP client library costs
// to load, and how many lines its probing makes a server write to its log.
// Usage: npx tsx scripts/bench-transports.ts [--runs 3] [--calls 30] [--gap-ms 100] [--seconds 20]
// (needs `npm run build`: the demo server and the CLI run from dist/). scripts/bench.ts runs the same
// measurements as its part 7.
//
// - Per tick: EndpointProbe.probe() in this process against a real server in another process, timed
//   like the ws ping of bench-ticks.ts (process.cpuUsage() around each call, calls a gap apart).
// - Library: `import()` of @modelcontextprotocol/client, and of ws, in a fresh node process each.
// - Server log: the built CLI, headless (--json), probing fixture servers that write a uvicorn-style
//   access log; the lines written during a window of whole ticks.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL, fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {defaultConfig} from '../source/config.js';
import {compileRules} from '../source/monitor/alert-rules.js';
import {EndpointProbe} from '../source/probes/endpoint.js';
import type {EndpointTransport, Snapshot, TransportSetting} from '../source/types.js';
import {
	startMcpServer,
	type McpServerKind,
	type RunningServer,
	type ServerStats,
} from '../test/helpers/mcp-servers.js';
import {measure} from './bench-probes.js';
import {isAlive, stopPids} from './bench-proc.js';
import {startBenchStack} from './bench-stack.js';
import {builtCli, cliCommand, repoRoot} from './bench-terminal.js';

// ---------------------------------------------------------------------------------------------
// Per-tick CPU of EndpointProbe.probe() on each transport

export type TransportCase =
	'ws' | 'streamable-http 2025' | 'streamable-http 2026-07-28' | 'sse' | 'http-get';

export type TransportTarget = {
	name: TransportCase;
	url: string;
	transport: TransportSetting;
	/** What status() must report once connected, so a row measures what it names. */
	kind: EndpointTransport;
	era: 'legacy' | 'modern' | null;
};

export type TickReading = {
	name: TransportCase;
	/** Mean CPU ms of this process per probe() call. */
	cpuMs: number;
	/** Median round trip the probe itself measured (LatencySample.ms), failed calls left out. */
	wallMs: number;
	/** What was timed: ping, server/discover, GET /status. */
	method: string;
};

export type TransportServers = {targets: TransportTarget[]; stop(): Promise<void>};

// A /status endpoint that answers 200 "ok": the plain GET mcptop times for a health URL. It leaves
// when its parent does, so a crashed bench leaves nothing behind.
const statusServerCode = `
const http = require('node:http');
const parent = process.ppid;
const server = http.createServer((req, res) => {
	res.writeHead(200, {'content-type': 'text/plain'});
	res.end('ok\\n');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
setInterval(() => {
	try { process.kill(parent, 0); } catch { process.exit(0); }
}, 2000).unref();
`;

function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		const timer = setTimeout(
			() => reject(new Error(`${what} printed nothing in ${timeoutMs} ms`)),
			timeoutMs,
		);
		child.stdout!.on('data', (data: Buffer) => {
			text += data.toString();
			const newline = text.indexOf('\n');
			if (newline >= 0) {
				clearTimeout(timer);
				resolve(text.slice(0, newline));
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`${what} exited with code ${code} before it was ready`));
		});
	});
}

/**
 * The servers of the per-tick rows besides the demo's (which the caller runs): the 'legacy' fixture
 * (v1 SDK Streamable HTTP, 2025 era only, sessions), the 'legacy-sse' fixture (v1 SDK HTTP+SSE) and
 * a plain /status server. `pids` (when given) holds every child PID while it runs.
 */
export async function startTransportServers(
	demoPort: number,
	pids?: Set<number>,
): Promise<TransportServers> {
	const started: RunningServer[] = [];
	const status = spawn(process.execPath, ['-e', statusServerCode], {
		cwd: repoRoot,
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	const statusPid = status.pid;
	if (statusPid !== undefined) pids?.add(statusPid);
	const stop = async () => {
		await Promise.allSettled(started.map((s) => s.stop()));
		for (const s of started) pids?.delete(s.pid);
		if (statusPid !== undefined) {
			await stopPids([statusPid]);
			pids?.delete(statusPid);
		}
	};
	try {
		const statusPort = Number(await firstLine(status, 'the /status server', 10_000));
		for (const kind of ['legacy', 'legacy-sse'] as const) {
			const server = await startMcpServer(kind);
			started.push(server);
			pids?.add(server.pid);
		}
		const [legacy, sse] = started as [RunningServer, RunningServer];
		return {
			targets: [
				{
					name: 'ws',
					url: `ws://127.0.0.1:${demoPort}`,
					transport: 'ws',
					kind: 'ws',
					era: 'legacy',
				},
				{
					name: 'streamable-http 2025',
					url: legacy.url,
					transport: 'streamable-http',
					kind: 'streamable-http',
					era: 'legacy',
				},
				{
					name: 'streamable-http 2026-07-28',
					url: `http://127.0.0.1:${demoPort}/mcp`,
					transport: 'streamable-http',
					kind: 'streamable-http',
					era: 'modern',
				},
				{name: 'sse', url: sse.url, transport: 'sse', kind: 'sse', era: 'legacy'},
				{
					name: 'http-get',
					url: `http://127.0.0.1:${statusPort}/status`,
					transport: 'http-get',
					kind: 'http-get',
					era: null,
				},
			],
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU of one probe() on one kept session (connection), as the store's tick calls it. The demo server
 * leaves about one liveness request in 60 unanswered on purpose; more failures than that mean the
 * figure would measure failing calls, which cost next to nothing: they throw.
 */
export async function measureTransportTick(
	target: TransportTarget,
	calls: number,
	gapMs: number,
): Promise<TickReading> {
	// 2 s rather than the default 5 s: each dropped demo request waits this out; the CPU is the same.
	const probe = new EndpointProbe({url: target.url, transport: target.transport, timeoutMs: 2000});
	probe.start();
	const walls: number[] = [];
	const failures: string[] = [];
	try {
		await probe.ready();
		const before = probe.status();
		if (before.kind !== target.kind || (target.era !== null && before.era !== target.era)) {
			throw new Error(
				`${target.name}: ${target.url} connected as ${before.kind} (era ${before.era}, ${before.lastError ?? before.state}), not ${target.kind} ${target.era ?? ''}`,
			);
		}
		const result = await measure(
			`EndpointProbe.probe (${target.name})`,
			calls,
			async () => {
				const sample = await probe.probe();
				if (sample.ms === null) failures.push(sample.error ?? 'no reply');
				else walls.push(sample.ms);
			},
			{gapMs},
		);
		if (failures.length > Math.max(2, calls / 10)) {
			throw new Error(
				`${failures.length} of ${calls + 5} probes of ${target.name} (${target.url}) failed (${failures.at(-1)})`,
			);
		}
		return {
			name: target.name,
			cpuMs: result.meanMs,
			wallMs: median(walls),
			method: probe.status().method ?? '?',
		};
	} finally {
		await probe.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// The client library's load cost

export type LibraryCase =
	'node (no import)' | '@modelcontextprotocol/client' | 'client bundled' | 'ws';

export type LibraryReading = {name: LibraryCase; importMs: number; rssMb: number};

// The import, timed inside a fresh process; RSS right after it. No argument: the bare baseline.
const importCode = `
const spec = process.argv[1];
const began = performance.now();
if (spec) await import(spec);
const ms = performance.now() - began;
process.stdout.write(JSON.stringify({ms, rss: process.memoryUsage().rss}) + '\\n');
`;

/**
 * The six names source/mcp/session.ts imports from the client library, bundled by esbuild the way
 * scripts/bundle.mjs bundles dist/cli.js (one file, tree-shaken, whitespace and syntax minified).
 */
export async function bundleClient(dir: string): Promise<string> {
	const outfile = path.join(dir, 'mcp-client-bundle.mjs');
	await build({
		stdin: {
			contents:
				"export {Client, ProtocolError, SSEClientTransport, SdkError, SdkErrorCode, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';",
			resolveDir: repoRoot,
			loader: 'js',
		},
		outfile,
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		banner: {
			js: "import {createRequire as __mcptopCreateRequire} from 'node:module';\nconst require = __mcptopCreateRequire(import.meta.url);",
		},
		minifyWhitespace: true,
		minifySyntax: true,
		logLevel: 'warning',
	});
	return outfile;
}

/** One reading of each case, each in its own fresh node process, run one after the other. */
export function measureLibraries(bundle: string): LibraryReading[] {
	const cases: Array<[LibraryCase, string | null]> = [
		['node (no import)', null],
		['@modelcontextprotocol/client', '@modelcontextprotocol/client'],
		['client bundled', pathToFileURL(bundle).href],
		['ws', 'ws'],
	];
	return cases.map(([name, spec]) => {
		// From the repository, so bare specifiers resolve to its node_modules.
		const result = spawnSync(
			process.execPath,
			['--input-type=module', '-e', importCode, ...(spec ? [spec] : [])],
			{cwd: repoRoot, encoding: 'utf8', timeout: 30_000},
		);
		if (result.status !== 0) {
			throw new Error(`import of ${spec ?? 'nothing'} failed: ${result.stderr || result.error}`);
		}
		const out = JSON.parse(result.stdout.trim()) as {ms: number; rss: number};
		return {name, importMs: out.ms, rssMb: out.rss / 2 ** 20};
	});
}

// ---------------------------------------------------------------------------------------------
// Server-side log lines caused by mcptop's probing

export type LogServer = Extract<McpServerKind, 'legacy' | 'modern' | 'legacy-sse'>;

export const logServerLabels: Record<LogServer, string> = {
	legacy: 'Streamable HTTP 2025',
	modern: 'Streamable HTTP 2026-07-28',
	'legacy-sse': 'SSE',
};

export type LogLineCounts = {access: number; session: number; alerts: number; other: number};

export type LogReading = {
	server: LogServer;
	/** The transport and era mcptop reported (from its own JSON snapshots). */
	reached: string;
	ticks: number;
	windowSeconds: number;
	window: LogLineCounts;
	/** Lines before the window (startup, the handshake) and after it (up to mcptop's exit). */
	before: number;
	after: number;
	sessionsCreated: number;
	/** JSON-RPC messages the server received during the window, by method. */
	byMethod: Record<string, number>;
	/** HTTP requests during the window, by verb and path: what the access lines were. */
	requests: Record<string, number>;
};

// `2025-09-17 10:00:00,123 - INFO - message`, as Python logging (and the fixtures) write it.
const stamped = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (\w+) - (.*)$/;
const accessLine = /^\S+:\d+ - "(\w+) (\S+) HTTP\/[\d.]+" \d{3}/;
const sessionLine = /^Session (created|terminated|expired):/;

function readLines(file: string): string[] {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	return text.split('\n').filter((line) => line !== '');
}

/** Counts lines by kind; "alerts" are those mcptop's default rules would raise, whatever else. */
export function countLogLines(lines: string[], requests?: Record<string, number>): LogLineCounts {
	const classifier = compileRules(defaultConfig().alerts.rules);
	const counts: LogLineCounts = {access: 0, session: 0, alerts: 0, other: 0};
	for (const line of lines) {
		if (classifier.classify(line) !== null) counts.alerts++;
		const body = stamped.exec(line)?.[2] ?? line;
		const access = accessLine.exec(body);
		if (access) {
			counts.access++;
			if (requests) {
				const key = `${access[1]} ${access[2]!.split('?')[0]}`;
				requests[key] = (requests[key] ?? 0) + 1;
			}
		} else if (sessionLine.test(body)) counts.session++;
		else counts.other++;
	}
	return counts;
}

function methodDelta(a: ServerStats, b: ServerStats): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [method, n] of Object.entries(b.requests.byMethod)) {
		const d = n - (a.requests.byMethod[method] ?? 0);
		if (d > 0) out[method] = d;
	}
	return out;
}

/**
 * The built CLI, headless (`--json`, stdout a pipe), probing `server` once a second. The window runs
 * from the second snapshot with a successful probe to `ticks` snapshots later: the store publishes
 * after its round's probe has its reply (and the server logs a request as it answers), so the window
 * holds exactly `ticks` rounds of probing.
 */
async function logWindow(
	kind: LogServer,
	ticks: number,
	dir: string,
	env: Record<string, string>,
	pids?: Set<number>,
): Promise<LogReading> {
	const serverLog = path.join(dir, `${kind}-server.log`);
	const tailed = path.join(dir, `${kind}-tailed.log`);
	const state = path.join(dir, `${kind}-state`);
	fs.writeFileSync(tailed, '');
	fs.mkdirSync(state, {recursive: true});
	const server = await startMcpServer(kind, {logFile: serverLog});
	pids?.add(server.pid);
	let cli: ChildProcess | undefined;
	try {
		const command = cliCommand([
			...['--json', '--interval', '1s', '--endpoint', server.url],
			...['--port', `${server.port}:mcp`, '--log', tailed],
			...['--state-dir', state, '--project-dir', dir],
		]);
		cli = spawn(command.file, command.argv, {
			cwd: dir,
			env: {...env, ...command.env},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const cliPid = cli.pid;
		if (cliPid !== undefined) pids?.add(cliPid);
		let stderr = '';
		cli.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
		const marks = await new Promise<{
			startLines: number;
			endLines: number;
			startAt: number;
			endAt: number;
			startStats: ServerStats;
			endStats: ServerStats;
			reached: string;
		}>((resolve, reject) => {
			let buffer = '';
			let good = 0;
			let counted = -1;
			let start: {lines: number; at: number; stats: Promise<ServerStats>} | undefined;
			const timer = setTimeout(
				() =>
					reject(
						new Error(
							`${kind}: ${ticks} ticks of probing did not finish in ${ticks + 30} s; mcptop's stderr: ${stderr.trim() || '(empty)'}`,
						),
					),
				(ticks + 30) * 1000,
			);
			cli!.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`${kind}: mcptop exited (${code}) early: ${stderr.trim()}`));
			});
			cli!.stdout!.on('data', (data: Buffer) => {
				buffer += data.toString();
				let newline: number;
				while ((newline = buffer.indexOf('\n')) >= 0) {
					const line = buffer.slice(0, newline);
					buffer = buffer.slice(newline + 1);
					// Read at once, before the next tick can add lines.
					const lines = readLines(serverLog).length;
					const at = performance.now();
					const snapshot = JSON.parse(line) as Snapshot;
					if (start === undefined) {
						if (snapshot.latency.now !== null && ++good === 2) {
							start = {lines, at, stats: server.stats()};
							// Awaited at the window's end; a failure must not go unhandled meanwhile.
							start.stats.catch(() => undefined);
							counted = 0;
						}
					} else if (++counted === ticks) {
						clearTimeout(timer);
						const l = snapshot.latency;
						const reached = `${l.kind}${l.era ? ` ${l.era} ${l.protocolVersion ?? ''}` : ''}, ${l.method}`;
						const s = start;
						void Promise.all([s.stats, server.stats()]).then(
							([startStats, endStats]) =>
								resolve({
									startLines: s.lines,
									endLines: lines,
									startAt: s.at,
									endAt: at,
									startStats,
									endStats,
									reached,
								}),
							reject,
						);
					}
				}
			});
		});
		cli.removeAllListeners('exit');
		await stopPids(cliPid === undefined ? [] : [cliPid]);
		if (cliPid !== undefined) pids?.delete(cliPid);
		// The server logs the quit's requests (DELETE, the stream's close) as it answers them.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const all = readLines(serverLog);
		const requests: Record<string, number> = {};
		return {
			server: kind,
			reached: marks.reached,
			ticks,
			windowSeconds: (marks.endAt - marks.startAt) / 1000,
			window: countLogLines(all.slice(marks.startLines, marks.endLines), requests),
			before: marks.startLines,
			after: all.length - marks.endLines,
			sessionsCreated: marks.endStats.sessionsCreated - marks.startStats.sessionsCreated,
			byMethod: methodDelta(marks.startStats, marks.endStats),
			requests,
		};
	} finally {
		if (cli?.pid !== undefined && isAlive(cli.pid)) await stopPids([cli.pid]);
		if (cli?.pid !== undefined) pids?.delete(cli.pid);
		await server.stop();
		pids?.delete(server.pid);
	}
}

/** The three windows at the same time: line counts, unlike CPU, do not suffer from sharing. */
export async function measureServerLogLines(opts: {
	ticks: number;
	dir: string;
	env: Record<string, string>;
	pids?: Set<number>;
}): Promise<LogReading[]> {
	const kinds: LogServer[] = ['legacy', 'modern', 'legacy-sse'];
	const settled = await Promise.allSettled(
		kinds.map((kind) => logWindow(kind, opts.ticks, opts.dir, opts.env, opts.pids)),
	);
	const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
	if (failed) throw failed.reason;
	return settled.map((s) => (s as PromiseFulfilledResult<LogReading>).value);
}

// ---------------------------------------------------------------------------------------------
// The part as a whole, and its rows

export type TransportRow = {
	figure: string;
	values: number[];
	unit: string;
	digits: number;
	note: string;
};

export type TransportResults = {
	ticks: TickReading[][];
	libraries: LibraryReading[][];
	logs: LogReading[];
	notes: string[];
};

export type TransportOptions = {
	demoPort: number;
	runs: number;
	calls: number;
	gapMs: number;
	ticks: number;
	/** A folder the part may write in (the bundle, logs, state). */
	dir: string;
	/** The CLI's environment. */
	env: Record<string, string>;
	/** Every child PID while it runs, for the caller's cleanup. */
	pids?: Set<number>;
	log?: (line: string) => void;
};

export async function runTransportBench(opts: TransportOptions): Promise<TransportResults> {
	const say = opts.log ?? (() => undefined);
	const results: TransportResults = {ticks: [], libraries: [], logs: [], notes: []};
	const servers = await startTransportServers(opts.demoPort, opts.pids);
	try {
		for (let i = 0; i < opts.runs; i++) {
			const run: TickReading[] = [];
			for (const target of servers.targets) {
				try {
					run.push(await measureTransportTick(target, opts.calls, opts.gapMs));
				} catch (error) {
					results.notes.push(
						`transport ${target.name}, run ${i + 1} not counted: ${(error as Error).message}`,
					);
				}
			}
			results.ticks.push(run);
			say(
				`   run ${i + 1}: ${run.map((r) => `${r.name} ${r.cpuMs.toFixed(3)} ms CPU / ${r.wallMs.toFixed(1)} ms`).join(', ')}`,
			);
		}
	} finally {
		await servers.stop();
	}
	const bundle = await bundleClient(opts.dir);
	for (let i = 0; i < opts.runs; i++) results.libraries.push(measureLibraries(bundle));
	say(
		`   imports: ${results.libraries
			.at(-1)!
			.map((r) => `${r.name} ${r.importMs.toFixed(0)} ms ${r.rssMb.toFixed(1)} MB`)
			.join(', ')}`,
	);
	results.logs = await measureServerLogLines(opts);
	for (const r of results.logs) {
		say(
			`   ${r.server} (${r.reached}): ${r.window.access} access, ${r.window.session} session, ${r.window.alerts} alert, ${r.window.other} other lines in ${r.ticks} ticks (${r.windowSeconds.toFixed(1)} s); ${r.sessionsCreated} sessions created; requests ${JSON.stringify(r.requests)}; before ${r.before}, after ${r.after}`,
		);
		if (r.window.other > 0) {
			results.notes.push(`${r.server}: ${r.window.other} server log lines of an unknown kind`);
		}
	}
	return results;
}

function fmtNumber(n: number, digits: number): string {
	return Number.isFinite(n)
		? n.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits})
		: 'n/a';
}

export function transportRows(results: TransportResults): TransportRow[] {
	const rows: TransportRow[] = [];
	const names: TransportCase[] = [
		'ws',
		'streamable-http 2025',
		'streamable-http 2026-07-28',
		'sse',
		'http-get',
	];
	for (const name of names) {
		const cpu: number[] = [];
		const wall: number[] = [];
		const ratio: number[] = [];
		let method = '';
		for (const run of results.ticks) {
			const r = run.find((x) => x.name === name);
			if (!r) continue;
			cpu.push(r.cpuMs);
			wall.push(r.wallMs);
			method = r.method;
			const ws = run.find((x) => x.name === 'ws');
			if (ws && ws.cpuMs > 0) ratio.push(r.cpuMs / ws.cpuMs);
		}
		rows.push({
			figure: `EndpointProbe.probe (${name}, ${method || '?'}) per tick`,
			values: cpu,
			unit: 'ms',
			digits: 3,
			note: `${name === 'ws' ? '' : `${fmtNumber(median(ratio), 1)} × ws ping; `}wall ${fmtNumber(median(wall), 1)} ms`,
		});
	}
	const base = results.libraries.map((run) => run.find((r) => r.name === 'node (no import)')!);
	const libraries: Array<[Exclude<LibraryCase, 'node (no import)'>, string]> = [
		['@modelcontextprotocol/client', "import('@modelcontextprotocol/client')"],
		['client bundled', "import() of mcptop's client imports, bundled"],
		['ws', "import('ws')"],
	];
	for (const [name, label] of libraries) {
		const runs = results.libraries.map((run) => run.find((r) => r.name === name)!);
		rows.push({
			figure: `${label} in a fresh node: wall`,
			values: runs.map((r) => r.importMs),
			unit: 'ms',
			digits: 0,
			note: 'info',
		});
		rows.push({
			figure: `${label}: RSS above bare node`,
			values: runs.map((r, i) => r.rssMb - base[i]!.rssMb),
			unit: 'MB',
			digits: 1,
			note: `bare node ${fmtNumber(median(base.map((b) => b.rssMb)), 1)} MB`,
		});
	}
	for (const r of results.logs) {
		const perHour = (n: number) => [(n * 3600) / r.windowSeconds];
		const label = logServerLabels[r.server];
		const counted = `${r.ticks} ticks`;
		rows.push({
			figure: `server log lines/h from probing, ${label}: access`,
			values: perHour(r.window.access),
			unit: 'lines/h',
			digits: 0,
			note: `${r.window.access} in ${counted}`,
		});
		rows.push({
			figure: `server log lines/h from probing, ${label}: session created/ended`,
			values: perHour(r.window.session),
			unit: 'lines/h',
			digits: 0,
			note: `${r.window.session} in ${counted}; ${r.before} before, ${r.after} at the quit`,
		});
		rows.push({
			figure: `server log lines/h from probing, ${label}: WARNING or above`,
			values: perHour(r.window.alerts),
			unit: 'lines/h',
			digits: 0,
			note: `${r.window.alerts} in ${counted}`,
		});
		rows.push({
			figure: `sessions created/h by probing, ${label}`,
			values: perHour(r.sessionsCreated),
			unit: '/h',
			digits: 0,
			note: `${r.sessionsCreated} in ${counted} (${r.server} fixture's stats())`,
		});
	}
	return rows;
}

/** The "How each figure is measured" paragraph for BENCHMARKS.md. */
export function transportMethod(opts: {calls: number; gapMs: number; ticks: number}): string {
	return [
		`**Transports** (scripts/bench-transports.ts). Per tick: EndpointProbe.probe() in the bench process on one kept session (connection), its server in another process, a 2 s timeout; the mean CPU ms of the bench process per call (process.cpuUsage() around each of ${opts.calls} calls, ${opts.gapMs} ms apart, after 5 uncounted), as for the ws ping row of part 6, which these rows measure again; "× ws ping" is a run's figure over the same run's ws figure, median of the runs; "wall" is the median round trip the probe measured, failures left out (the demo server delays each reply by a simulated 2–40 ms, 2.5 % of them by 200–1200 ms, and leaves one liveness request in 60 unanswered; the fixtures answer at once, so walls compare only within one server).`,
		`ws: the bench's demo server, ws://, ping. Streamable HTTP 2025: the tests' 'legacy' fixture (the v1 SDK's StreamableHTTPServerTransport with sessions and SSE-framed replies), which speaks only the 2025 era: ping on a kept Mcp-Session-Id (the demo speaks both eras and the client picks 2026-07-28 there). Streamable HTTP 2026-07-28: the demo server's http:// /mcp, stateless server/discover, JSON replies. SSE: the 'legacy-sse' fixture (v1 SDK HTTP+SSE: each POST answers 202 and the reply comes over the kept GET stream), ping. HTTP GET: a node http server answering 200 "ok" to GET /status.`,
		`The client library: \`import()\` timed inside a fresh \`node --input-type=module -e\` process, and its RSS (process.memoryUsage) right after, minus the RSS of the same process importing nothing; "bundled" is the six names source/mcp/session.ts imports, bundled by esbuild as scripts/bundle.mjs bundles dist/cli.js, the way mcptop loads the library.`,
		`Server log: the built CLI headless (\`node dist/cli.js --json --interval 1s --endpoint URL --port P --log EMPTY\`, the transport setting left at auto) probing the 'legacy', 'modern' (v2 SDK, 2026-07-28 only, stateless) and 'legacy-sse' fixtures, which write a uvicorn-style access line per HTTP request and a line per session created or ended; the three at the same time, one window each. The window runs from the second snapshot with a successful probe to ${opts.ticks} snapshots later: the store publishes after its round's probe has its reply, and a fixture logs a request as it answers, so the window holds exactly ${opts.ticks} rounds. Its lines per hour of its wall time; "WARNING or above" counts the lines mcptop's default alert rules would raise; sessions created come from the fixture's stats(). The notes give the lines before the window (the server's start, mcptop's handshake, its first two rounds) and those mcptop's quit caused.`,
	].join(' ');
}

// ---------------------------------------------------------------------------------------------
// Run directly (scripts/bench.ts imports the functions above instead).

function option(name: string, fallback: number): number {
	const i = process.argv.indexOf(`--${name}`);
	const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
	if (!Number.isInteger(value) || value < 1) {
		console.error(`--${name} needs a whole number ≥ 1`);
		process.exit(2);
	}
	return value;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	if (!fs.existsSync(builtCli)) {
		console.error('dist/cli.js is missing: run `npm run build` first');
		process.exit(2);
	}
	const began = performance.now();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-bench-transports-'));
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined && !['CI', 'NODE_ENV', 'NODE_OPTIONS'].includes(key)) env[key] = value;
	}
	for (const dir of ['config', 'state', 'stack']) fs.mkdirSync(path.join(work, dir));
	Object.assign(env, {
		XDG_CONFIG_HOME: path.join(work, 'config'),
		XDG_STATE_HOME: path.join(work, 'state'),
	});
	const pids = new Set<number>();
	const stack = await startBenchStack(path.join(work, 'stack'));
	try {
		const results = await runTransportBench({
			demoPort: stack.mcpPort,
			runs: option('runs', 3),
			calls: option('calls', 30),
			gapMs: option('gap-ms', 100),
			ticks: option('seconds', 20),
			dir: work,
			env,
			pids,
			log: (line) => console.log(line),
		});
		for (const r of transportRows(results)) {
			console.log(
				`${r.figure}: ${fmtNumber(median(r.values), r.digits)} ${r.unit} [${r.values.map((v) => fmtNumber(v, r.digits)).join(', ')}] ${r.note}`,
			);
		}
		for (const note of results.notes) console.log(`note: ${note}`);
		if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
	} finally {
		await stack.stop();
		await stopPids([...pids].filter(isAlive));
		fs.rmSync(work, {recursive: true, force: true});
	}
	console.log(`${((performance.now() - began) / 1000).toFixed(0)} s`);
}
