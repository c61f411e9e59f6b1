// Which running processes are the MCP server, decided from /proc (Linux), so that a restart never
// signals a process that merely mentions the pattern (an editor, a grep, a tail of the log, mcptop,
// a watchdog script named after the server) nor another checkout's copy of the server.
import {promises as fsp} from 'node:fs';
import path from 'node:path';
import {linearRegExp} from '../lib/safe-regex.js';
import {readTcpSockets} from '../probes/proc.js';
import {isInside} from './fs-safe.js';

export type ServerTarget = {
	pid: number;
	pgid: number;
	command: string;
	/** Raw /proc/<pid>/stat starttime (clock ticks since boot): with the pid it names one process. */
	startTime: string;
	/** Why it counts as the server: "holds port 6277" or "runs unreal_blueprint_mcp_server.py". */
	reason: string;
	/** Its working directory (/proc/<pid>/cwd); null when it cannot be read (another user's process). */
	cwd: string | null;
	/** Every TCP port it listens on, configured or not. */
	ports: number[];
};

export type SkippedProcess = {pid: number; command: string; why: string};

/** A configured port held by a process whose command line does not match the pattern. */
export type PortConflict = {port: number; pid: number; command: string};

export type ProcInfo = {
	pid: number;
	ppid: number;
	pgid: number;
	sid: number;
	/** One-letter state from /proc/<pid>/stat: R, S, D, Z, T, … */
	state: string;
	startTime: string;
	argv: string[];
	command: string;
};

/** What a command line runs: a script or module named by its first non-option argument, or code. */
export type Program = {
	/** `code`: inline code (`-c`, `-e`); `tests`: a test runner (`node --test`). */
	kind: 'script' | 'module' | 'binary' | 'code' | 'stdin' | 'tests';
	name: string;
	/** The script was handed to a shell (`bash watchdog.sh`): a helper around the server, not it. */
	shell?: boolean;
	/** Folder the launcher changes into first (`uv run --directory D`, `env -C D`), maybe relative. */
	dir?: string;
};

export async function readProcess(pid: number): Promise<ProcInfo | null> {
	let stat: string;
	let cmdline: string;
	try {
		[stat, cmdline] = await Promise.all([
			fsp.readFile(`/proc/${pid}/stat`, 'utf8'),
			fsp.readFile(`/proc/${pid}/cmdline`, 'utf8'),
		]);
	} catch {
		return null;
	}
	return parseProcess(pid, stat, cmdline);
}

export function parseProcess(pid: number, stat: string, cmdline: string): ProcInfo | null {
	// comm may contain spaces and parentheses; the fields after the last ')' are fixed.
	const close = stat.lastIndexOf(')');
	if (close < 0) return null;
	const f = stat
		.slice(close + 2)
		.trim()
		.split(' ');
	if (f.length < 20) return null;
	const argv = cmdline.split('\0');
	if (argv.at(-1) === '') argv.pop();
	return {
		pid,
		ppid: Number(f[1]),
		pgid: Number(f[2]),
		sid: Number(f[3]),
		state: f[0]!,
		startTime: f[19]!,
		argv,
		command: argv.join(' '),
	};
}

export async function listProcesses(): Promise<ProcInfo[]> {
	let names: string[];
	try {
		names = await fsp.readdir('/proc');
	} catch {
		throw new Error('cannot read /proc: finding the server process needs Linux');
	}
	const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
	const infos = await Promise.all(pids.map((pid) => readProcess(pid)));
	return infos.filter((p): p is ProcInfo => p !== null);
}

/** A zombie has exited; only its exit status is left for its parent to collect. */
export function isGone(p: ProcInfo | null): boolean {
	return p === null || p.state === 'Z' || p.state === 'X';
}

/**
 * The PID-reuse check made before every signal: the pid must still name the process that was
 * planned (same start time and command line). 'gone' covers exited and zombie processes.
 */
