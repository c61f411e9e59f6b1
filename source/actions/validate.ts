// Post-recovery validation (SPEC 5): five checks, each PASS/WARN/FAIL with a reason and a next
// step, an overall verdict (the worst), and the report saved as JSON in the state directory.
import {execFile} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {readProxyToken} from '../config.js';
import {safeJson} from '../lib/sanitize.js';
import {cleanServerText, displayUrl, EndpointError, toEndpointError} from '../mcp/errors.js';
import {
	endpointSpec,
	openEndpointSession,
	planEndpoint,
	sessionDescription,
} from '../mcp/resolve.js';
import type {ActionResult, Config, StepReporter, StepStatus} from '../types.js';
import {existingDir} from './fs-safe.js';
import {latestBackupManifest, type BackupManifest} from './backup.js';
import {tcpConnect} from './restart.js';
import {establishedCount} from './targets.js';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export type CheckResult = {
	name: string;
	status: CheckStatus;
	/** One line: what was found. */
	reason: string;
	/** What to do about it; null when nothing needs doing. */
	next: string | null;
	details?: unknown;
};

export type ValidationReport = {
	/** ISO time the validation started. */
	time: string;
	host: string;
	verdict: CheckStatus;
	checks: CheckResult[];
	/** Where the report was saved; null when it could not be written. */
	reportPath: string | null;
};

const rank: Record<CheckStatus, number> = {PASS: 0, WARN: 1, FAIL: 2};
const stepStatus: Record<CheckStatus, StepStatus> = {PASS: 'ok', WARN: 'warn', FAIL: 'fail'};

export const pythonTimeoutMs = 10_000;
const cpuSampleMs = 200;

export function worstStatus(statuses: CheckStatus[]): CheckStatus {
	let worst: CheckStatus = 'PASS';
	for (const s of statuses) if (rank[s] > rank[worst]) worst = s;
	return worst;
}

function errorText(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

function listWords(items: string[]): string {
	return items.join(', ');
}

// ---- system resources ----

type CpuTimes = {idle: number; total: number};

async function cpuTimes(): Promise<CpuTimes> {
	try {
		const line = (await fsp.readFile('/proc/stat', 'utf8')).split('\n')[0]!;
		// user nice system idle iowait irq softirq steal (guest time is already inside user)
		const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
		return {idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0)};
	} catch {
		let idle = 0;
		let total = 0;
		for (const cpu of os.cpus()) {
			const t = cpu.times;
			idle += t.idle;
			total += t.user + t.nice + t.sys + t.idle + t.irq;
		}
		return {idle, total};
	}
}

async function memoryMb(): Promise<{totalMb: number; availableMb: number}> {
	try {
		const text = await fsp.readFile('/proc/meminfo', 'utf8');
		const kb = (key: string) => {
			const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
			if (!m) throw new Error(`no ${key}`);
			return Number(m[1]);
		};
		return {totalMb: kb('MemTotal') / 1024, availableMb: kb('MemAvailable') / 1024};
	} catch {
		return {totalMb: os.totalmem() / 2 ** 20, availableMb: os.freemem() / 2 ** 20};
	}
}

