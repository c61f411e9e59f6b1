// Restart (SPEC 5): the safe replacement for `pkill -f … ; nohup … &`. Only processes that are the
// server are stopped (see targets.ts), each signal is preceded by a PID-reuse check, the new server
// runs detached in its own session with output appended to a private log, and each step says what
// happened.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {glob} from 'tinyglobby';
import {stripControl} from '../lib/sanitize.js';
import type {DoctorCheck} from './doctor.js';
import type {ActionResult, Config, StepReporter, StepStatus} from '../types.js';
import {runBackup} from './backup.js';
import {fsErrorText, fsErrorWhere, makeDirTree} from './fs-safe.js';
import {
	checkIdentity,
	findServerTargets,
	isGone,
	listProcesses,
	portHolders,
	readProcess,
	selfAndAncestors,
	type PortConflict,
	type ProcInfo,
	type ServerTarget,
	type SkippedProcess,
} from './targets.js';

export type RestartPlan = {
	/** Processes that will be stopped. */
	targets: ServerTarget[];
	/** Processes that match the pattern (or hold a port) but will not be touched, with why. */
	skipped: SkippedProcess[];
	/** Start command, null when none is configured. */
	command: string | null;
	cwd: string;
	logFile: string;
	ports: number[];
	backupFirst: boolean;
	/** Files restart.clean matched, removed between stop and start (exactly these, nothing else). */
	clean: Array<{path: string; bytes: number}>;
	/** Reasons the restart cannot run; empty when it can. */
	problems: string[];
};

export type RestartData = {
	oldPids: number[];
	/** How each old process ended: by SIGTERM, SIGKILL, or already gone when its turn came. */
	stopped: Array<{pid: number; how: 'SIGTERM' | 'SIGKILL' | 'already gone' | 'pid reused'}>;
	/** The spawned start command (the shell, or the server when the shell exec'd it). */
	newPid: number | null;
	/** Processes holding the configured ports once ready. */
	listeningPids: number[];
	command: string | null;
	cwd: string;
	logFile: string;
	backupId: string | null;
	/** Files restart.clean removed. */
	cleaned: string[];
	/** After a failed start: the doctor's WARN and FAIL findings (why it would not start). */
	doctor: DoctorCheck[] | null;
	timings: {
		/** First SIGTERM until every old process was gone. */
		stopMs: number | null;
		/** Old processes gone until the ports refused connections. */
		releaseMs: number | null;
		/** Start until the ports listened. */
		readyMs: number | null;
		/** First signal (or start, with nothing to stop) until the ports were back. */
		downtimeMs: number | null;
		/** The whole action, from the plan until the ports were back. */
		totalMs: number;
	};
};

export const noCommandHelp =
	'no start command is configured: set restart.command in mcptop.config.json, e.g. ' +
	'"restart": {"command": "python unreal_blueprint_mcp_server.py"} (it runs in project.dir)';

const pollMs = 50;
const killWaitMs = 5000;
/** Old sockets normally close with their process; this bounds waiting for a straggler. */
const minReleaseWaitMs = 5000;
/** With no ports to watch, the new process must stay up this long to count as started. */
const settleMs = 2000;
const tailLines = 10;

class Cancelled extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) {
			reject(new Cancelled());
			return;
		}
		const onAbort = () => {
			clearTimeout(timer);
			reject(new Cancelled());
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}

/** Polls `done` until it returns true or `timeoutMs` passes. Returns whether it became true. */
async function waitFor(
	done: () => Promise<boolean>,
	timeoutMs: number,
	signal?: AbortSignal,
	intervalMs = pollMs,
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (let i = 0; i < 100_000; i++) {
		if (await done()) return true;
		if (Date.now() >= deadline) return false;
		await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())), signal);
	}
	return false;
}

/** TCP connect: 'open' when accepted, 'refused' when nothing listens, 'timeout' otherwise. */
export function tcpConnect(
	host: string,
	port: number,
	timeoutMs = 1000,
): Promise<'open' | 'refused' | 'timeout'> {
	return new Promise((resolve) => {
		const socket = net.createConnection({host, port});
		const done = (result: 'open' | 'refused' | 'timeout') => {
			clearTimeout(timer);
			socket.destroy();
			resolve(result);
		};
		const timer = setTimeout(() => done('timeout'), timeoutMs);
		socket.once('connect', () => done('open'));
		socket.once('error', () => done('refused'));
	});
}

function portHost(config: Config, port: number): string {
	return config.ports.find((p) => p.port === port)?.host ?? '127.0.0.1';
}