export function compareIdentity(
	planned: {pid: number; startTime: string; command: string},
	now: ProcInfo | null,
): 'same' | 'gone' | 'reused' {
	if (isGone(now)) return 'gone';
	if (now!.startTime !== planned.startTime) return 'reused';
	if (now!.command !== planned.command) return 'reused';
	return 'same';
}

export async function checkIdentity(planned: {
	pid: number;
	startTime: string;
	command: string;
}): Promise<'same' | 'gone' | 'reused'> {
	return compareIdentity(planned, await readProcess(planned.pid));
}

/** mcptop's own pid and every ancestor up to init: never signalled. */
export async function selfAndAncestors(
	selfPid: number,
): Promise<Map<number, 'self' | 'parent' | 'ancestor'>> {
	const out = new Map<number, 'self' | 'parent' | 'ancestor'>([[selfPid, 'self']]);
	let pid = selfPid;
	for (let depth = 0; depth < 256; depth++) {
		const p = await readProcess(pid);
		if (!p || p.ppid <= 0 || out.has(p.ppid)) break;
		out.set(p.ppid, depth === 0 ? 'parent' : 'ancestor');
		pid = p.ppid;
	}
	return out;
}

const pythonName = /^(python[\d.]*[dmu]?|pythonw|pypy[\d.]*)$/;
const nodeName = /^(node|nodejs|bun)$/;
const shellName = /^(sh|bash|dash|zsh|ksh|mksh|ash|fish)$/;
const tsRunnerName = /^(tsx|ts-node|ts-node-esm)$/;

// Options whose value is the next argument; without these the value would be taken for the script.
const nodeValued = new Set([
	'-r',
	'--require',
	'--import',
	'--loader',
	'--experimental-loader',
	'-C',
	'--conditions',
	'--input-type',
	'--inspect-port',
	'--debug-port',
	'--title',
	'--env-file',
	'--watch-path',
	'--disable-warning',
	'--redirect-warnings',
	'--diagnostic-dir',
	'--report-dir',
	'--icu-data-dir',
	'--openssl-config',
	'--stack-trace-limit',
	'--tsconfig',
]);
const fastmcpValued = new Set([
	'-t',
	'--transport',
	'--host',
	'-p',
	'--port',
	'-l',
	'--log-level',
	'--path',
	'--with',
	'--with-editable',
	'-e',
	'--with-requirements',
	'--python',
	'--project',
	'--ui-port',
	'--server-port',
	'-n',
	'--name',
]);
const uvValued = new Set([
	'--with',
	'--with-editable',
	'--with-requirements',
	'-p',
	'--python',
	'--project',
	'--directory',
	'--env-file',
	'--extra',
	'--group',
	'--index',
	'--package',
]);

function base(arg: string): string {
	return path.basename(arg);
}

/** First argument that is not an option, skipping the values of options in `valued`. */
function firstPositional(args: string[], valued: Set<string>): number {
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '--') return i + 1 < args.length ? i + 1 : -1;
		if (a.startsWith('-') && a !== '-') {
			if (valued.has(a)) i++;
			continue;
		}
		return i;
	}
	return -1;
}

function pythonProgram(args: string[]): Program | null {
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '-') return {kind: 'stdin', name: '-'};
		if (a === '--') return args[i + 1] ? {kind: 'script', name: args[i + 1]!} : null;
		if (a.startsWith('--')) {
			if (a === '--check-hash-based-pycs') i++;
			continue;
		}
		if (a.startsWith('-')) {
			// Flags combine (`-uBm mod`); c, m, W and X take the rest of the word or the next word.
			for (let j = 1; j < a.length; j++) {
				const c = a[j];
				if (c === 'c') return {kind: 'code', name: 'python -c'};
				if (c === 'm') {
					const mod = a.slice(j + 1) || args[i + 1];
					return mod ? {kind: 'module', name: mod} : null;
				}
				if (c === 'W' || c === 'X') {
					if (j === a.length - 1) i++;
					break;
				}
			}
			continue;
		}
		return {kind: 'script', name: a};
	}
	return null;
}

