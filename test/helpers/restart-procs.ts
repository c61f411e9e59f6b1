// Real processes for the restart, targets and validate tests: started by the test, stopped by pid.
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {defaultConfig} from '../../source/config.js';
import type {Config} from '../../source/types.js';

export const node = process.execPath;
export const fixtureServer = fileURLToPath(
	new URL('../fixtures/restart/server.cjs', import.meta.url),
);

/** Bounded poll: resolves true once `check` holds, false after `timeoutMs`. */
export async function waitUntil(
	check: () => boolean | Promise<boolean>,
	timeoutMs = 10_000,
	intervalMs = 25,
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (let i = 0; i < 10_000; i++) {
		if (await check()) return true;
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, intervalMs));
	}
	return false;
}

/** Alive and not a zombie (an exited child of a non-reaping parent stays as Z). */
export function alive(pid: number): boolean {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		return false;
	}
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.createConnection({host: '127.0.0.1', port});
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
		socket.setTimeout(1000, () => done(false));
	});
}

function startTimeOf(pid: number): string | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

/** A temp folder and a pattern no other process on the machine can contain. */
export class RestartSandbox {
	readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
	readonly pattern = `mcp_srv_${crypto.randomBytes(5).toString('hex')}`;
	/** The fixture server, copied to a file named after the pattern. */
	readonly serverFile = path.join(this.dir, `${this.pattern}.js`);
	/** pid -> start time, so cleanup never signals a pid that the system has handed out again. */
	private readonly pids = new Map<number, string | null>();
	private readonly groups = new Set<number>();

	constructor() {
		fs.copyFileSync(fixtureServer, this.serverFile);
	}

	file(name: string): string {
		return path.join(this.dir, name);
	}

	/** Starts a process and remembers its pid (and group, when detached) for cleanup. */
	start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
		const child = spawn(command, args, {stdio: 'ignore', ...options});
		child.on('error', () => {});
		if (child.pid === undefined) throw new Error(`could not start ${command}`);
		this.track(child.pid, options.detached === true);
		return child;
	}

	track(pid: number, group = false): void {
		this.pids.set(pid, startTimeOf(pid));
		if (group) this.groups.add(pid);
	}

	private stillOurs(pid: number): boolean {
		const now = startTimeOf(pid);
		return now === null || now === this.pids.get(pid);
	}

	/** The fixture server in its own process group (as a server started by a restart would be). */
	async startServer(
		args: string[],
	): Promise<{pid: number; child: ChildProcess; childPid: number | null}> {
		const readyFile = this.file(`ready-${crypto.randomBytes(3).toString('hex')}`);
		const childFile = args.includes('--child') ? null : undefined;
		const child = this.start(node, [this.serverFile, ...args, '--ready', readyFile], {
			detached: true,
		});
		const ok = await waitUntil(() => fs.existsSync(readyFile));
		if (!ok) throw new Error('fixture server did not become ready');
		let childPid: number | null = null;
		if (childFile === null) {
			const file = args[args.indexOf('--child') + 1]!;
			await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8') !== '');
			childPid = Number(fs.readFileSync(file, 'utf8'));
			this.track(childPid);
		}
		return {pid: child.pid!, child, childPid};
	}

	/** Kills every process and group it started (by pid) and removes the folder. */
	cleanup(): void {
		for (const pgid of this.groups) {
			if (!this.stillOurs(pgid)) continue;
			try {
				process.kill(-pgid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
		for (const pid of this.pids.keys()) {
			if (startTimeOf(pid) === null || !this.stillOurs(pid)) continue;
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
		fs.rmSync(this.dir, {recursive: true, force: true});
	}
}

/** The default config pointed at a sandbox: its pattern, its ports, its folder, short timeouts. */
export function sandboxConfig(
	box: RestartSandbox,
	ports: number[],
	restart: Partial<Config['restart']> = {},
): Config {
	const config = defaultConfig();
	config.process.match = box.pattern;
	config.ports = ports.map((port, i) => ({port, name: i === 0 ? 'mcp' : `port ${i}`}));
	config.project.dir = box.dir;
	config.backup.dir = box.file('backups');
	config.stateDir = box.file('state');
	config.restart = {
		command: `'${node}' '${box.serverFile}' --port ${ports[0] ?? 0}`,
		logFile: box.file('logs/server.log'),
		graceMs: 500,
		readyTimeoutMs: 10_000,
		backupFirst: false,
		...restart,
	};
	return config;
}