function listWords(items: Array<string | number>): string {
	return items.join(', ');
}

function portsWords(ports: number[]): string {
	return ports.length === 1 ? `port ${ports[0]}` : `ports ${listWords(ports)}`;
}

function seconds(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Command lines and log lines are untrusted text: no escape sequences reach the terminal. */
function shortCommand(command: string, max = 120): string {
	return stripControl(command, max);
}

export async function planRestart(
	config: Config,
	opts: {selfPid?: number} = {},
): Promise<RestartPlan> {
	const ports = config.ports.map((p) => p.port);
	const command = config.restart.command.trim() || null;
	const cwd = path.resolve(config.project.dir);
	const problems: string[] = [];
	if (config.readOnly)
		problems.push('read-only mode: restart is disabled ("readOnly" in the config or --read-only)');
	if (!command) problems.push(noCommandHelp);
	try {
		if (!(await fsp.stat(cwd)).isDirectory()) throw new Error('not a folder');
	} catch {
		problems.push(`project directory ${cwd} does not exist; set project.dir in the config`);
	}
	let targets: ServerTarget[] = [];
	let skipped: SkippedProcess[] = [];
	let conflicts: PortConflict[] = [];
	try {
		({
			targets,
			skipped,
			portConflicts: conflicts,
		} = await findServerTargets({
			match: config.process.match,
			ports,
			projectDir: cwd,
			selfPid: opts.selfPid,
		}));
	} catch (err) {
		problems.push(
			err instanceof SyntaxError
				? `process.match is not a valid regular expression: ${err.message}`
				: (err as Error).message,
		);
	}
	// A port held by something that is not the server: the new server could not bind it, and a
	// readiness check on it would be fooled.
	for (const c of conflicts)
		problems.push(
			`port ${c.port} is held by pid ${c.pid} (${shortCommand(c.command, 60)}), which does not ` +
				'match process.match; stop it yourself or fix process.match / ports in the config',
		);
	if (targets.length === 0 && problems.length === 0) {
		const holders = await portHolders(ports).catch(() => new Map<number, ProcInfo[]>());
		for (const port of ports) {
			const open = (await tcpConnect(portHost(config, port), port, 500)) === 'open';
			if (open && !holders.has(port))
				problems.push(
					`port ${port} is in use but its owner is not visible (another user's process?); ` +
						'run mcptop as the user that runs the server',
				);
		}
	}
	const clean = await findCleanFiles(config).catch((err: unknown) => {
		problems.push(`restart.clean: ${(err as Error).message}`);
		return [];
	});
	if (clean.length > maxCleanFiles)
		problems.push(
			`restart.clean matches ${clean.length} files, more than ${maxCleanFiles}; narrow the globs`,
		);
	return {
		targets,
		skipped,
		command,
		cwd,
		logFile: path.resolve(config.restart.logFile),
		ports,
		backupFirst: config.restart.backupFirst,
		clean,
		problems,
	};
}

const maxCleanFiles = 1000;
/** Rotated logs too (server.log.1, server.log.2.gz): restart.clean never removes a log. */
const logName = /\.log(\.\d+)?(\.gz)?$/i;

/**
 * The regular files restart.clean's globs match now, sorted. Never a log (the configured ones, the
 * restart log, anything named *.log), never a project file, the backups or mcptop's state; symlinks
 * and folders are left alone, and nothing outside the globs is looked at.
 */
export async function findCleanFiles(
	config: Config,
): Promise<Array<{path: string; bytes: number}>> {
	const patterns = config.restart.clean ?? [];
	if (patterns.length === 0) return [];
	for (const pattern of patterns) {
		const start = globStart(pattern);
		if (start !== null && (start === '/' || start === os.homedir()))
			throw new Error(
				`${JSON.stringify(pattern)} is too broad (its wildcards start at ${start}); name the folder, e.g. "/tmp/mcp_session_*.json"`,
			);
	}
	const keep = new Set([
		...config.logs.map((l) => path.resolve(l)),
		path.resolve(config.restart.logFile),
		...config.project.files.map((f) => path.resolve(config.project.dir, f)),
	]);
	const keepDirs = [config.backup.dir, config.stateDir].map((d) => path.resolve(d));
	const matched = await glob(patterns, {
		absolute: true,
		onlyFiles: true,
		dot: true,
		followSymbolicLinks: false,
		expandDirectories: false,
	});
	const out: Array<{path: string; bytes: number}> = [];
	for (const file of [...new Set(matched.map((m) => path.resolve(m)))].sort()) {
		if (keep.has(file) || logName.test(file)) continue;
		if (keepDirs.some((d) => file === d || file.startsWith(d + path.sep))) continue;
		try {
			const st = await fsp.lstat(file);
			if (st.isFile()) out.push({path: file, bytes: st.size});
		} catch {
			// Gone since the glob saw it.
		}
	}
	return out;
}

/** The folder a glob's first wildcard sits in; null for a plain path (one file, never broad). */
function globStart(pattern: string): string | null {
	const parts = path.resolve(pattern).split('/');
	const first = parts.findIndex((p) => /[*?[\]{}!]/.test(p));
	if (first < 0) return null;
	return path.resolve(parts.slice(0, first).join('/') || '/');
}

/** Removes exactly the planned files that are still regular files; returns what happened. */
async function removeCleanFiles(
	files: RestartPlan['clean'],
): Promise<{removed: string[]; failed: string[]}> {
	const removed: string[] = [];
	const failed: string[] = [];
	for (const f of files) {
		try {
			// Replaced by a folder or a symlink since the plan: not what the operator confirmed.
			if (!(await fsp.lstat(f.path)).isFile()) continue;
			await fsp.unlink(f.path);
			removed.push(f.path);
		} catch (err) {
			if ((err as {code?: string}).code !== 'ENOENT') failed.push(`${f.path}: ${fsErrorText(err)}`);
		}
	}
	return {removed, failed};
}

/** Where a target runs and what it listens on, so another checkout's server is told apart. */
function targetPlace(t: ServerTarget): string {
	const cwd = t.cwd === null ? 'unknown (not readable)' : shortCommand(t.cwd, 200);
	const ports = t.ports.length === 0 ? 'no port' : portsWords(t.ports);
	return `    cwd ${cwd}; listening on ${ports}`;
}

/** The plan in lines for a confirmation prompt: exactly what will be stopped and started. */
export function describePlan(plan: RestartPlan): string[] {
	const lines: string[] = [];
	if (plan.targets.length === 0) lines.push('No server process is running; nothing to stop.');
	for (const t of plan.targets)
		lines.push(`stop pid ${t.pid} (${t.reason}): ${shortCommand(t.command)}`, targetPlace(t));
	for (const s of plan.skipped)
		lines.push(`leave pid ${s.pid} alone (${s.why}): ${shortCommand(s.command)}`);
	if (plan.backupFirst) lines.push('back up the project files first');
	for (const f of plan.clean) lines.push(`remove ${shortCommand(f.path, 300)} (${f.bytes} bytes)`);
	if (plan.command)
		lines.push(`start: ${plan.command}  (in ${plan.cwd}, output appended to ${plan.logFile})`);
	for (const p of plan.problems) lines.push(`cannot restart: ${p}`);
	return lines;
}

type StopUnit = {
	target: ServerTarget;
	/** Signal the whole process group (the target leads it and mcptop is not in it). */
	group: boolean;
	how: RestartData['stopped'][number]['how'] | null;
	goneAt: number | null;
};

/**
 * Signal the whole process group (taking the server's children with it) only when the target leads
 * the group and no member is mcptop or one of its ancestors; otherwise just the pid.
 */
export function signalScope(
	target: ServerTarget,
	processes: ProcInfo[],
	protectedPids: ReadonlyMap<number, unknown> | ReadonlySet<number>,
): 'group' | 'pid' {
	if (target.pid !== target.pgid) return 'pid';
	const members = processes.filter((p) => p.pgid === target.pgid && !isGone(p));
	return members.some((p) => protectedPids.has(p.pid)) ? 'pid' : 'group';
}

/** Is a stop unit finished? A zombie counts as gone; so does a pid now used by another process. */
function unitGone(unit: StopUnit, procs: Map<number, ProcInfo>): boolean {
	const leader = procs.get(unit.target.pid) ?? null;
	const leaderOurs = !isGone(leader) && leader!.startTime === unit.target.startTime;
	if (!unit.group) return !leaderOurs;
	if (leaderOurs) return false;
	// While any member lives the kernel cannot hand the group's number to a new process, so a
	// live leader with another start time means our group is empty.
	if (leader && !isGone(leader)) return true;
	for (const p of procs.values()) if (p.pgid === unit.target.pgid && !isGone(p)) return false;
	return true;
}

/** Before a group SIGKILL: the group id must not now belong to a new process. */
async function groupStillOurs(unit: StopUnit): Promise<boolean> {
	const leader = await readProcess(unit.target.pid);
	return leader === null || leader.startTime === unit.target.startTime;
}

function signalError(err: unknown): string {
	const code = (err as {code?: string}).code;
	if (code === 'EPERM')
		return "not permitted (another user's process); run mcptop as the user that runs the server";
	return (err as Error).message;
}

/** Last lines of what the new server wrote to its log since `offset`, control characters removed. */
async function logTail(file: string, offset: number): Promise<string[]> {
	try {
		// Non-blocking: a FIFO put where the log was must not hold a thread-pool thread (and quitting).
		const handle = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
		try {
			const info = await handle.stat();
			if (!info.isFile()) return [];
			const size = info.size;
			const start = Math.max(offset, size - 64 * 1024);
			const length = Math.max(0, size - start);
			const buffer = Buffer.alloc(length);
			await handle.read(buffer, 0, length, start);
			return buffer
				.toString('utf8')
				.split('\n')
				.map((l) => shortCommand(l.replace(/\r$/, ''), 200))
				.filter((l) => l.trim() !== '')
				.slice(-tailLines);
		} finally {
			await handle.close();
		}
	} catch {
		return [];
	}
}

/** Opens the log for appending: created 0600, never truncated, never written through a symlink. */
async function openLog(file: string): Promise<{fd: number; offset: number}> {
	await makeDirTree(path.dirname(file), 0o700);
	const flags =
		fs.constants.O_WRONLY |
		fs.constants.O_APPEND |
		fs.constants.O_CREAT |
		(fs.constants.O_NOFOLLOW ?? 0);
	const fd = fs.openSync(file, flags, 0o600);
	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) throw Object.assign(new Error('is not a regular file'), {code: 'ENOTREG'});
		return {fd, offset: stat.size};
	} catch (err) {
		fs.closeSync(fd);
		throw err;
	}
}