function nodeProgram(args: string[]): Program | null {
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '-') return {kind: 'stdin', name: '-'};
		if (a === '--') return args[i + 1] ? scriptOrRunner(args.slice(i + 1)) : null;
		if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || /^--(eval|print)=/.test(a))
			return {kind: 'code', name: 'node -e'};
		if (a === '--test') return {kind: 'tests', name: 'node --test'};
		if (a.startsWith('-')) {
			if (nodeValued.has(a)) i++;
			continue;
		}
		return scriptOrRunner(args.slice(i));
	}
	return null;
}

/** A node script that is itself a TypeScript runner (tsx, ts-node) runs the script after it. */
function scriptOrRunner(rest: string[]): Program {
	const script = rest[0]!;
	const isRunner =
		tsRunnerName.test(base(script).replace(/\.(c|m)?js$/, '')) ||
		/(^|\/)(tsx\/dist\/cli|ts-node\/dist\/bin)\.(c|m)?js$/.test(script);
	if (isRunner) return nodeProgram(rest.slice(1)) ?? {kind: 'script', name: script};
	return {kind: 'script', name: script};
}

function shellProgram(exe: string, args: string[]): Program | null {
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '--') return args[i + 1] ? {kind: 'script', name: args[i + 1]!} : null;
		if ((a.startsWith('-') || a.startsWith('+')) && a.length > 1) {
			if (a.startsWith('--')) continue;
			if (a.slice(1).includes('c')) return {kind: 'code', name: `${exe} -c`};
			if (a.slice(1).includes('o')) i++;
			continue;
		}
		return {kind: 'script', name: a, shell: true};
	}
	return {kind: 'stdin', name: 'interactive shell'};
}

/** The value of `--name V` or `--name=V` before the first positional argument. */
function optionValue(args: string[], names: string[], stop: number): string | undefined {
	let value: string | undefined;
	for (let i = 0; i < (stop < 0 ? args.length : stop); i++) {
		const a = args[i]!;
		if (names.includes(a) && i + 1 < args.length) value = args[++i];
		else for (const n of names) if (a.startsWith(`${n}=`)) value = a.slice(n.length + 1);
	}
	return value;
}

function inDir(prog: Program | null, dir: string | undefined): Program | null {
	if (!prog || dir === undefined) return prog;
	return {...prog, dir: prog.dir === undefined ? dir : path.join(dir, prog.dir)};
}

/**
 * What a command line runs as its program: for an interpreter (python, node, a shell, a runner
 * like fastmcp or uv) the first non-option argument; otherwise the executable itself.
 * Inline code (`python -c`, `node -e`, `sh -c`) is never a script, whatever it mentions.
 */
export function programOf(argv: string[]): Program | null {
	if (argv.length === 0 || !argv[0]) return null;
	const exe = base(argv[0]);
	const args = argv.slice(1);
	if (pythonName.test(exe)) return pythonProgram(args);
	if (nodeName.test(exe)) return nodeProgram(args);
	if (tsRunnerName.test(exe)) return nodeProgram(args);
	if (shellName.test(exe)) return shellProgram(exe, args);
	if (exe === 'fastmcp') {
		if (args[0] !== 'run' && args[0] !== 'dev') return {kind: 'binary', name: argv[0]};
		const i = firstPositional(args.slice(1), fastmcpValued);
		return i < 0 ? null : {kind: 'script', name: args[1 + i]!};
	}
	if (exe === 'uv' || exe === 'poetry' || exe === 'pipenv') {
		if (args[0] !== 'run') return {kind: 'binary', name: argv[0]};
		const rest = args.slice(1);
		const i = firstPositional(rest, exe === 'uv' ? uvValued : new Set());
		if (i < 0) return null;
		const dir = exe === 'uv' ? optionValue(rest, ['--directory'], i) : undefined;
		return inDir(programOf(rest.slice(i)), dir);
	}
	if (exe === 'env') {
		let i = 0;
		let dir: string | undefined;
		while (i < args.length && (args[i]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(args[i]!))) {
			if (args[i] === '-C' || args[i] === '--chdir') dir = args[i + 1];
			else if (args[i]!.startsWith('--chdir=')) dir = args[i]!.slice('--chdir='.length);
			if (args[i] === '-u' || args[i] === '-C' || args[i] === '--unset' || args[i] === '--chdir')
				i++;
			i++;
		}
		return i < args.length ? inDir(programOf(args.slice(i)), dir) : null;
	}
	return {kind: 'binary', name: argv[0]};
}

