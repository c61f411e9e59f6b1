// Startup diagnostics (SPEC 10, the guide's "why won't it start" script): everything the restart
// command needs, each PASS/WARN/FAIL with the reason, the fix and the guide's triage. Read-only: it
// runs the interpreter once to ask for its version and packages, connects to each port once, and
// writes nothing.
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {linearRegExp} from '../lib/safe-regex.js';
import {cleanServerText} from '../mcp/errors.js';
import {triage, triageReason, triageWords} from '../monitor/triage.js';
import {isLogPattern} from '../probes/log-glob.js';
import {PortProbe} from '../probes/ports.js';
import type {
	ActionResult,
	Config,
	PortReading,
	StepReporter,
	StepStatus,
	Triage,
} from '../types.js';
import {existingDir, fsErrorText} from './fs-safe.js';
import {noCommandHelp} from './restart.js';
import {programOf} from './targets.js';
import {
	choosePython,
	pythonProbe,
	pythonTimeoutMs,
	worstStatus,
	type CheckResult,
	type CheckStatus,
	type ValidationReport,
} from './validate.js';

export type DoctorCheck = CheckResult & {
	/** Stable id: "command", "interpreter", "packages", "script", "port:6277", "log:/tmp/x.log", "paths". */
	id: string;
	/** The guide's triage for a WARN or FAIL; null for a PASS. */
	triage: Triage | null;
};

export type DoctorReport = {
	time: string;
	host: string;
	verdict: CheckStatus;
	checks: DoctorCheck[];
};

const stepStatus: Record<CheckStatus, StepStatus> = {PASS: 'ok', WARN: 'warn', FAIL: 'fail'};

const startup = (first?: string) =>
	triage(
		"server won't start",
		'environment',
		first ?? 'apply the fix given with it, then start the server again (r, or mcptop restart)',
	);

// ---- the start command, word by word ----