export async function checkSystem(config: Config): Promise<CheckResult> {
	const name = 'System resources';
	const t = config.thresholds.system;
	try {
		const a = await cpuTimes();
		await new Promise((r) => setTimeout(r, cpuSampleMs));
		const b = await cpuTimes();
		const busy = b.total - a.total - (b.idle - a.idle);
		const cpuPercent = b.total > a.total ? (100 * busy) / (b.total - a.total) : 0;
		const mem = await memoryMb();
		const memoryPercent = mem.totalMb > 0 ? 100 * (1 - mem.availableMb / mem.totalMb) : 0;
		const diskPath = await existingDir(config.project.dir);
		const fsStat = await fsp.statfs(diskPath);
		const used = fsStat.blocks - fsStat.bfree;
		// df's formula: reserved blocks count neither as used nor as available.
		const diskPercent = used + fsStat.bavail > 0 ? (100 * used) / (used + fsStat.bavail) : 0;
		const diskFreeGb = (fsStat.bavail * fsStat.bsize) / 2 ** 30;
		const details = {
			cpuPercent: round1(cpuPercent),
			memoryPercent: round1(memoryPercent),
			totalMb: Math.round(mem.totalMb),
			availableMb: Math.round(mem.availableMb),
			diskPath,
			diskPercent: round1(diskPercent),
			diskFreeGb: round1(diskFreeGb),
		};
		// Below the absolute minimums the server can be killed (OOM) or stop writing logs: FAIL.
		// Over a percentage is a warning, as on the live screen.
		const fails: string[] = [];
		const warns: string[] = [];
		const nexts: string[] = [];
		if (mem.availableMb < t.availableMemoryMb) {
			fails.push(`available memory ${mem.availableMb.toFixed(0)} MB < ${t.availableMemoryMb} MB`);
			nexts.push('free memory: stop programs you do not need, and check the server for a leak');
		}
		if (diskFreeGb < t.freeDiskGb) {
			fails.push(`free disk ${diskFreeGb.toFixed(1)} GB < ${t.freeDiskGb} GB on ${diskPath}`);
			nexts.push('free disk space: old server logs and backups (backup.keep) are candidates');
		}
		if (cpuPercent > t.cpuPercent) {
			warns.push(`CPU ${cpuPercent.toFixed(0)}% > ${t.cpuPercent}%`);
			nexts.push('find what uses the CPU (top); the server answers slowly until it settles');
		}
		if (memoryPercent > t.memoryPercent) {
			warns.push(`memory ${memoryPercent.toFixed(0)}% > ${t.memoryPercent}%`);
			nexts.push('watch the server RSS in the processes pane for a leak');
		}
		if (diskPercent > t.diskPercent) {
			warns.push(`disk ${diskPercent.toFixed(0)}% > ${t.diskPercent}% on ${diskPath}`);
			nexts.push('free disk space before it runs out');
		}
		const summary =
			`CPU ${cpuPercent.toFixed(0)}%, memory ${memoryPercent.toFixed(0)}% ` +
			`(${mem.availableMb.toFixed(0)} MB available), disk ${diskPercent.toFixed(0)}% ` +
			`(${diskFreeGb.toFixed(1)} GB free)`;
		if (fails.length > 0 || warns.length > 0) {
			return {
				name,
				status: fails.length > 0 ? 'FAIL' : 'WARN',
				reason: listWords([...fails, ...warns]),
				next: capitalise(listWords([...new Set(nexts)])),
				details,
			};
		}
		return {name, status: 'PASS', reason: summary, next: null, details};
	} catch (err) {
		return {
			name,
			status: 'WARN',
			reason: `cannot read system resources: ${errorText(err)}`,
			next: 'Check CPU, memory and disk by hand (top, free -m, df -h).',
		};
	}
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
}

// ---- Python environment ----

// Packages arrive as argv, never pasted into the code, so a name cannot inject Python. The doctor
// runs it too, and reads the prefixes to tell a venv.
export const pythonProbe = `
import importlib.util, json, sys
missing = []
for name in sys.argv[1:]:
    try:
        found = importlib.util.find_spec(name) is not None
    except Exception:
        found = False
    if not found:
        missing.append(name)
print(json.dumps({"version": sys.version.split()[0], "executable": sys.executable,
    "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix), "missing": missing}))
`;

/** The project's python (relative to project.dir) when it exists, else python3 from PATH. */
export async function choosePython(config: Config): Promise<{python: string; note: string | null}> {
	const configured = config.project.python.trim();
	if (configured && !configured.includes('/')) return {python: configured, note: null};
	if (configured) {
		const full = path.resolve(config.project.dir, configured);
		try {
			await fsp.access(full, fs.constants.X_OK);
			return {python: full, note: null};
		} catch {
			return {python: 'python3', note: `${configured} not found in ${config.project.dir}`};
		}
	}
	return {python: 'python3', note: null};
}

