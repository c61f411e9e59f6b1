// `mcptop --demo` (SPEC 8): a self-contained stack on this machine: the demo MCP server (its own
// process, matching the default process pattern), a fake Unreal Editor connected to its bridge port,
// a log file and a demo project in a temporary folder. Everything it starts carries one unique token
// on its command line, so stop() finds a server that a restart action respawned under a new PID.
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import type {PortConfig} from '../types.js';
import {createDemoProject} from './project.js';

export type DemoPorts = {mcp: number; bridge: number};

export type DemoStackOptions = {
	/** Ports to use when they are free on 127.0.0.1; otherwise free ones are picked. */
	preferredPorts?: Partial<DemoPorts>;
	/** Progress lines for the operator (e.g. "port 6277 is busy; the demo uses 41234"). */
	log?: (message: string) => void;
	/** How long to wait for the demo server to accept connections. Default 10 s. */
	readyTimeoutMs?: number;
};

/** Config overrides to deep-merge over the defaults; every other key keeps its default. */
export type DemoConfigOverrides = {
	endpoint: {url: string};
	ports: PortConfig[];
	logs: string[];
	project: {dir: string; python: string};
	restart: {command: string; logFile: string};
	backup: {dir: string};
	stateDir: string;
};

export type DemoStack = {
	/** The temporary folder holding everything the demo writes. */
	dir: string;
	/** Unique token on the command line of every demo process. */
	token: string;
	ports: DemoPorts;
	config: DemoConfigOverrides;
	/**
	 * A process pattern that matches this demo's server only (the default pattern also matches any
	 * real server, or another demo, on the machine). Plain text that also reads the same as a regex.
	 */
	processMatch: string;
	/** PIDs of the processes started first (a restart replaces the server's). */
	started: {server: number; editor: number};
	/** Demo processes running right now, including a server respawned by a restart. */
	pids(): number[];
	/** Stops every demo process (SIGTERM, then SIGKILL after a bounded wait) and removes `dir`. */
	stop(): Promise<void>;
};

const STOP_GRACE_MS = 3000;
const KILL_WAIT_MS = 2000;
const FOLDER_PREFIX = 'mcptop-demo-';
/** Written into each demo folder so a later demo can tell a stale folder from a live one. */
const OWNER_FILE = 'demo-owner.json';

const here = import.meta.url;
// Run from source (tsx) the scripts are .ts; from the build they are .js.
const scriptExtension = here.endsWith('.ts') ? '.ts' : '.js';
// This module sits beside them in source/demo/ and dist/demo/; bundled into dist/cli.js (the built
// CLI, scripts/bundle.mjs) it runs from dist/, one folder up.
const demoFolder = /\/demo\/[^/]+$/.test(here) ? new URL('.', here) : new URL('./demo/', here);

function siblingScript(name: string): string {
	return fileURLToPath(new URL(`./${name}${scriptExtension}`, demoFolder));
}

// Flags that must not be passed on: a second debugger on the same port, the test runner, watch mode,
// and code given on the command line (it would run instead of the script).
const droppedFlag = /^--(inspect|debug|test|watch|experimental-test|input-type)/;
const droppedWithValue = new Set(['-e', '--eval', '-p', '--print']);
const moduleFlags = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

function isBareSpecifier(specifier: string): boolean {
	return !/^(\.{1,2}\/|\/|[a-z][a-z\d+.-]*:)/i.test(specifier);
}

/**
 * `--import tsx` resolves from the current directory; the restart command runs in the project
 * folder, where it would not resolve. Make such specifiers absolute so the command works anywhere.
 */
function absoluteModule(flag: string, specifier: string): string {
	const isRequire = flag === '--require' || flag === '-r';
	if (/^\.{1,2}\//.test(specifier)) {
		return isRequire ? path.resolve(specifier) : pathToFileURL(path.resolve(specifier)).href;
	}

	if (!isBareSpecifier(specifier)) return specifier;
	try {
		return isRequire
			? createRequire(path.join(process.cwd(), 'noop.js')).resolve(specifier)
			: import.meta.resolve(specifier);
	} catch {
		// Leave it as it was: the loader that runs us resolved it, so it is likely still fine.
	}

	return specifier;
}