// ---- sockets ----

/** LISTEN sockets on the given local ports (all ports without `ports`), by socket inode. */
export async function listeningInodes(ports?: number[]): Promise<Map<string, number>> {
	const wanted = ports && new Set(ports);
	const out = new Map<string, number>();
	for (const family of [4, 6] as const) {
		for (const s of readTcpSockets(family, wanted) ?? []) {
			if (s.state === 'LISTEN' && s.inode !== 0) out.set(String(s.inode), s.localPort);
		}
	}
	return out;
}

/** ESTABLISHED connections whose local port is `port` (connected clients of a server port). */
export async function establishedCount(port: number): Promise<number | null> {
	let seen = false;
	let count = 0;
	for (const family of [4, 6] as const) {
		const sockets = readTcpSockets(family, new Set([port]));
		if (sockets === null) continue;
		seen = true;
		for (const s of sockets) if (s.state === 'ESTABLISHED') count++;
	}
	return seen ? count : null;
}

/** Socket inodes a process has open; null when its fds cannot be read (another user's process). */
export async function socketInodesOf(pid: number): Promise<Set<string> | null> {
	let fds: string[];
	try {
		fds = await fsp.readdir(`/proc/${pid}/fd`);
	} catch {
		return null;
	}
	const out = new Set<string>();
	await Promise.all(
		fds.map(async (fd) => {
			try {
				const link = await fsp.readlink(`/proc/${pid}/fd/${fd}`);
				const m = /^socket:\[(\d+)\]$/.exec(link);
				if (m) out.add(m[1]!);
			} catch {
				// The fd closed between readdir and readlink.
			}
		}),
	);
	return out;
}

/** Ports (of those in `inodes`) a process holds in LISTEN state. */
async function portsHeldBy(pid: number, inodes: Map<string, number>): Promise<number[]> {
	if (inodes.size === 0) return [];
	const mine = await socketInodesOf(pid);
	if (!mine) return [];
	const held = new Set<number>();
	for (const inode of mine) {
		const port = inodes.get(inode);
		if (port !== undefined) held.add(port);
	}
	return [...held].sort((a, b) => a - b);
}

/** Which processes hold each port in LISTEN state (any command line), for messages. */
export async function portHolders(
	ports: number[],
	processes?: ProcInfo[],
): Promise<Map<number, ProcInfo[]>> {
	const inodes = await listeningInodes(ports);
	const out = new Map<number, ProcInfo[]>();
	if (inodes.size === 0) return out;
	for (const p of processes ?? (await listProcesses())) {
		for (const port of await portsHeldBy(p.pid, inodes)) {
			const list = out.get(port) ?? [];
			list.push(p);
			out.set(port, list);
		}
	}
	return out;
}

