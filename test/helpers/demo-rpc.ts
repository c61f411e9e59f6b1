// Shared helpers for the demo tests: a small JSON-RPC-over-WebSocket client, a bounded poll,
// socket counts from /proc/net/tcp, and spawning the demo scripts the way the stack does.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import {fileURLToPath} from 'node:url';
import WebSocket from 'ws';
import {childNodeFlags} from '../../source/demo/stack.js';

export type RpcReply = {result?: unknown; error?: {code: number; message: string}};

export class RpcClient {
	static async open(url: string, timeoutMs = 5000): Promise<RpcClient> {
		const socket = new WebSocket(url, {handshakeTimeout: timeoutMs});
		await new Promise<void>((resolve, reject) => {
			socket.once('open', () => {
				resolve();
			});
			socket.once('error', reject);
		});
		return new RpcClient(socket);
	}

	private nextId = 1;
	private readonly waiting = new Map<number | string | null, (reply: RpcReply) => void>();

	private constructor(readonly socket: WebSocket) {
		socket.on('message', (data) => {
			const reply = JSON.parse(String(data)) as RpcReply & {id: number | string | null};
			this.waiting.get(reply.id)?.(reply);
			this.waiting.delete(reply.id);
		});
	}

	/** Sends raw text; the reply with `id` (null for parse errors) is awaited. */
	sendRaw(text: string, id: number | string | null, timeoutMs = 5000): Promise<RpcReply> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting.delete(id);
				reject(new Error(`no reply to ${text.slice(0, 60)} within ${timeoutMs} ms`));
			}, timeoutMs);
			this.waiting.set(id, (reply) => {
				clearTimeout(timer);
				resolve(reply);
			});
			this.socket.send(text);
		});
	}

	request(method: string, params?: unknown, timeoutMs = 5000): Promise<RpcReply> {
		const id = this.nextId++;
		return this.sendRaw(JSON.stringify({jsonrpc: '2.0', id, method, params}), id, timeoutMs);
	}

	/** The demo drops about 1 ping in 60 on purpose; three tries make a test immune to that. */
	async requestWithRetry(method: string, params?: unknown, tries = 3): Promise<RpcReply> {
		let lastError: unknown;
		for (let attempt = 0; attempt < tries; attempt++) {
			try {
				return await this.request(method, params, 2500);
			} catch (error) {
				lastError = error;
			}
		}

		throw lastError;
	}

	close(): void {
		this.socket.terminate();
	}
}

export async function waitFor<T>(
	check: () => T | Promise<T>,
	what: string,
	timeoutMs = 10_000,
	intervalMs = 100,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let last: T | undefined;
	for (;;) {
		last = await check();
		if (last) return last as NonNullable<T>;
		if (Date.now() >= deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

/** ESTABLISHED TCP sockets whose local port is `port` (IPv4 and IPv6), from /proc/net. */
export function establishedOnLocalPort(port: number): number {
	let count = 0;
	for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
		let text = '';
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			continue;
		}

		for (const line of text.split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			const local = fields[1];
			if (!local || fields[3] !== '01') continue;
			if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) count++;
		}
	}

	return count;
}

export function acceptsConnections(port: number): Promise<boolean> {
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

export function commandLine(pid: number): string {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
	} catch {
		return '';
	}
}

export function demoScript(name: 'unreal_blueprint_mcp_server' | 'fake_unreal_editor'): string {
	return fileURLToPath(new URL(`../../source/demo/${name}.ts`, import.meta.url));
}

/** Starts a demo script under the same loader flags as this test process; output is collected. */
export function spawnDemoScript(
	name: 'unreal_blueprint_mcp_server' | 'fake_unreal_editor',
	args: string[],
): {child: ChildProcess; output: () => string} {
	const child = spawn(process.execPath, [...childNodeFlags(), demoScript(name), ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
		output += chunk;
	});
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
		output += chunk;
	});
	return {child, output: () => output};
}

export function exitOf(child: ChildProcess): Promise<{code: number | null; signal: string | null}> {
	if (child.exitCode !== null || child.signalCode !== null) {
		return Promise.resolve({code: child.exitCode, signal: child.signalCode});
	}

	return new Promise((resolve) => {
		child.once('exit', (code, signal) => {
			resolve({code, signal});
		});
	});
}

/** The child's exit, or null when it has not exited within `timeoutMs`. */
export async function exitWithin(
	child: ChildProcess,
	timeoutMs: number,
): Promise<{code: number | null; signal: string | null} | null> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<null>((resolve) => {
		timer = setTimeout(() => resolve(null), timeoutMs);
	});
	try {
		return await Promise.race([exitOf(child), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Stops a child started by a test, by its PID: SIGTERM, then SIGKILL after a bounded wait. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	const exited = exitOf(child);
	process.kill(child.pid, 'SIGTERM');
	const timer = setTimeout(() => {
		if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
			process.kill(child.pid, 'SIGKILL');
		}
	}, graceMs);
	await exited;
	clearTimeout(timer);
}

/** Python logging's default format, as the demo server writes it. */
export const pythonLogLine =
	/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) - (INFO|WARNING|ERROR|CRITICAL) - \S.*$/;