/** The node flags this process runs under (e.g. tsx's loader), made safe to reuse for children. */
export function childNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
	const flags: string[] = [];
	for (let index = 0; index < execArgv.length; index++) {
		const flag = execArgv[index]!;
		const equals = flag.indexOf('=');
		const name = equals > 0 ? flag.slice(0, equals) : flag;
		if (droppedFlag.test(name)) continue;
		if (droppedWithValue.has(name)) {
			if (equals < 0) index++;
			continue;
		}

		if (moduleFlags.has(name)) {
			const value = equals > 0 ? flag.slice(equals + 1) : execArgv[++index];
			if (value !== undefined) flags.push(name, absoluteModule(name, value));
			continue;
		}

		flags.push(flag);
	}

	return flags;
}

/** POSIX shell quoting: plain words stay readable, anything else goes in single quotes. */
export function shellQuote(words: readonly string[]): string {
	return words
		.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
		.join(' ');
}

function canBind(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => {
			resolve(false);
		});
		server.listen({port, host: '127.0.0.1', exclusive: true}, () => {
			server.close(() => {
				resolve(true);
			});
		});
	});
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen({port: 0, host: '127.0.0.1', exclusive: true}, () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => {
				resolve(port);
			});
		});
	});
}

async function pickPort(preferred: number | undefined, taken: number[]): Promise<number> {
	if (preferred !== undefined && preferred > 0 && !taken.includes(preferred)) {
		if (await canBind(preferred)) return preferred;
	}

	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await freePort();
		if (!taken.includes(port)) return port;
	}

	throw new Error('demo: could not find a free port on 127.0.0.1');
}

function acceptsConnections(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({port, host: '127.0.0.1'});
		socket.setTimeout(1000);
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};

		socket.once('connect', () => {
			done(true);
		});
		socket.once('error', () => {
			done(false);
		});
		socket.once('timeout', () => {
			done(false);
		});
	});
}

/**
 * The demo server's MCP endpoint: Streamable HTTP. The same port also upgrades WebSockets to the
 * older JSON-RPC dialect (`ws://127.0.0.1:PORT`); its ready line names both (`mcp=… ws=…`).
 */
export function demoMcpUrl(port: number): string {
	return `http://127.0.0.1:${port}/mcp`;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => {
		setTimeout(resolve, ms);
	});
}

function lastLine(file: string): string {
	try {
		const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
		return lines.at(-1)?.slice(0, 300) ?? '';
	} catch {
		return '';
	}
}

/** Alive and not a zombie. Uses /proc where there is one. */
export function isProcessAlive(pid: number): boolean {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The state follows the parenthesised command name, which may itself contain ')'.
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')) {
			return false;
		}
	}

	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** PIDs whose /proc/<pid>/cmdline contains `token` (read directly; never pkill -f). */
export function processesWithToken(token: string): number[] {
	let entries: string[];
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return [];
	}

	const found: number[] = [];
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		if (pid === process.pid) continue;
		try {
			const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			if (cmdline.includes(token) && isProcessAlive(pid)) found.push(pid);
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}

	return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch {
		// Already gone.
	}
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
	const deadline = Date.now() + timeoutMs;
	let alive = pids.filter((pid) => isProcessAlive(pid));
	while (alive.length > 0 && Date.now() < deadline) {
		await sleep(50);
		alive = alive.filter((pid) => isProcessAlive(pid));
	}

	return alive;
}

function spawnLogged(
	args: string[],
	outputFile: string,
	options: {cwd: string; detached: boolean},
) {
	const output = fs.openSync(outputFile, 'a');
	try {
		const child = spawn(process.execPath, args, {
			cwd: options.cwd,
			detached: options.detached,
			stdio: ['ignore', output, output],
			env: {...process.env, FORCE_COLOR: '0'},
		});
		child.unref();
		return child;
	} finally {
		fs.closeSync(output);
	}
}

function exitedEarly(child: ChildProcess): Promise<string> {
	return new Promise((resolve) => {
		child.once('exit', (code, signalName) => {
			resolve(signalName ? `killed by ${signalName}` : `exited with code ${code ?? '?'}`);
		});
		child.once('error', (error) => {
			resolve(`could not start: ${error.message}`);
		});
	});
}