function run(
	file: string,
	args: string[],
	opts: {cwd: string; timeoutMs: number},
): Promise<{
	stdout: string;
	stderr: string;
	error: (Error & {code?: unknown; killed?: boolean}) | null;
}> {
	return new Promise((resolve) => {
		execFile(
			file,
			args,
			{cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 1024 * 1024, killSignal: 'SIGKILL'},
			(error, stdout, stderr) => resolve({stdout: String(stdout), stderr: String(stderr), error}),
		);
	});
}

export async function checkPython(
	config: Config,
	opts: {timeoutMs?: number} = {},
): Promise<CheckResult> {
	const name = 'Python environment';
	const {python, note} = await choosePython(config);
	const packages = config.project.packages;
	const cwd = await existingDir(config.project.dir);
	const timeoutMs = opts.timeoutMs ?? pythonTimeoutMs;
	const result = await run(python, ['-c', pythonProbe, ...packages], {cwd, timeoutMs});
	if (result.error && result.error.code === 'ENOENT') {
		const venv = /^(.+)\/bin\/python[\d.]*$/.exec(config.project.python.trim())?.[1];
		return {
			name,
			status: 'FAIL',
			reason: note
				? `python not found: ${note} and ${python} is not on PATH`
				: `python not found: ${python} is not on PATH`,
			next: venv
				? `Create the environment in ${config.project.dir}: python3 -m venv ${venv} && ${venv}/bin/pip install -r requirements.txt.`
				: 'Install Python 3, or set project.python in the config to the interpreter the server uses.',
		};
	}
	if (result.error && result.error.killed) {
		return {
			name,
			status: 'FAIL',
			reason: `${python} did not answer within ${timeoutMs / 1000} s`,
			next: `Run ${python} -c "import sys" by hand to see why it hangs.`,
		};
	}
	let parsed: {version: string; executable: string; missing: string[]} | null = null;
	try {
		const last = result.stdout.trim().split('\n').at(-1) ?? '';
		const value = JSON.parse(last) as unknown;
		if (value && typeof value === 'object' && Array.isArray((value as {missing?: unknown}).missing))
			parsed = {
				version: cleanServerText(String((value as {version?: unknown}).version), 20),
				executable: cleanServerText(String((value as {executable?: unknown}).executable), 120),
				missing: (value as {missing: unknown[]}).missing.map((m) => cleanServerText(String(m), 80)),
			};
	} catch {
		parsed = null;
	}
	if (!parsed) {
		const why = cleanServerText(result.stderr.trim().split('\n').at(-1) ?? '', 160);
		return {
			name,
			status: 'FAIL',
			reason: `${python} failed${why ? `: ${why}` : ''}`,
			next: `Run ${python} by hand to see the error.`,
		};
	}
	const which = `python ${parsed.version} (${parsed.executable})`;
	const details = {
		python,
		version: parsed.version,
		executable: parsed.executable,
		packages,
		missing: parsed.missing,
		note,
	};
	if (parsed.missing.length > 0) {
		const hasRequirements = fs.existsSync(path.join(config.project.dir, 'requirements.txt'));
		return {
			name,
			status: 'FAIL',
			reason: `missing packages: ${listWords(parsed.missing)} in ${which}${note ? `; ${note}` : ''}`,
			next: hasRequirements
				? `Install them: ${python} -m pip install -r requirements.txt (in ${config.project.dir}).`
				: `Install them: ${python} -m pip install ${parsed.missing.join(' ')}.`,
			details,
		};
	}
	const what =
		packages.length > 0 ? `all ${packages.length} packages importable` : 'no packages configured';
	return {
		name,
		status: 'PASS',
		reason: `${what} in ${which}${note ? `; ${note}, used python3` : ''}`,
		next: null,
		details,
	};
}