/** Splits a command line the way /bin/sh would for plain words and quotes; enough to find the program. */
export function shellWords(command: string): {words: string[]; shellSyntax: boolean} {
	const words: string[] = [];
	let current = '';
	let inWord = false;
	let quote: '"' | "'" | null = null;
	let shellSyntax = false;
	for (let i = 0; i < command.length; i++) {
		const c = command[i]!;
		if (quote) {
			if (c === quote) quote = null;
			else if (c === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
			else current += c;
			continue;
		}
		if (c === "'" || c === '"') {
			quote = c;
			inWord = true;
		} else if (c === '\\' && i + 1 < command.length) {
			current += command[++i];
			inWord = true;
		} else if (/\s/.test(c)) {
			if (inWord) words.push(current);
			current = '';
			inWord = false;
		} else {
			if (/[;&|<>()`$]/.test(c)) shellSyntax = true;
			current += c;
			inWord = true;
		}
	}
	if (inWord) words.push(current);
	return {words, shellSyntax};
}

/** The words after `VAR=value`, `exec`, `nohup` and `env [options]`: what actually runs. */
export function programWords(words: string[]): string[] {
	let i = 0;
	for (let guard = 0; guard < 64 && i < words.length; guard++) {
		const w = words[i]!;
		if (/^[A-Za-z_]\w*=/.test(w) || w === 'exec' || w === 'nohup') i++;
		else if (w === 'env' || w.endsWith('/env')) {
			i++;
			while (i < words.length && (words[i]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(words[i]!))) {
				if (['-u', '-C', '--unset', '--chdir'].includes(words[i]!)) i++;
				i++;
			}
		} else break;
	}
	return words.slice(i);
}

/** `name` on PATH the way a shell finds it: the first executable regular file. */
export async function findOnPath(
	name: string,
	envPath = process.env['PATH'] ?? '',
): Promise<string | null> {
	for (const dir of envPath.split(':')) {
		const full = path.join(dir || '.', name);
		if (await isExecutableFile(full)) return path.resolve(full);
	}
	return null;
}

/** A regular file with a run bit (root runs a file only when some x bit is set, too). */
async function isExecutableFile(file: string): Promise<boolean> {
	try {
		const st = await fsp.stat(file);
		if (!st.isFile() || (st.mode & 0o111) === 0) return false;
		await fsp.access(file, fs.constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

const pythonName = /^python[\d.]*$/;
/** Launchers that run Python code: the project's interpreter question applies to them too. */
const pythonRunners = /^(fastmcp|uv|uvx|poetry|pipenv|pdm|hatch|mcp)$/;

export type StartPlan = {
	command: string;
	argv: string[];
	shellSyntax: boolean;
	/** The program as written (first word that runs) and where it resolves; null when not found. */
	program: string | null;
	programPath: string | null;
	/** The script the command starts, relative to project.dir unless absolute. */
	script: {path: string; direct: boolean} | null;
	/** The interpreter the server will run under, and how that was decided. */
	interpreter: {path: string | null; written: string; how: string};
	/** Whether the server runs under Python at all (a node or Go server has no venv to check). */
	python: boolean;
};

async function shebangOf(file: string): Promise<string[] | null> {
	try {
		const handle = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
		try {
			const buf = Buffer.alloc(256);
			const {bytesRead} = await handle.read(buf, 0, 256, 0);
			const first = buf.toString('utf8', 0, bytesRead).split('\n')[0] ?? '';
			return first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : null;
		} finally {
			await handle.close();
		}
	} catch {
		return null;
	}
}

export async function planStart(config: Config): Promise<StartPlan> {
	const dir = path.resolve(config.project.dir);
	const command = config.restart.command.trim();
	const {words, shellSyntax} = shellWords(command);
	const argv = programWords(words);
	const program = argv[0] ?? null;
	let programPath: string | null = null;
	if (program !== null) {
		programPath = program.includes('/')
			? (await isExecutableFile(path.resolve(dir, program)))
				? path.resolve(dir, program)
				: null
			: await findOnPath(program);
	}
	const prog = argv.length > 0 ? programOf(argv) : null;
	let script: StartPlan['script'] = null;
	let interpreter: StartPlan['interpreter'];
	// The command (or its #! line) names a python: that is what will run, whatever project.python says.
	let namedByCommand = true;
	if (program && pythonName.test(path.basename(program))) {
		interpreter = {path: programPath, written: program, how: 'the start command names it'};
		if (prog?.kind === 'script') script = {path: prog.name, direct: false};
	} else {
		// A script without its run bit still says in its #! line what it would run under.
		const programFile = programPath ?? (program?.includes('/') ? path.resolve(dir, program) : null);
		const shebang = programFile ? await shebangOf(programFile) : null;
		const fromShebang =
			shebang && shebang[0]
				? path.basename(shebang[0]) === 'env' && shebang[1]
					? shebang[1]
					: shebang[0]
				: null;
		// An interpreter's script (node x.js, fastmcp run x.py), or a program started by its path.
		if (prog?.kind === 'script')
			script = {path: path.join(prog.dir ?? '', prog.name), direct: false};
		else if (prog?.kind === 'binary' && program?.includes('/'))
			script = {path: program, direct: true};
		if (fromShebang && pythonName.test(path.basename(fromShebang))) {
			const resolved = fromShebang.includes('/') ? fromShebang : await findOnPath(fromShebang);
			interpreter = {
				path: resolved !== null && (await isExecutableFile(resolved)) ? resolved : null,
				written: fromShebang,
				how: `the #! line of ${program}`,
			};
		} else {
			namedByCommand = false;
			const chosen = await choosePython(config);
			const found = chosen.python.includes('/') ? chosen.python : await findOnPath(chosen.python);
			interpreter = {
				path: found,
				written: chosen.python,
				how: chosen.note
					? `${chosen.note}, so python3`
					: chosen.python.includes('/')
						? 'the project venv (project.python)'
						: 'project.python',
			};
		}
	}
	const runner = program !== null && pythonRunners.test(path.basename(program));
	const python =
		runner || namedByCommand || (script !== null && /\.py$/.test(script.path)) || program === null;
	return {command, argv, shellSyntax, program, programPath, script, interpreter, python};
}

// ---- the checks ----

function check(
	id: string,
	name: string,
	status: CheckStatus,
	reason: string,
	next: string | null,
	t: Triage | null,
	details?: unknown,
): DoctorCheck {
	const c: DoctorCheck = {id, name, status, reason, next, triage: status === 'PASS' ? null : t};
	return details === undefined ? c : {...c, details};
}

export async function checkCommand(config: Config, plan: StartPlan): Promise<DoctorCheck> {
	const name = 'Start command';
	if (!plan.command)
		return check(
			'command',
			name,
			'FAIL',
			noCommandHelp,
			'Add restart.command to the config.',
			startup(),
		);
	if (plan.program === null)
		return check(
			'command',
			name,
			'FAIL',
			`restart.command ${JSON.stringify(plan.command)} runs no program`,
			'Write the program and its arguments in restart.command.',
			startup(),
		);
	const where = plan.program.includes('/') ? `in ${path.resolve(config.project.dir)}` : 'on PATH';
	const stat = plan.program.includes('/')
		? await fsp.stat(path.resolve(config.project.dir, plan.program)).catch(() => null)
		: null;
	if (plan.programPath === null && stat?.isFile())
		return check(
			'command',
			name,
			'FAIL',
			`${plan.program} has no run bit (mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')})`,
			`chmod +x ${path.resolve(config.project.dir, plan.program)}, or start it through its interpreter.`,
			startup(),
		);
	if (plan.programPath === null)
		return check(
			'command',
			name,
			'FAIL',
			`${plan.program} is not found ${where}${plan.program.includes('/') ? ' (or has no run bit)' : ` (PATH=${cleanServerText(process.env['PATH'] ?? '', 200)})`}`,
			plan.program.includes('/')
				? `Check the path in restart.command (it is relative to project.dir); chmod +x it if it is a script.`
				: `Install ${plan.program}, or write its full path in restart.command.`,
			startup(),
		);
	const note = plan.shellSyntax
		? '; the command uses shell syntax, so only its first program is checked'
		: '';
	return check(
		'command',
		name,
		'PASS',
		`${plan.program} is ${plan.programPath}${note}`,
		null,
		null,
		{
			program: plan.program,
			path: plan.programPath,
		},
	);
}

type PythonAnswer = {version: string; executable: string; venv: string | null; missing: string[]};

function askPython(
	python: string,
	packages: string[],
	cwd: string,
): Promise<{answer: PythonAnswer} | {error: string}> {
	return new Promise((resolve) => {
		execFile(
			python,
			['-c', pythonProbe, ...packages],
			{cwd, timeout: pythonTimeoutMs, maxBuffer: 1024 * 1024, killSignal: 'SIGKILL'},
			(error, stdout, stderr) => {
				try {
					const v = JSON.parse(String(stdout).trim().split('\n').at(-1) ?? '') as Record<
						string,
						unknown
					>;
					if (!Array.isArray(v['missing'])) throw new Error('no answer');
					const prefix = String(v['prefix']);
					resolve({
						answer: {
							version: cleanServerText(String(v['version']), 20),
							executable: cleanServerText(String(v['executable']), 200),
							venv: prefix !== String(v['base_prefix']) ? cleanServerText(prefix, 200) : null,
							missing: (v['missing'] as unknown[]).map((m) => cleanServerText(String(m), 80)),
						},
					});
				} catch {
					const killed = (error as {killed?: boolean} | null)?.killed;
					const why = killed
						? `did not answer within ${pythonTimeoutMs / 1000} s`
						: cleanServerText(
								String(stderr).trim().split('\n').at(-1) ?? error?.message ?? 'failed',
								200,
							);
					resolve({error: why});
				}
			},
		);
	});
}

/** The interpreter and, from the same run, the packages importable in it. */
export async function checkPython(config: Config, plan: StartPlan): Promise<DoctorCheck[]> {
	const interp = plan.interpreter;
	if (!plan.python)
		return [
			check(
				'interpreter',
				'Interpreter',
				'PASS',
				`the start command runs ${plan.program}, not Python: no venv to check`,
				null,
				null,
			),
			check(
				'packages',
				'Packages',
				'PASS',
				'not checked: the server is not a Python program',
				null,
				null,
			),
		];
	const packagesCheck = (
		status: CheckStatus,
		reason: string,
		next: string | null,
		details?: unknown,
	) => check('packages', 'Packages', status, reason, next, startup(), details);
	if (interp.path === null) {
		const venv = /^(.+)\/bin\/python[\d.]*$/.exec(config.project.python.trim())?.[1];
		return [
			check(
				'interpreter',
				'Interpreter',
				'FAIL',
				`${interp.written} (${interp.how}) is not found`,
				venv
					? `Create the venv in ${config.project.dir}: python3 -m venv ${venv} && ${venv}/bin/pip install -r requirements.txt.`
					: 'Install Python 3, or set project.python / restart.command to the interpreter the server uses.',
				startup(),
			),
			packagesCheck('FAIL', 'not checked: no interpreter', 'Fix the interpreter first.'),
		];
	}
	const cwd = await existingDir(config.project.dir);
	const asked = await askPython(interp.path, config.project.packages, cwd);
	if ('error' in asked)
		return [
			check(
				'interpreter',
				'Interpreter',
				'FAIL',
				`${interp.path} does not run: ${asked.error}`,
				`Run ${interp.path} -c "import sys" by hand to see why.`,
				startup(),
			),
			packagesCheck(
				'FAIL',
				'not checked: the interpreter does not run',
				'Fix the interpreter first.',
			),
		];
	const a = asked.answer;
	const active = process.env['VIRTUAL_ENV'];
	const venvWords = a.venv ? `in venv ${a.venv}` : 'not in a venv';
	const activeWords = active
		? `; VIRTUAL_ENV=${cleanServerText(active, 200)} is active`
		: '; no venv is active';
	const details = {
		python: interp.path,
		how: interp.how,
		version: a.version,
		executable: a.executable,
		venv: a.venv,
		activeVenv: active ?? null,
	};
	const projectVenv = config.project.python.includes('/')
		? path.resolve(config.project.dir, config.project.python)
		: null;
	const venvExists = projectVenv !== null && (await isExecutableFile(projectVenv));
	const [major = 0, minor = 0] = a.version.split('.').map(Number);
	let status: CheckStatus = 'PASS';
	let next: string | null = null;
	const notes: string[] = [];
	if (venvExists && a.venv === null && interp.how === 'the start command names it') {
		status = 'WARN';
		notes.push(
			`the project venv ${config.project.python} exists but the start command runs ${interp.written}`,
		);
		next = `Write ${config.project.python} instead of ${interp.written} in restart.command (or activate the venv before starting mcptop).`;
	}
	if (config.project.packages.includes('fastmcp') && (major < 3 || (major === 3 && minor < 10))) {
		status = 'WARN';
		notes.push('fastmcp needs Python 3.10 or newer');
		next ??= 'Create the venv with a Python 3.10+ interpreter.';
	}
	const interpreterCheck = check(
		'interpreter',
		'Interpreter',
		status,
		`python ${a.version} (${a.executable}, ${interp.how}), ${venvWords}${activeWords}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
		next,
		startup(),
		details,
	);
	const packages = config.project.packages;
	if (a.missing.length > 0) {
		const requirements = fs.existsSync(path.join(config.project.dir, 'requirements.txt'));
		return [
			interpreterCheck,
			packagesCheck(
				'FAIL',
				`missing in python ${a.version} (${a.executable}): ${a.missing.join(', ')}`,
				requirements
					? `Install them: ${interp.path} -m pip install -r requirements.txt (in ${config.project.dir}).`
					: `Install them: ${interp.path} -m pip install ${a.missing.join(' ')}.`,
				{missing: a.missing, packages},
			),
		];
	}
	return [
		interpreterCheck,
		packagesCheck(
			'PASS',
			packages.length > 0
				? `all ${packages.length} importable: ${packages.join(', ')}`
				: 'no packages configured (project.packages)',
			null,
			{missing: [], packages},
		),
	];
}

export async function checkScript(config: Config, plan: StartPlan): Promise<DoctorCheck> {
	const name = 'Server script';
	const fail = (reason: string, next: string) =>
		check('script', name, 'FAIL', reason, next, startup());
	if (!plan.script)
		return check(
			'script',
			name,
			'PASS',
			plan.command
				? `the start command names no script file (${plan.argv[0] ?? ''})`
				: 'no start command',
			null,
			null,
		);
	const file = path.resolve(config.project.dir, plan.script.path);
	let st: fs.Stats;
	try {
		st = await fsp.stat(file);
	} catch (err) {
		return fail(
			`${file} ${fsErrorText(err)}`,
			`Restore it (R) or fix restart.command / project.dir (the command runs in ${path.resolve(config.project.dir)}).`,
		);
	}
	if (!st.isFile())
		return fail(`${file} is not a regular file`, 'Point restart.command at the server script.');
	try {
		await fsp.access(file, fs.constants.R_OK);
		if ((st.mode & 0o444) === 0) throw Object.assign(new Error('no read bit'), {code: 'EACCES'});
	} catch (err) {
		return fail(`${file} cannot be read: ${fsErrorText(err)}`, `chmod u+r ${file}`);
	}
	if (st.size === 0) return fail(`${file} is empty`, 'Restore it from a backup (R).');
	const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
	if (plan.script.direct) {
		if ((st.mode & 0o111) === 0)
			return fail(
				`${file} is started directly but has no run bit (mode ${mode})`,
				`chmod +x ${file}, or start it through its interpreter (python ${path.basename(file)}) in restart.command.`,
			);
		const shebang = await shebangOf(file);
		if (!shebang)
			return fail(
				`${file} is started directly but has no #! line`,
				`Add a first line such as #!/usr/bin/env python3, or start it as python ${path.basename(file)}.`,
			);
	}
	return check(
		'script',
		name,
		'PASS',
		`${file} is readable (mode ${mode})${plan.script.direct ? ' and executable' : ', run by its interpreter'}`,
		null,
		null,
		{file, mode, direct: plan.script.direct},
	);
}

/** Each port free or held, by whom, and whether that is the expected server (the ports probe's code). */
export async function checkPorts(config: Config, known?: PortReading[]): Promise<DoctorCheck[]> {
	if (config.ports.length === 0) return [];
	const match = linearRegExp(config.process.match);
	// On the screen the monitor's own readings serve: no extra connection to the server.
	const readings =
		known && known.length === config.ports.length
			? known
			: await new PortProbe({ports: config.ports}).sample();
	return readings.map((r) => {
		const id = `port:${r.port}`;
		const name = `Port ${r.port} (${r.name})`;
		const who = `pid ${r.pid} (${cleanServerText(r.processName ?? '?', 40)})`;
		if (!r.listening) return check(id, name, 'PASS', 'free: the server can bind it', null, null, r);
		if (r.pid === null)
			return check(
				id,
				name,
				'WARN',
				'in use by a process mcptop cannot see (another user’s?)',
				`See who holds it: sudo ss -ltnp 'sport = :${r.port}'; run mcptop as the user that runs the server.`,
				triage("server won't start", 'connection'),
				r,
			);
		if (r.command !== null && match.test(r.command))
			return check(
				id,
				name,
				'PASS',
				`held by ${who}, the expected server: it is running (a restart stops it first)`,
				null,
				null,
				r,
			);
		const t = triageReason(`port ${r.port} is held by pid ${r.pid}`);
		return check(
			id,
			name,
			'FAIL',
			`held by ${who}, not the expected server (${cleanServerText(r.command ?? '', 80)}): the server cannot bind it`,
			`Stop pid ${r.pid} if it is not needed, or move the server to a free port (ports, endpoint.url and the server's own setting).`,
			t,
			r,
		);
	});
}

/** Can a file be appended to (or created)? Null when yes, else why not. */
async function notWritable(file: string): Promise<string | null> {
	try {
		const st = await fsp.stat(file);
		if (!st.isFile()) return 'is not a regular file';
		await fsp.access(file, fs.constants.W_OK);
		return null;
	} catch (err) {
		if ((err as {code?: string}).code !== 'ENOENT') return fsErrorText(err);
	}
	const dir = await existingDir(path.dirname(file));
	try {
		await fsp.access(dir, fs.constants.W_OK | fs.constants.X_OK);
		return null;
	} catch (err) {
		return `its folder ${dir} is not writable: ${fsErrorText(err)}`;
	}
}

export async function checkLogs(config: Config): Promise<DoctorCheck[]> {
	const files: Array<{file: string; what: string}> = [
		...config.logs.filter((l) => !isLogPattern(l)).map((file) => ({file, what: 'Server log'})),
		{file: config.restart.logFile, what: 'Restart log'},
	];
	const seen = new Set<string>();
	const out: DoctorCheck[] = [];
	for (const {file, what} of files) {
		const abs = path.resolve(file);
		if (seen.has(abs)) continue;
		seen.add(abs);
		const why = await notWritable(abs);
		out.push(
			why === null
				? check(`log:${abs}`, `${what} ${abs}`, 'PASS', 'writable', null, null)
				: check(
						`log:${abs}`,
						`${what} ${abs}`,
						'FAIL',
						`${abs} ${why}`,
						what === 'Restart log'
							? 'Set restart.logFile to a writable file (e.g. under ~/.local/state/mcptop), or fix the folder’s permissions or mount.'
							: 'The server cannot write its log there: fix the folder’s permissions or mount, or change the log path in the server and in "logs".',
						startup(),
					),
		);
	}
	return out;
}

export async function checkPaths(config: Config): Promise<DoctorCheck> {
	const name = 'Config paths';
	const dir = path.resolve(config.project.dir);
	try {
		if (!(await fsp.stat(dir)).isDirectory())
			throw Object.assign(new Error('not a folder'), {code: 'ENOTDIR'});
	} catch (err) {
		return check(
			'paths',
			name,
			'FAIL',
			`project.dir ${dir} ${fsErrorText(err)}`,
			'Set project.dir (or --project-dir) to the server’s folder; restart.command runs there.',
			startup(),
		);
	}
	const problems: string[] = [];
	for (const [key, value] of [
		['stateDir', config.stateDir],
		['backup.dir', config.backup.dir],
	] as const) {
		const base = await existingDir(value);
		try {
			await fsp.access(base, fs.constants.W_OK | fs.constants.X_OK);
		} catch (err) {
			problems.push(`${key} ${value}: ${base} is not writable (${fsErrorText(err)})`);
		}
	}
	if (problems.length > 0)
		return check(
			'paths',
			name,
			'WARN',
			problems.join('; '),
			'Point them at a writable folder (reports, dumps and backups go there).',
			startup(),
		);
	return check(
		'paths',
		name,
		'PASS',
		`project.dir ${dir} exists; stateDir and backup.dir can be written`,
		null,
		null,
	);
}

// ---- the whole doctor ----

export async function runDoctorChecks(
	config: Config,
	report?: StepReporter,
	opts: {ports?: PortReading[]} = {},
): Promise<DoctorCheck[]> {
	const steps: Array<[string, string, () => Promise<DoctorCheck[]>]> = [];
	const plan = await planStart(config);
	steps.push(['command', 'Start command', async () => [await checkCommand(config, plan)]]);
	steps.push(['python', 'Interpreter and packages', () => checkPython(config, plan)]);
	steps.push(['script', 'Server script', async () => [await checkScript(config, plan)]]);
	steps.push(['ports', 'Ports', () => checkPorts(config, opts.ports)]);
	steps.push(['logs', 'Logs writable', () => checkLogs(config)]);
	steps.push(['paths', 'Config paths', async () => [await checkPaths(config)]]);
	const results = await Promise.all(
		steps.map(async ([id, label, run]) => {
			report?.({id, label, status: 'running'});
			let checks: DoctorCheck[];
			try {
				checks = await run();
			} catch (err) {
				checks = [
					check(
						id,
						label,
						'FAIL',
						`check crashed: ${err instanceof Error ? err.message : String(err)}`,
						'Report this as a bug in mcptop.',
						startup(),
					),
				];
			}
			const status = worstStatus(checks.map((c) => c.status));
			const bad = checks.filter((c) => c.status !== 'PASS');
			report?.({
				id,
				label,
				status: stepStatus[status],
				// The dialog shows each finding with its fix and triage, one per line.
				detail:
					(bad.length > 0 ? bad : checks)
						.map(
							(c) =>
								`${checks.length > 1 ? `${c.name}: ` : ''}${c.status}: ${c.reason}` +
								(c.next ? `\n  fix: ${c.next}` : '') +
								(c.triage ? ` [${triageWords(c.triage)}]` : ''),
						)
						.join('\n') || 'nothing to check',
			});
			return checks;
		}),
	);
	return results.flat();
}

function counts(checks: Array<{status: CheckStatus}>): string {
	return (['FAIL', 'WARN', 'PASS'] as const)
		.map((s) => [s, checks.filter((c) => c.status === s).length] as const)
		.filter(([, n]) => n > 0)
		.map(([s, n]) => `${n} ${s}`)
		.join(', ');
}

/** `mcptop doctor` and the screen's D: every check, the verdict, ok when nothing FAILs. */
export async function runDoctor(
	config: Config,
	report: StepReporter,
	opts: {ports?: PortReading[]} = {},
): Promise<ActionResult & {data: DoctorReport}> {
	const time = new Date().toISOString();
	const checks = await runDoctorChecks(config, report, opts);
	const verdict = worstStatus(checks.map((c) => c.status));
	const data: DoctorReport = {time, host: os.hostname(), verdict, checks};
	const first =
		checks.find((c) => c.status === 'FAIL') ?? checks.find((c) => c.status === 'WARN') ?? null;
	const summary =
		`doctor ${verdict}: ${counts(checks)}` + (first ? ` (${first.name}: ${first.reason})` : '');
	const result = {ok: verdict !== 'FAIL', summary, data};
	return first?.next ? {...result, next: first.next} : result;
}

/** The report as lines for a terminal: each WARN/FAIL with its fix and triage, then the PASSes. */
export function describeDoctor(checks: DoctorCheck[]): string[] {
	const lines: string[] = [];
	const order = [...checks].sort(
		(a, b) => ({FAIL: 0, WARN: 1, PASS: 2})[a.status] - {FAIL: 0, WARN: 1, PASS: 2}[b.status],
	);
	for (const c of order) {
		lines.push(`${c.status.padEnd(4)} ${c.name}: ${c.reason}`);
		if (c.next) lines.push(`     fix: ${c.next}`);
		if (c.triage) lines.push(`     triage: ${triageLine(c.triage)}`);
	}
	return lines;
}

export function triageLine(t: Triage): string {
	return `${t.priority} (${t.symptom}), ${t.category}; first: ${t.firstResponse}`;
}

/** Validation's checks named by the guide's triage (validate.ts reports the checks themselves). */
export function triageCheck(c: CheckResult): Triage | null {
	if (c.status === 'PASS') return null;
	switch (c.name) {
		case 'System resources':
			return /memory/i.test(c.reason)
				? triage('slow responses', 'memory')
				: /disk/i.test(c.reason)
					? triage('slow responses', 'environment')
					: triage('slow responses', 'performance');
		case 'Python environment':
			return startup();
		case 'Network services':
			return c.status === 'FAIL'
				? triage("server won't start", 'connection')
				: triage('client drops', 'connection');
		case 'MCP functionality':
			return /\b(401|403)\b|unauthori[sz]ed|forbidden|token/i.test(c.reason)
				? triage('blueprint creation fails', 'authentication')
				: triage('blueprint creation fails', 'validation');
		case 'File integrity':
			return c.status === 'FAIL' ? startup() : triage('blueprint creation fails', 'validation');
		default:
			return triageReason(c.reason);
	}
}

/** The validation report with a triage on each check (null for a PASS). */
export function triageValidation<T extends {data: ValidationReport}>(
	result: T,
): T & {data: {checks: Array<CheckResult & {triage: Triage | null}>}} {
	return {
		...result,
		data: {
			...result.data,
			checks: result.data.checks.map((c) => ({...c, triage: triageCheck(c)})),
		},
	};
}