export async function runRestart(
	config: Config,
	plan: RestartPlan,
	report: StepReporter,
	opts: {signal?: AbortSignal} = {},
): Promise<ActionResult & {data: RestartData}> {
	const signal = opts.signal;
	const t0 = Date.now();
	const data: RestartData = {
		oldPids: plan.targets.map((t) => t.pid),
		stopped: [],
		newPid: null,
		listeningPids: [],
		command: plan.command,
		cwd: plan.cwd,
		logFile: plan.logFile,
		backupId: null,
		cleaned: [],
		doctor: null,
		timings: {stopMs: null, releaseMs: null, readyMs: null, downtimeMs: null, totalMs: 0},
	};
	let current = 'plan';
	const step = (id: string, label: string, status: StepStatus, detail?: string) => {
		current = label;
		report(detail === undefined ? {id, label, status} : {id, label, status, detail});
	};
	const finish = (ok: boolean, summary: string, next?: string) => {
		data.timings.totalMs = Date.now() - t0;
		// A failed start says why it would not start: the doctor's failing findings.
		const found = data.doctor?.filter((c) => c.status === 'FAIL') ?? [];
		if (found.length > 0) {
			summary += `; doctor: ${found.map((c) => `${c.name}: ${c.reason}`).join('; ')}`;
			next = found[0]!.next ?? next;
		}
		return next === undefined ? {ok, summary, data} : {ok, summary, next, data};
	};
	/** The startup diagnostics, run once the start failed (imported late: doctor.ts imports this file). */
	const diagnose = async () => {
		step('doctor', 'Doctor', 'running', 'looking for why the server does not start');
		try {
			const {runDoctorChecks} = await import('./doctor.js');
			data.doctor = (await runDoctorChecks(config)).filter((c) => c.status !== 'PASS');
			const fails = data.doctor.filter((c) => c.status === 'FAIL');
			step(
				'doctor',
				'Doctor',
				fails.length > 0 ? 'fail' : data.doctor.length > 0 ? 'warn' : 'ok',
				data.doctor.length === 0
					? 'every startup check passed; the cause is in the server log'
					: data.doctor.map((c) => `${c.status} ${c.name}: ${c.reason}`).join('\n'),
			);
		} catch (err) {
			step('doctor', 'Doctor', 'warn', `the checks could not run: ${(err as Error).message}`);
		}
	};

	try {
		// ---- plan ----
		if (plan.problems.length > 0) {
			step('plan', 'Plan', 'fail', plan.problems.join('; '));
			const noCommand = plan.problems.includes(noCommandHelp);
			return finish(
				false,
				`restart refused: ${plan.problems[0]}`,
				noCommand
					? 'Add restart.command to the config, then press r again.'
					: 'Fix the problem above, then press r again; nothing was stopped.',
			);
		}
		const stopWords =
			plan.targets.length === 0
				? 'nothing running to stop'
				: `stop ${listWords(plan.targets.map((t) => `pid ${t.pid}`))}`;
		step('plan', 'Plan', 'ok', `${stopWords}; start "${plan.command}" in ${plan.cwd}`);

		// ---- backup ----
		if (plan.backupFirst) {
			step('backup', 'Back up the project files', 'running');
			const result = await runBackup(
				{
					projectDir: config.project.dir,
					files: config.project.files,
					backupDir: config.backup.dir,
					keep: config.backup.keep,
				},
				(s) => report({...s, id: `backup:${s.id}`, label: `Backup: ${s.label}`}),
			);
			if (!result.ok) {
				step('backup', 'Back up the project files', 'fail', result.summary);
				return finish(
					false,
					`restart stopped before touching the server: backup failed: ${result.summary}`,
					result.next ?? 'Fix the backup problem, or set restart.backupFirst to false.',
				);
			}
			data.backupId = result.data?.id ?? null;
			step('backup', 'Back up the project files', 'ok', result.summary);
		}

		// ---- stop ----
		const firstSignalAt = plan.targets.length > 0 ? Date.now() : null;
		const stopResult = await stopTargets(plan, config.restart.graceMs, step, data, signal);
		if (stopResult) return finish(false, stopResult.summary, stopResult.next);
		const goneAt = Date.now();

		// ---- ports released ----
		if (plan.ports.length === 0) {
			step('ports', 'Ports released', 'skipped', 'no ports configured');
		} else {
			step(
				'ports',
				'Ports released',
				'running',
				`waiting until ${portsWords(plan.ports)} refuse connections`,
			);
			const releaseWait = Math.max(config.restart.graceMs, minReleaseWaitMs);
			const released = await waitFor(
				async () => {
					const states = await Promise.all(
						plan.ports.map((port) => tcpConnect(portHost(config, port), port, 500)),
					);
					return states.every((s) => s === 'refused');
				},
				releaseWait,
				signal,
			);
			if (!released) {
				const holders = await portHolders(plan.ports).catch(() => new Map<number, ProcInfo[]>());
				const states = await Promise.all(
					plan.ports.map((port) => tcpConnect(portHost(config, port), port, 500)),
				);
				const stuck = plan.ports.filter((_, i) => states[i] !== 'refused');
				const held = (stuck.length > 0 ? stuck : plan.ports).map((port) => {
					const who = holders.get(port);
					return who && who.length > 0
						? `port ${port} held by ${who.map((p) => `pid ${p.pid} (${shortCommand(p.command, 60)})`).join(', ')}`
						: `port ${port}`;
				});
				step(
					'ports',
					'Ports released',
					'fail',
					`still accepting after ${seconds(releaseWait)}: ${held.join('; ')}`,
				);
				return finish(
					false,
					`the new server was not started: ${held.join('; ')} still accepts connections`,
					'Find what holds the port (the ports pane shows its pid) and stop it, then press r again.',
				);
			}
			data.timings.releaseMs = Date.now() - goneAt;
			step(
				'ports',
				'Ports released',
				'ok',
				`${portsWords(plan.ports)} free after ${seconds(data.timings.releaseMs)}`,
			);
		}

		// ---- clean ----
		if (plan.clean.length > 0) {
			step('clean', 'Remove session files and caches', 'running', `${plan.clean.length} files`);
			const {removed, failed} = await removeCleanFiles(plan.clean);
			data.cleaned = removed;
			step(
				'clean',
				'Remove session files and caches',
				failed.length > 0 ? 'warn' : 'ok',
				`removed ${removed.length} of ${plan.clean.length} files` +
					(failed.length > 0 ? `; not removed: ${failed.join('; ')}` : ''),
			);
		}

		// ---- start ----
		const started = await startServer(plan, step);
		if ('failure' in started) {
			await diagnose();
			return finish(false, started.failure.summary, started.failure.next);
		}
		const {child, offset, startedAt, watch} = started;
		data.newPid = child.pid ?? null;

		// ---- ready ----
		const waited = await waitReady(config, plan, watch, startedAt, signal);
		const readyLabel = 'Ready';
		if (!waited.ready) {
			const tail = await logTail(plan.logFile, offset);
			const lines = tail.map((l) => `  ${l}`);
			const e = waited.exit;
			if (e && !(e.code === 0 && plan.ports.length > 0)) {
				const how = e.error
					? `could not run: ${e.error}`
					: e.signal
						? `was killed by ${e.signal}`
						: `exited with code ${e.code}`;
				step(
					'ready',
					readyLabel,
					'fail',
					[`the start command ${how} after ${seconds(waited.at - startedAt)}`, ...lines].join('\n'),
				);
				await diagnose();
				return finish(
					false,
					`the server did not start: the start command ${how}` +
						(tail.length > 0 ? ` (last output: ${tail.at(-1)})` : ''),
					`Read ${plan.logFile} (last lines above), fix the cause, then press r again.`,
				);
			}
			const alive = e === null ? `; pid ${child.pid} is still running` : '';
			const waitedFor = seconds(config.restart.readyTimeoutMs);
			step(
				'ready',
				readyLabel,
				'fail',
				[`${portsWords(plan.ports)} not listening after ${waitedFor}${alive}`, ...lines].join('\n'),
			);
			await diagnose();
			return finish(
				false,
				`the server was started but ${portsWords(plan.ports)} did not listen within ${waitedFor}${alive}`,
				`Read ${plan.logFile}; raise restart.readyTimeoutMs if the server is just slow to start.`,
			);
		}
		data.timings.readyMs = waited.at - startedAt;
		data.timings.downtimeMs = waited.at - (firstSignalAt ?? startedAt);
		if (plan.ports.length > 0) {
			const holders = await portHolders(plan.ports).catch(() => new Map<number, ProcInfo[]>());
			const pids = new Set([...holders.values()].flat().map((p) => p.pid));
			data.listeningPids = [...pids].sort((a, b) => a - b);
		}
		const where =
			plan.ports.length > 0
				? `${portsWords(plan.ports)} listening after ${seconds(data.timings.readyMs)}`
				: `running after ${seconds(data.timings.readyMs)}`;
		// Exit 0 before ready with ports up: the command put the server in the background itself.
		const daemonized = waited.exit !== null;
		step(
			'ready',
			readyLabel,
			daemonized ? 'warn' : 'ok',
			daemonized
				? `${where}; the start command exited and left the server in the background`
				: where,
		);
		const stoppedWords =
			data.stopped.length > 0
				? `stopped ${listWords(data.stopped.map((s) => `pid ${s.pid} (${s.how})`))}; `
				: '';
		const newPids = data.listeningPids.length > 0 ? data.listeningPids : [data.newPid ?? '?'];
		return finish(true, `restarted: ${stoppedWords}new pid ${listWords(newPids)}, ${where}`);
	} catch (err) {
		if (err instanceof Cancelled) {
			report({id: 'cancel', label: 'Cancelled', status: 'warn', detail: `during: ${current}`});
			return finish(
				false,
				`restart cancelled during: ${current}`,
				'Check the processes pane; press r to try again.',
			);
		}
		throw err;
	}
}