// ---- network services ----

export async function checkNetwork(config: Config): Promise<CheckResult> {
	const name = 'Network services';
	if (config.ports.length === 0) {
		return {
			name,
			status: 'WARN',
			reason: 'no ports configured; nothing to check',
			next: 'List the server ports under "ports" in the config.',
		};
	}
	const timeoutMs = Math.min(config.endpoint.timeoutMs, 2000);
	// Count clients before connecting: our own probe would show up as one.
	const clients = await Promise.all(
		config.ports.map((p) => (p.clients ? establishedCount(p.port) : Promise.resolve(null))),
	);
	const states = await Promise.all(
		config.ports.map((p) => tcpConnect(p.host ?? '127.0.0.1', p.port, timeoutMs)),
	);
	const closed: string[] = [];
	const lonely: string[] = [];
	const details = config.ports.map((p, i) => ({
		port: p.port,
		name: p.name,
		host: p.host ?? '127.0.0.1',
		listening: states[i] === 'open',
		clients: clients[i],
	}));
	config.ports.forEach((p, i) => {
		const label = `port ${p.port} (${p.name})`;
		if (states[i] !== 'open')
			closed.push(
				`${label} ${states[i] === 'refused' ? 'refused the connection' : 'did not answer'}`,
			);
		else if (p.clients && clients[i] === 0) lonely.push(`${label} has no connected clients`);
	});
	if (closed.length > 0) {
		return {
			name,
			status: 'FAIL',
			reason: listWords([...closed, ...lonely]),
			next: `Restart the server (press r, or mcptop restart), then validate again; its output is in ${config.restart.logFile}.`,
			details,
		};
	}
	if (lonely.length > 0) {
		return {
			name,
			status: 'WARN',
			reason: listWords(lonely),
			next: 'Connect the client (e.g. open the Unreal Editor with the plugin enabled).',
			details,
		};
	}
	const ports = config.ports.map((p) => String(p.port));
	return {name, status: 'PASS', reason: `listening: ${listWords(ports)}`, next: null, details};
}

// ---- MCP functionality ----

const statusTool = 'get_server_status';

export async function checkMcp(config: Config, token: string | null): Promise<CheckResult> {
	const name = 'MCP functionality';
	const timeoutMs = config.endpoint.timeoutMs;
	const spec = endpointSpec(config.endpoint, token, readProxyToken(config));
	const restartHint = 'Check the network check above; restart the server (press r) if it is down.';
	let connected;
	try {
		connected = await openEndpointSession(spec);
	} catch (err) {
		const failure = toEndpointError(err, {url: spec.url, secrets: [spec.token, spec.proxyToken]});
		if (failure.kind === 'bad-url' && planEndpoint(spec.url, spec.transport).mode === 'http-get') {
			return checkHealthGet(spec.url, timeoutMs, token, failure);
		}
		return {
			name,
			status: failure.kind === 'bad-url' ? 'WARN' : 'FAIL',
			reason:
				failure.kind === 'bad-url'
					? `${failure.message}; tools/list and ${statusTool} skipped`
					: `cannot open an MCP session at ${displayUrl(spec.url)}: ${failure.message}`,
			next: failure.hint ? capitalise(failure.hint) : restartHint,
		};
	}
	const {session, hint} = connected;
	const how = sessionDescription(session);
	try {
		let tools: string[];
		try {
			tools = await session.listTools(timeoutMs);
		} catch (err) {
			return {
				name,
				status: 'FAIL',
				reason: `tools/list failed (${how}): ${errorText(err)}`,
				next: `Read the server log (${config.restart.logFile}) for the error.`,
			};
		}
		const details: {
			transport: string;
			era: string;
			protocolVersion: string | null;
			server: {name: string; version: string | null} | null;
			tools: string[];
			status?: string;
			statusMs?: number;
		} = {
			transport: session.target.kind,
			era: session.era,
			protocolVersion: session.protocolVersion,
			server: session.server,
			tools: tools.slice(0, 100),
		};
		const followHint = hint ? ` ${capitalise(hint)}.` : '';
		if (tools.length === 0) {
			return {
				name,
				status: 'FAIL',
				reason: `tools/list returned no tools (${how})`,
				next: 'The server started without its tools; read its log and restart it.',
				details,
			};
		}
		if (!tools.includes(statusTool)) {
			return {
				name,
				status: 'WARN',
				reason: `${tools.length} tools listed (${how}), but no ${statusTool} tool to call`,
				next: `Nothing to do if this server has no ${statusTool}; otherwise check that it loaded all its tools.${followHint}`,
				details,
			};
		}
		const started = Date.now();
		try {
			const result = await session.callTool(statusTool, {}, timeoutMs);
			details.statusMs = Date.now() - started;
			details.status = statusText(result);
		} catch (err) {
			return {
				name,
				status: 'FAIL',
				reason: `${statusTool} failed (${how}): ${errorText(err)}`,
				next: `Read the server log (${config.restart.logFile}) for the error.`,
				details,
			};
		}
		return {
			name,
			status: hint ? 'WARN' : 'PASS',
			reason: `${tools.length} tools listed; ${statusTool} answered in ${details.statusMs} ms (${how})`,
			next: hint ? capitalise(hint) : null,
			details,
		};
	} finally {
		await session.close();
	}
}