function readText(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

async function waitForServer(
	child: ChildProcess,
	port: number,
	timeoutMs: number,
	outputFile: string,
): Promise<void> {
	let early: string | null = null;
	void exitedEarly(child).then((why) => {
		early = why;
	});
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (early !== null) {
			const detail = lastLine(outputFile);
			throw new Error(`demo MCP server ${early}${detail ? `: ${detail}` : ''}`);
		}

		// Our own server says it listens: another demo that grabbed the same free port at the same
		// moment would accept connections too, so accepting alone proves nothing.
		if (readText(outputFile).includes(`listening mcp=${demoMcpUrl(port)} `)) {
			if (await acceptsConnections(port)) return;
		}
		await sleep(100);
	}

	throw new Error(
		`demo MCP server did not accept connections on 127.0.0.1:${port} within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} (see ${outputFile})`,
	);
}

/**
 * Removes demo folders left by an mcptop that was killed (SIGKILL runs no cleanup): only folders
 * this user owns, with our owner file, whose mcptop is gone and none of whose processes still run.
 */
export function removeStaleDemoFolders(): string[] {
	const removed: string[] = [];
	let names: string[];
	try {
		names = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(FOLDER_PREFIX));
	} catch {
		return removed;
	}

	for (const name of names.slice(0, 200)) {
		const dir = path.join(os.tmpdir(), name);
		try {
			const owner = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as {
				pid?: unknown;
				token?: unknown;
			};
			if (typeof owner.pid !== 'number' || typeof owner.token !== 'string') continue;
			if (!owner.token.startsWith(FOLDER_PREFIX)) continue;
			if (process.getuid && fs.statSync(dir).uid !== process.getuid()) continue;
			if (isProcessAlive(owner.pid) || processesWithToken(owner.token).length > 0) continue;
			fs.rmSync(dir, {recursive: true, force: true});
			removed.push(dir);
		} catch {
			// Not ours, half-written, or already gone: leave it.
		}
	}

	return removed;
}