type ExitInfo = {code: number | null; signal: string | null; error?: string};

/** Spawns the start command detached, in its own session, output appended to the log. */
async function startServer(
	plan: RestartPlan,
	step: (id: string, label: string, status: StepStatus, detail?: string) => void,
): Promise<
	| {child: ChildProcess; offset: number; startedAt: number; watch: ExitWatch}
	| {failure: {summary: string; next: string}}
> {
	const label = 'Start the server';
	step('start', label, 'running', plan.command!);
	let log: {fd: number; offset: number};
	try {
		log = await openLog(plan.logFile);
	} catch (err) {
		const code = (err as {code?: string}).code;
		const why =
			code === 'ENOTREG'
				? 'is not a regular file'
				: code === 'ELOOP'
					? 'is a symlink; refusing to write through it'
					: `cannot be opened: ${fsErrorWhere(err)}`;
		step('start', label, 'fail', `log file ${plan.logFile} ${why}`);
		return {
			failure: {
				summary: `the server is stopped and was not started: log file ${plan.logFile} ${why}`,
				next: 'Fix restart.logFile in the config (a writable regular file), then press r again.',
			},
		};
	}
	let child: ChildProcess;
	let offset = log.offset;
	try {
		// A marker line, so an operator reading the log sees where this run's output begins.
		const header = `\n=== mcptop restart ${new Date().toISOString()}: ${plan.command} (in ${plan.cwd})\n`;
		fs.writeSync(log.fd, header);
		offset += Buffer.byteLength(header);
		// Its own session: no controlling terminal, so quitting mcptop or closing the SSH session
		// leaves the server running; unref so mcptop can exit without waiting for it.
		child = spawn('/bin/sh', ['-c', plan.command!], {
			cwd: plan.cwd,
			detached: true,
			stdio: ['ignore', log.fd, log.fd],
		});
	} finally {
		fs.closeSync(log.fd);
	}
	child.unref();
	const startedAt = Date.now();
	const watch = watchExit(child);
	if (child.pid === undefined) {
		// spawn reports a bad cwd or a missing /bin/sh as an 'error' event instead of a pid.
		await watch.exited;
		const why = watch.state.exit?.error ?? 'unknown error';
		step('start', label, 'fail', `could not run /bin/sh in ${plan.cwd}: ${why}`);
		return {
			failure: {
				summary: `the server is stopped and was not started: could not run the start command (${why})`,
				next: 'Check project.dir and restart.command in the config, then press r again.',
			},
		};
	}
	step(
		'start',
		label,
		'ok',
		`pid ${child.pid}: ${plan.command}; output appended to ${plan.logFile}`,
	);
	return {child, offset, startedAt, watch};
}