/** A GET health endpoint has no MCP to call: its status line is all there is to check. */
async function checkHealthGet(
	url: string,
	timeoutMs: number,
	token: string | null,
	why: EndpointError,
): Promise<CheckResult> {
	const name = 'MCP functionality';
	const shown = displayUrl(url);
	try {
		const res = await fetch(url, {
			signal: AbortSignal.timeout(timeoutMs),
			headers: token ? {Authorization: `Bearer ${token}`} : {},
			redirect: 'manual',
		});
		await res.body?.cancel();
		if (res.status < 200 || res.status > 299) {
			return {
				name,
				status: 'FAIL',
				reason: `HTTP ${res.status} from ${shown}`,
				next: 'Check the service behind the endpoint and its log.',
				details: {httpStatus: res.status},
			};
		}
		return {
			name,
			status: 'WARN',
			reason: `HTTP ${res.status} from ${shown}; tools/list and ${statusTool} skipped: ${why.message}`,
			next: why.hint
				? capitalise(why.hint)
				: 'Point endpoint.url at the MCP URL to check the tools.',
			details: {httpStatus: res.status},
		};
	} catch (err) {
		return {
			name,
			status: 'FAIL',
			reason: `GET ${shown} failed: ${toEndpointError(err, {url, secrets: [token], timeoutMs, what: 'GET'}).message}`,
			next: 'Check the network check above; restart the server (press r) if it is down.',
		};
	}
}

function statusText(result: unknown): string {
	const content = (result as {content?: unknown} | null)?.content;
	if (Array.isArray(content)) {
		const texts = content
			.map((c) => (c && typeof c === 'object' ? (c as {text?: unknown}).text : undefined))
			.filter((t): t is string => typeof t === 'string');
		if (texts.length > 0) return cleanServerText(texts.join(' '), 300);
	}
	return cleanServerText(JSON.stringify(result) ?? '', 300);
}

// ---- file integrity ----

async function sha256(file: string): Promise<string> {
	const hash = crypto.createHash('sha256');
	const handle = await fsp.open(file, 'r');
	try {
		for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
	} finally {
		await handle.close().catch(() => {});
	}
	return hash.digest('hex');
}