export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
	const say = options.log ?? (() => undefined);
	for (const stale of removeStaleDemoFolders()) say(`removed stale demo folder ${stale}`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), FOLDER_PREFIX));
	const token = `${FOLDER_PREFIX}${randomBytes(8).toString('hex')}`;
	fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify({pid: process.pid, token}) + '\n');
	const started: ChildProcess[] = [];
	let stopping: Promise<void> | undefined;

	// Children whose exit Node has not seen yet: their PIDs cannot have been reused.
	const runningChildren = () =>
		started
			.filter((child) => child.exitCode === null && child.signalCode === null)
			.map((child) => child.pid)
			.filter((pid): pid is number => pid !== undefined && isProcessAlive(pid));

	const pids = () =>
		[...new Set([...processesWithToken(token), ...runningChildren()])].sort((a, b) => a - b);

	// A crash or process.exit() of the CLI must not leave demo processes behind: nothing async
	// runs in 'exit', so signal synchronously and let the processes shut themselves down.
	const onExit = () => {
		for (const pid of pids()) signal(pid, 'SIGTERM');
		try {
			fs.rmSync(dir, {recursive: true, force: true});
		} catch {
			// Best effort while exiting.
		}
	};

	process.on('exit', onExit);

	const stop = () => {
		stopping ??= (async () => {
			// Twice, in case a restart action respawned the server while the first round ran.
			for (let round = 0; round < 2; round++) {
				const targets = pids();
				if (targets.length === 0) break;
				for (const pid of targets) signal(pid, 'SIGTERM');
				const stubborn = await waitUntilGone(targets, STOP_GRACE_MS);
				for (const pid of stubborn) signal(pid, 'SIGKILL');
				await waitUntilGone(stubborn, KILL_WAIT_MS);
			}

			process.off('exit', onExit);
			fs.rmSync(dir, {recursive: true, force: true});
		})();
		return stopping;
	};

	try {
		const preferred = options.preferredPorts ?? {};
		let mcpPort = await pickPort(preferred.mcp, []);
		let bridgePort = await pickPort(preferred.bridge, [mcpPort]);
		if (preferred.mcp && mcpPort !== preferred.mcp) {
			say(`port ${preferred.mcp} is busy; the demo MCP server uses ${mcpPort}`);
		}

		if (preferred.bridge && bridgePort !== preferred.bridge) {
			say(`port ${preferred.bridge} is busy; the demo bridge uses ${bridgePort}`);
		}

		const projectDir = path.join(dir, 'project');
		const logFile = path.join(dir, 'unreal_blueprint_mcp.log');
		const serverOutput = path.join(dir, 'mcp_server.log');
		const editorOutput = path.join(dir, 'fake_unreal_editor.log');
		fs.mkdirSync(projectDir, {recursive: true, mode: 0o700});
		fs.writeFileSync(logFile, '');
		fs.mkdirSync(path.join(dir, 'state'), {mode: 0o700});
		fs.mkdirSync(path.join(dir, 'backups'), {mode: 0o700});

		const flags = childNodeFlags();
		const owner = ['--demo-id', token, '--owner-pid', String(process.pid)];
		const serverScript = siblingScript('unreal_blueprint_mcp_server');
		const serverArgsFor = (mcp: number, bridge: number) => [
			...flags,
			serverScript,
			// The token right after the script name: `processMatch` relies on that order.
			...owner,
			...['--port', String(mcp), '--bridge-port', String(bridge), '--log', logFile],
		];
		let serverArgs = serverArgsFor(mcpPort, bridgePort);
		let server: ChildProcess;
		// A port found free can be taken before our server binds it (another demo starting at the same
		// moment): then our server exits, and the demo tries again on ports picked at random.
		for (let attempt = 1; ; attempt++) {
			// Its own process group, like a server started from a shell, so a restart's group kill works.
			server = spawnLogged(serverArgs, serverOutput, {cwd: projectDir, detached: true});
			started.push(server);
			try {
				await waitForServer(server, mcpPort, options.readyTimeoutMs ?? 10_000, serverOutput);
				break;
			} catch (error) {
				if (attempt >= 3 || server.exitCode === null) throw error;
				mcpPort = await pickPort(undefined, []);
				bridgePort = await pickPort(undefined, [mcpPort]);
				serverArgs = serverArgsFor(mcpPort, bridgePort);
				say(`a port was taken meanwhile; the demo tries ${mcpPort} and ${bridgePort}`);
			}
		}
		// `exec` so the shell becomes the server: no extra process whose command line matches.
		const restartCommand = `exec ${shellQuote([process.execPath, ...serverArgs])}`;
		await createDemoProject(projectDir, {mcpPort, bridgePort, logFile});
		say(`demo MCP server pid ${server.pid} on ${demoMcpUrl(mcpPort)}, bridge ${bridgePort}`);

		const editorArgs = [
			...flags,
			siblingScript('fake_unreal_editor'),
			...owner,
			...['--bridge-port', String(bridgePort)],
		];
		const editor = spawnLogged(editorArgs, editorOutput, {cwd: dir, detached: false});
		started.push(editor);
		// A demo shows a connected editor from its first frame: wait (briefly) for it to say so.
		const editorDeadline = Date.now() + 3000;
		while (Date.now() < editorDeadline && !readText(editorOutput).includes('connected to ')) {
			await sleep(25);
		}
		say(`fake Unreal Editor pid ${editor.pid} connects to the bridge`);

		return {
			dir,
			token,
			ports: {mcp: mcpPort, bridge: bridgePort},
			started: {server: server.pid!, editor: editor.pid!},
			processMatch: `${path.basename(serverScript)} --demo-id ${token}`,
			config: {
				endpoint: {url: demoMcpUrl(mcpPort)},
				ports: [
					{port: mcpPort, name: 'mcp'},
					{port: bridgePort, name: 'unreal bridge', clients: true},
				],
				logs: [logFile],
				project: {
					dir: projectDir,
					python: path.join(projectDir, 'mcp_server_env', 'bin', 'python'),
				},
				restart: {command: restartCommand, logFile: serverOutput},
				backup: {dir: path.join(dir, 'backups')},
				stateDir: path.join(dir, 'state'),
			},
			pids,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