type ExitWatch = {state: {exit: ExitInfo | null}; exited: Promise<void>};

/** Listens for the child's end from the moment it is spawned, so no early exit or error is missed. */
function watchExit(child: ChildProcess): ExitWatch {
	const state: {exit: ExitInfo | null} = {exit: null};
	const exited = new Promise<void>((resolve) => {
		child.once('exit', (code, sig) => {
			state.exit ??= {code, signal: sig};
			resolve();
		});
		child.once('error', (err) => {
			state.exit ??= {code: null, signal: null, error: fsErrorText(err)};
			resolve();
		});
	});
	return {state, exited};
}

/**
 * Waits until the ports listen (or, with no ports, the process stays up a moment). A start command
 * that fails returns at once; one that exits 0 may have put the server in the background, so the
 * ports are still waited for.
 */
async function waitReady(
	config: Config,
	plan: RestartPlan,
	watch: ExitWatch,
	startedAt: number,
	signal: AbortSignal | undefined,
): Promise<{ready: boolean; exit: ExitInfo | null; at: number}> {
	const {state, exited} = watch;
	const timeout = config.restart.readyTimeoutMs;
	const deadline = startedAt + timeout;
	for (let i = 0; i < 100_000; i++) {
		const exit = state.exit;
		if (exit && !(exit.code === 0 && plan.ports.length > 0)) break;
		let ready: boolean;
		if (plan.ports.length === 0) {
			ready = exit === null && Date.now() - startedAt >= Math.min(settleMs, timeout);
		} else {
			const states = await Promise.all(
				plan.ports.map((port) => tcpConnect(portHost(config, port), port, 500)),
			);
			ready = states.every((s) => s === 'open');
		}
		if (ready) return {ready: true, exit: state.exit, at: Date.now()};
		if (Date.now() >= deadline) break;
		const pause = sleep(Math.min(100, Math.max(1, deadline - Date.now())), signal);
		// Wake at once when the command exits; after that, just poll the ports.
		await (state.exit ? pause : Promise.race([pause, exited]));
	}
	return {ready: false, exit: state.exit, at: Date.now()};
}