export async function checkFiles(config: Config): Promise<CheckResult> {
	const name = 'File integrity';
	const projectDir = path.resolve(config.project.dir);
	if (config.project.files.length === 0)
		return {
			name,
			status: 'WARN',
			reason: 'no project files configured',
			next: 'List them under project.files in the config.',
		};
	const missing: string[] = [];
	const empty: string[] = [];
	const odd: string[] = [];
	const present: Array<{rel: string; abs: string}> = [];
	for (const file of config.project.files) {
		const abs = path.resolve(projectDir, file);
		const rel = path.relative(projectDir, abs).split(path.sep).join('/');
		try {
			const stat = await fsp.stat(abs);
			if (!stat.isFile()) odd.push(`${rel} (not a regular file)`);
			else if (stat.size === 0) empty.push(rel);
			else present.push({rel, abs});
		} catch {
			missing.push(rel);
		}
	}
	let manifest: BackupManifest | null = null;
	let backupProblem: string | null = null;
	try {
		manifest = await latestBackupManifest(config.backup.dir);
	} catch (err) {
		backupProblem = `cannot read backups in ${config.backup.dir}: ${errorText(err)}`;
	}
	const changed: string[] = [];
	const notBackedUp: string[] = [];
	if (manifest) {
		const byPath = new Map(manifest.files.map((f) => [f.path, f]));
		for (const f of present) {
			const entry = byPath.get(f.rel);
			if (!entry) notBackedUp.push(f.rel);
			else if ((await sha256(f.abs).catch(() => null)) !== entry.sha256) changed.push(f.rel);
		}
	}
	const details = {
		projectDir,
		missing,
		empty,
		notRegular: odd,
		changed,
		notInBackup: notBackedUp,
		backupId: manifest?.id ?? null,
		backupTime: manifest?.createdAt ?? null,
	};
	const backupWords = manifest ? `backup ${manifest.id}` : null;
	const problems = [
		...(missing.length > 0 ? [`missing: ${listWords(missing)}`] : []),
		...(empty.length > 0 ? [`empty: ${listWords(empty)}`] : []),
		...odd,
	];
	if (problems.length > 0) {
		return {
			name,
			status: 'FAIL',
			reason: listWords(problems),
			next: manifest
				? `Restore them from ${backupWords} (press R, or mcptop restore ${manifest.id}).`
				: 'No backup exists: recreate them (version control, the original install).',
			details,
		};
	}
	const all = `all ${present.length} files present and non-empty`;
	if (!manifest) {
		return {
			name,
			status: 'WARN',
			reason: `${all}; ${backupProblem ?? 'no backup yet; press b'}`,
			next: 'Take a backup now (press b, or mcptop backup) so the next check can spot changes.',
			details,
		};
	}
	if (changed.length > 0 || notBackedUp.length > 0) {
		const parts = [
			...(changed.length > 0
				? [`changed since ${backupWords} (${manifest.createdAt}): ${listWords(changed)}`]
				: []),
			...(notBackedUp.length > 0 ? [`not in ${backupWords}: ${listWords(notBackedUp)}`] : []),
		];
		return {
			name,
			status: 'WARN',
			reason: `${all}; ${listWords(parts)}`,
			next: `If the changes are intended, press b for a fresh backup; if not, R restores ${manifest.id}.`,
			details,
		};
	}
	return {
		name,
		status: 'PASS',
		reason: `${all}; unchanged since ${backupWords}`,
		next: null,
		details,
	};
}

// ---- the whole validation ----

function redact<T>(value: T, token: string | null | undefined): T {
	if (!token) return value;
	const needle = JSON.stringify(token).slice(1, -1);
	const text = JSON.stringify(value);
	if (!text.includes(needle)) return value;
	return JSON.parse(text.split(needle).join('[token]')) as T;
}

function timestampForFile(date: Date): string {
	return date.toISOString().replace(/[:.]/g, '-');
}