function portWords(ports: number[]): string {
	return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(', ')}`;
}

// Test files named after the server (`unreal_blueprint_mcp_server.test.ts`, `test_server.py`) run
// tests, not the server; a server under test that listens is still found by its port.
const testFileName = /^test_.*\.py$|_test\.py$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$/;

function testsOrProgram(prog: Program | null): Program | null {
	if (prog && prog.kind === 'script' && testFileName.test(base(prog.name)))
		return {kind: 'tests', name: base(prog.name)};
	return prog;
}

/** Short program name for messages: `vim`, `tail`, `python -c`. */
function programWord(p: ProcInfo, prog: Program | null): string {
	if (prog?.kind === 'code') return `inline code (${prog.name})`;
	if (prog?.kind === 'tests') return `tests (${prog.name})`;
	if (prog?.kind === 'stdin') return `${base(p.argv[0] ?? '?')} reading stdin`;
	if (prog) return base(prog.name);
	return base(p.argv[0] ?? '?');
}

/** Where a process's program lives, or why that cannot be told. */
type ProgramPlace = {file: string; dir: string} | {unknown: string};

async function readLinkOf(pid: number, what: 'cwd' | 'exe'): Promise<string | null> {
	try {
		// A folder or file removed since the process started reads as "<path> (deleted)".
		return (await fsp.readlink(`/proc/${pid}/${what}`)).replace(/ \(deleted\)$/, '');
	} catch {
		return null;
	}
}

async function exists(file: string): Promise<boolean> {
	try {
		await fsp.stat(file);
		return true;
	} catch {
		return false;
	}
}

/**
 * The file a process runs: a script or a binary path relative to its working directory, or a
 * Python module looked up where `python -m` looks first (the working directory).
 */
async function placeOf(p: ProcInfo, prog: Program, cwd: string | null): Promise<ProgramPlace> {
	const noCwd = {unknown: "its working directory cannot be read (another user's process?)"};
	const baseDir = (): string | null =>
		prog.dir === undefined
			? cwd
			: path.isAbsolute(prog.dir)
				? prog.dir
				: cwd && path.resolve(cwd, prog.dir);
	if (prog.kind === 'module') {
		const root = baseDir();
		if (root === null) return noCwd;
		const rel = path.join(...prog.name.split('.'));
		for (const candidate of [
			`${rel}.py`,
			path.join(rel, '__init__.py'),
			path.join(rel, '__main__.py'),
			rel,
		]) {
			const file = path.join(root, candidate);
			if (await exists(file)) return {file, dir: root};
		}
		// Not beside it: installed somewhere on sys.path, so the folder it was started in decides.
		return {file: root, dir: root};
	}
	let name = prog.name;
	if (prog.kind === 'binary') {
		const exe = await readLinkOf(p.pid, 'exe');
		if (exe !== null) return {file: exe, dir: path.dirname(exe)};
		if (!name.includes('/'))
			return {unknown: "its executable cannot be read (another user's process?)"};
	}
	// `fastmcp run server.py:app` names an object in the file.
	name = /^(.+\.py):[A-Za-z_][\w.]*$/.exec(name)?.[1] ?? name;
	if (path.isAbsolute(name)) return {file: name, dir: path.dirname(name)};
	const root = baseDir();
	if (root === null) return noCwd;
	const file = path.resolve(root, name);
	return {file, dir: path.dirname(file)};
}

/** Resolved through symlinks as far as the path exists. */
async function realOrSelf(file: string): Promise<string> {
	try {
		return await fsp.realpath(file);
	} catch {
		try {
			return path.join(await fsp.realpath(path.dirname(file)), path.basename(file));
		} catch {
			return file;
		}
	}
}

const shellScriptName = /\.(sh|bash|zsh|ksh|fish)$/;

/**
 * The processes a restart may stop. The command line matches `match`, it is not mcptop nor one of
 * its ancestors, and it is this project's server:
 *   (a) it holds one of the configured ports in LISTEN state (whatever it runs or where from), or
 *   (b) its program (a script, module or binary whose name matches `match`, not a shell script)
 *       resolves, from its working directory, to a file inside `projectDir`.
 * Everything else that matches is returned in `skipped` with the reason, as are port holders that
 * don't match: a watchdog script named after the server, another checkout's copy of it.
 */
export async function findServerTargets(opts: {
	match: string;
	ports: number[];
	projectDir: string;
	selfPid?: number;
}): Promise<{targets: ServerTarget[]; skipped: SkippedProcess[]; portConflicts: PortConflict[]}> {
	const pattern = linearRegExp(opts.match);
	const selfPid = opts.selfPid ?? process.pid;
	const projectDir = path.resolve(opts.projectDir);
	const configured = new Set(opts.ports);
	const [all, protectedPids, listening, realProject] = await Promise.all([
		listProcesses(),
		selfAndAncestors(selfPid),
		listeningInodes(),
		realOrSelf(projectDir),
	]);
	const inodes = new Map([...listening].filter(([, port]) => configured.has(port)));
	const inProject = async (file: string) =>
		isInside(projectDir, file) || isInside(realProject, await realOrSelf(file));
	const targets: ServerTarget[] = [];
	const skipped: SkippedProcess[] = [];
	const heldPorts = new Set<number>();
	const matching = new Set<number>();
	for (const p of all) {
		if (isGone(p) || p.argv.length === 0 || !pattern.test(p.command)) continue;
		matching.add(p.pid);
		const skip = (why: string) => skipped.push({pid: p.pid, command: p.command, why});
		const relation = protectedPids.get(p.pid);
		if (relation) {
			skip(
				relation === 'self'
					? 'this is mcptop itself'
					: relation === 'parent'
						? "mcptop's parent (the shell or launcher that started it)"
						: 'an ancestor of mcptop',
			);
			continue;
		}
		const ports = await portsHeldBy(p.pid, listening);
		const held = ports.filter((port) => configured.has(port));
		for (const port of held) heldPorts.add(port);
		const cwd = await readLinkOf(p.pid, 'cwd');
		const target = (reason: string) => targets.push({...identity(p), reason, cwd, ports});
		if (held.length > 0) {
			target(`holds ${portWords(held)}`);
			continue;
		}
		const prog = testsOrProgram(programOf(p.argv));
		const runsMatching =
			prog !== null &&
			(prog.kind === 'script' || prog.kind === 'module' || prog.kind === 'binary') &&
			pattern.test(prog.name);
		if (!runsMatching) {
			skip(`mentions the pattern but runs ${programWord(p, prog)}`);
			continue;
		}
		const none =
			opts.ports.length === 0
				? ''
				: opts.ports.length === 1
					? `; it does not hold port ${opts.ports[0]}`
					: `; it holds none of ${portWords(opts.ports)}`;
		if (prog.shell || shellScriptName.test(prog.name)) {
			skip(`a shell script named like the server (${base(prog.name)}), not the server${none}`);
			continue;
		}
		const place = await placeOf(p, prog, cwd);
		if ('unknown' in place) skip(`cannot tell which project it belongs to: ${place.unknown}`);
		else if (await inProject(place.file)) target(`runs ${base(prog.name)}`);
		else skip(`another instance in ${place.dir}, not this project`);
	}
	// A configured port held by something that does not match: the new server could not bind it.
	const portConflicts: PortConflict[] = [];
	const unexplained = [...new Set(inodes.values())].filter((port) => !heldPorts.has(port));
	if (unexplained.length > 0) {
		const others = all.filter((p) => !matching.has(p.pid) && !isGone(p));
		const holders = await portHolders(unexplained, others);
		for (const [port, procs] of holders) {
			for (const p of procs) {
				portConflicts.push({port, pid: p.pid, command: p.command});
				skipped.push({
					pid: p.pid,
					command: p.command,
					why: `holds port ${port} but its command line does not match ${JSON.stringify(opts.match)}`,
				});
			}
		}
	}
	targets.sort((a, b) => a.pid - b.pid);
	return {targets, skipped, portConflicts};
}

function identity(p: ProcInfo): Pick<ServerTarget, 'pid' | 'pgid' | 'command' | 'startTime'> {
	return {pid: p.pid, pgid: p.pgid, command: p.command, startTime: p.startTime};
}