/** Stops every target; returns a failure to report, or null when all are gone. */
async function stopTargets(
	plan: RestartPlan,
	graceMs: number,
	step: (id: string, label: string, status: StepStatus, detail?: string) => void,
	data: RestartData,
	signal: AbortSignal | undefined,
): Promise<{summary: string; next: string} | null> {
	if (plan.targets.length === 0) {
		step('stop', 'Stop the server', 'skipped', 'no server process running');
		return null;
	}
	const protectedPids = await selfAndAncestors(process.pid);
	const procs = await listProcesses();
	const units: StopUnit[] = [];
	const leaders = new Set<number>();
	for (const t of plan.targets) {
		if (t.pid !== t.pgid) continue;
		const group = signalScope(t, procs, protectedPids) === 'group';
		units.push({target: t, group, how: null, goneAt: null});
		if (group) leaders.add(t.pgid);
	}
	// Targets inside a group that is signalled as a whole go with their leader.
	const covered: ServerTarget[] = [];
	for (const t of plan.targets) {
		if (t.pid === t.pgid) continue;
		if (leaders.has(t.pgid)) covered.push(t);
		else units.push({target: t, group: false, how: null, goneAt: null});
	}
	units.sort((a, b) => a.target.pid - b.target.pid);

	const firstSignalAt = Date.now();
	const failures: string[] = [];
	for (const unit of units) {
		const {pid} = unit.target;
		const label = `Stop pid ${pid} (SIGTERM)`;
		const identity = await checkIdentity(unit.target);
		if (identity !== 'same') {
			unit.how = identity === 'gone' ? 'already gone' : 'pid reused';
			unit.goneAt = Date.now();
			step(
				`stop-${pid}`,
				label,
				'skipped',
				identity === 'gone'
					? 'already exited'
					: `pid ${pid} now belongs to another program; not signalled`,
			);
			continue;
		}
		try {
			process.kill(unit.group ? -unit.target.pgid : pid, 'SIGTERM');
			unit.how = 'SIGTERM';
			step(
				`stop-${pid}`,
				label,
				'running',
				unit.group
					? `sent to process group ${unit.target.pgid}`
					: 'sent to the pid only (its process group includes mcptop)',
			);
		} catch (err) {
			if ((err as {code?: string}).code === 'ESRCH') {
				unit.how = 'already gone';
				unit.goneAt = Date.now();
				step(`stop-${pid}`, label, 'skipped', 'already exited');
				continue;
			}
			failures.push(`pid ${pid}: ${signalError(err)}`);
			step(`stop-${pid}`, label, 'fail', signalError(err));
		}
	}
	for (const t of covered)
		step(
			`stop-${t.pid}`,
			`Stop pid ${t.pid} (SIGTERM)`,
			'ok',
			`signalled with its process group ${t.pgid}`,
		);
	const record = () => {
		for (const unit of units)
			if (unit.how) data.stopped.push({pid: unit.target.pid, how: unit.how});
	};
	if (failures.length > 0) {
		record();
		return {
			summary: `could not stop the server: ${failures.join('; ')}; the new server was not started`,
			next: 'Run mcptop as the user that runs the server (or stop it yourself), then press r again.',
		};
	}

	const pending = () => units.filter((u) => u.goneAt === null);
	const poll = async () => {
		const now = new Map((await listProcesses()).map((p) => [p.pid, p]));
		for (const u of pending()) {
			if (!unitGone(u, now)) continue;
			u.goneAt = Date.now();
			if (u.how === 'SIGTERM')
				step(
					`stop-${u.target.pid}`,
					`Stop pid ${u.target.pid} (SIGTERM)`,
					'ok',
					`exited after ${seconds(u.goneAt - firstSignalAt)}`,
				);
		}
		return pending().length === 0;
	};
	await waitFor(poll, graceMs, signal);

	for (const unit of pending()) {
		const {pid} = unit.target;
		const label = unit.group ? `SIGKILL process group ${unit.target.pgid}` : `SIGKILL pid ${pid}`;
		step(
			`stop-${pid}`,
			`Stop pid ${pid} (SIGTERM)`,
			'warn',
			`still running after ${seconds(graceMs)}`,
		);
		const ours = unit.group
			? await groupStillOurs(unit)
			: (await checkIdentity(unit.target)) === 'same';
		if (!ours) {
			unit.goneAt = Date.now();
			step(`kill-${pid}`, label, 'skipped', 'exited just now');
			continue;
		}
		try {
			process.kill(unit.group ? -unit.target.pgid : pid, 'SIGKILL');
			unit.how = 'SIGKILL';
			step(`kill-${pid}`, label, 'running');
		} catch (err) {
			if ((err as {code?: string}).code === 'ESRCH') {
				unit.goneAt = Date.now();
				step(`kill-${pid}`, label, 'skipped', 'exited just now');
				continue;
			}
			step(`kill-${pid}`, label, 'fail', signalError(err));
			failures.push(`pid ${pid}: ${signalError(err)}`);
		}
	}
	if (failures.length === 0 && pending().length > 0) {
		const killedAt = Date.now();
		await waitFor(poll, killWaitMs, signal);
		for (const unit of units) {
			if (unit.how !== 'SIGKILL') continue;
			const label = unit.group
				? `SIGKILL process group ${unit.target.pgid}`
				: `SIGKILL pid ${unit.target.pid}`;
			if (unit.goneAt !== null)
				step(
					`kill-${unit.target.pid}`,
					label,
					'ok',
					`gone after ${seconds(unit.goneAt - killedAt)}`,
				);
			else {
				const p = await readProcess(unit.target.pid);
				const state =
					p?.state === 'D' ? ' (state D: stuck in the kernel, usually on disk or network I/O)' : '';
				step(
					`kill-${unit.target.pid}`,
					label,
					'fail',
					`still alive after ${seconds(killWaitMs)}${state}`,
				);
				failures.push(`pid ${unit.target.pid} is still alive after SIGKILL${state}`);
			}
		}
	}
	record();
	if (failures.length > 0) {
		return {
			summary: `could not stop the server: ${failures.join('; ')}; the new server was not started`,
			next: 'Check the process with ps or top; a process stuck in state D needs its I/O to finish.',
		};
	}
	data.timings.stopMs = Date.now() - firstSignalAt;
	return null;
}