async function saveReport(
	stateDir: string,
	report: ValidationReport,
	started: Date,
): Promise<string> {
	const dir = path.join(stateDir, 'reports');
	await fsp.mkdir(dir, {recursive: true, mode: 0o700});
	const base = `validation-${timestampForFile(started)}`;
	for (let attempt = 0; attempt < 20; attempt++) {
		const file = path.join(dir, attempt === 0 ? `${base}.json` : `${base}-${attempt}.json`);
		const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
		const text = `${safeJson({...report, reportPath: file}, 2)}\n`;
		await fsp.writeFile(temp, text, {mode: 0o600, flag: 'wx'});
		try {
			// link() fails when the name is taken, so two validations in one millisecond never clash.
			await fsp.link(temp, file);
			return file;
		} catch (err) {
			const code = (err as {code?: string}).code;
			if (code === 'EEXIST') continue;
			// File systems without hard links: a rename is still atomic, just not exclusive.
			if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
			if (fs.existsSync(file)) continue;
			await fsp.rename(temp, file);
			return file;
		} finally {
			await fsp.rm(temp, {force: true});
		}
	}
	throw new Error(`too many reports named ${base}`);
}

export async function runValidation(
	config: Config,
	report: StepReporter,
	opts: {token?: string | null} = {},
): Promise<ActionResult & {data: ValidationReport}> {
	const token = opts.token ?? null;
	const started = new Date();
	const steps: Array<[string, string, () => Promise<CheckResult>]> = [
		['system', 'System resources', () => checkSystem(config)],
		['python', 'Python environment', () => checkPython(config)],
		['network', 'Network services', () => checkNetwork(config)],
		['mcp', 'MCP functionality', () => checkMcp(config, token)],
		['files', 'File integrity', () => checkFiles(config)],
	];
	const runStep = async ([id, label, check]: (typeof steps)[number]): Promise<CheckResult> => {
		report({id, label, status: 'running'});
		let result: CheckResult;
		try {
			result = redact(await check(), token);
		} catch (err) {
			result = redact(
				{
					name: label,
					status: 'FAIL',
					reason: `check crashed: ${errorText(err)}`,
					next: 'Report this as a bug in mcptop.',
				},
				token,
			);
		}
		report({
			id,
			label,
			status: stepStatus[result.status],
			detail: `${result.status}: ${result.reason}`,
		});
		return result;
	};
	// Local checks run side by side; the MCP check follows the port check so the port check's
	// client count never includes the MCP connection.
	const [system, python, files, [network, mcp]] = await Promise.all([
		runStep(steps[0]!),
		runStep(steps[1]!),
		runStep(steps[4]!),
		(async () => {
			const n = await runStep(steps[2]!);
			const m = await runStep(steps[3]!);
			return [n, m] as const;
		})(),
	]);
	const checks = [system, python, network, mcp, files];
	const verdict = worstStatus(checks.map((c) => c.status));
	const data: ValidationReport = {
		time: started.toISOString(),
		host: os.hostname(),
		verdict,
		checks,
		reportPath: null,
	};
	report({id: 'report', label: 'Save the report', status: 'running'});
	let saveProblem: string | null = null;
	try {
		data.reportPath = await saveReport(config.stateDir, redact(data, token), started);
		report({id: 'report', label: 'Save the report', status: 'ok', detail: data.reportPath});
	} catch (err) {
		saveProblem = `report not saved: ${errorText(err)}`;
		report({id: 'report', label: 'Save the report', status: 'warn', detail: saveProblem});
	}
	const counts = (['PASS', 'WARN', 'FAIL'] as const)
		.map((s) => [s, checks.filter((c) => c.status === s).length] as const)
		.filter(([, n]) => n > 0)
		.map(([s, n]) => `${n} ${s}`);
	const worst = checks.find((c) => c.status === verdict && verdict !== 'PASS');
	const summary =
		`validation ${verdict}: ${listWords(counts)}` +
		(worst ? ` (${worst.name}: ${worst.reason})` : '') +
		(saveProblem ? `; ${saveProblem}` : '');
	const next = worst?.next ?? undefined;
	const result = {ok: verdict !== 'FAIL', summary, data: redact(data, token)};
	return next ? {...result, next} : result;
}
