// Real MCP servers on 127.0.0.1 for tests to probe: each HTTP kind is a child process (the scripts in
// test/fixtures/mcp-servers/), stopped by the PID we started; the WebSocket kinds run in-process on
// ws-fake-mcp.ts. Call stopAllMcpServers() from after() — and a crashed test run leaves nothing
// behind either way: every child exits within ~2 s of its parent.
import {spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import type {ServerStats} from '../fixtures/mcp-servers/shared.js';
import {startFakeMcp, type FakeMcp} from './ws-fake-mcp.js';

export type {ServerStats} from '../fixtures/mcp-servers/shared.js';

export type McpServerKind =
	/** The official reference server over Streamable HTTP: url /mcp, sessions, its own tools. */
	| 'everything-streamable'
	/** The official reference server over HTTP+SSE: url /sse (messages go to /message). */
	| 'everything-sse'
	/** v1 SDK Streamable HTTP with sessions (Mcp-Session-Id), 2025 era only: url /mcp. */
	| 'legacy'
	/** v2 SDK createMcpHandler with legacy 'reject': 2026-07-28 only, stateless: url /mcp. */
	| 'modern'
	/** v2 SDK createMcpHandler default: 2026-07-28 plus stateless 2025-era serving: url /mcp. */
	| 'both-eras'
	/** v1 SDK HTTP+SSE: GET /sse opens the stream, POST /messages?sessionId=… carries messages. */
	| 'legacy-sse'
	/** Accepts connections, reads every HTTP request, never answers one: url /mcp. */
	| 'hung'
	/** JSON-RPC 2.0 over WebSocket, no subprotocol selected even when one is offered (in-process). */
	| 'ws'
	/** JSON-RPC over WebSocket that refuses (HTTP 400) an upgrade not offering `mcp`, then selects it. */
	| 'ws-mcp-subprotocol';

export const mcpServerKinds: readonly McpServerKind[] = [
	'everything-streamable',
	'everything-sse',
	'legacy',
	'modern',
	'both-eras',
	'legacy-sse',
	'hung',
	'ws',
	'ws-mcp-subprotocol',
];

export type StartOptions = {
	/** Default: a free port picked by the kernel. */
	port?: number;
	/** Requests without `Authorization: Bearer <token>` get 401 (no header) or 403 (another value). */
	token?: string;
	/** ping answers -32601 Method not found. */
	noPing?: boolean;
	/** 'legacy': enableJsonResponse (application/json, not SSE); 'modern'/'both-eras': responseMode json. */
	jsonResponse?: boolean;
	/** Appends a uvicorn-style access line per HTTP request, and session lines, to this file. */
	logFile?: string;
	/** Delay before every tool result. */
	toolDelayMs?: number;
	/** How long to wait for the ready line; default 15 s. */
	startTimeoutMs?: number;
};

export type RunningServer = {
	readonly kind: McpServerKind;
	/** What a client connects to, e.g. http://127.0.0.1:41234/mcp or ws://127.0.0.1:41234 */
	readonly url: string;
	/** http://127.0.0.1:PORT (ws://… for the WebSocket kinds), for raw requests to other paths. */
	readonly origin: string;
	readonly port: number;
	/** The child's PID (the test process's own for the in-process WebSocket kinds); changes on restart. */
	readonly pid: number;
	readonly options: Readonly<StartOptions>;
	/** The child's stderr so far (its last 64 KiB), for failure messages. */
	stderr(): string;
	/** SIGTERM, then SIGKILL after 3 s. Idempotent. */
	stop(): Promise<void>;
	/** Stops, then starts the same kind with the same options on the same port. */
	restart(): Promise<void>;
	/** GET /_control/stats (counted since the last start). Not supported by the everything kinds. */
	stats(): Promise<ServerStats>;
	/**
	 * The server forgets every session: the next request on an old Mcp-Session-Id (or SSE sessionId)
	 * gets 404 Session not found. Streams already open stay open. WebSocket kinds drop every client.
	 */
	expireSessions(): Promise<void>;
};

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = path.join(projectRoot, 'test', 'fixtures', 'mcp-servers');
const running = new Set<RunningServer>();

type ChildPlan = {
	script: string;
	args: string[];
	urlPath: string;
	supports: Array<keyof StartOptions>;
};

const common: Array<keyof StartOptions> = ['port', 'startTimeoutMs'];
const ours: Array<keyof StartOptions> = [...common, 'token', 'logFile', 'toolDelayMs'];

const childPlans: Record<Exclude<McpServerKind, 'ws' | 'ws-mcp-subprotocol'>, ChildPlan> = {
	'everything-streamable': {
		script: 'everything.ts',
		args: ['streamableHttp'],
		urlPath: '/mcp',
		supports: common,
	},
	'everything-sse': {script: 'everything.ts', args: ['sse'], urlPath: '/sse', supports: common},
	legacy: {
		script: 'legacy.ts',
		args: [],
		urlPath: '/mcp',
		supports: [...ours, 'noPing', 'jsonResponse'],
	},
	modern: {
		script: 'modern.ts',
		args: ['--legacy', 'reject'],
		urlPath: '/mcp',
		supports: [...ours, 'jsonResponse'],
	},
	'both-eras': {
		script: 'modern.ts',
		args: ['--legacy', 'stateless'],
		urlPath: '/mcp',
		supports: [...ours, 'noPing', 'jsonResponse'],
	},
	'legacy-sse': {script: 'legacy-sse.ts', args: [], urlPath: '/sse', supports: [...ours, 'noPing']},
	// No token: a 401 would be an answer.
	hung: {script: 'hung.ts', args: [], urlPath: '/mcp', supports: [...common, 'logFile']},
};

/** Starts a server of `kind` and resolves once it accepts connections. */
export async function startMcpServer(
	kind: McpServerKind,
	opts: StartOptions = {},
): Promise<RunningServer> {
	if (kind === 'ws' || kind === 'ws-mcp-subprotocol') return startWsServer(kind, opts);
	const plan = childPlans[kind];
	refuseUnsupported(kind, opts, plan.supports);
	let child = await spawnUntilReady(kind, plan, opts, opts.port ?? 0);
	const port = child.port;
	const origin = `http://127.0.0.1:${port}`;
	const server: RunningServer = {
		kind,
		url: `${origin}${plan.urlPath}`,
		origin,
		port,
		get pid() {
			return child.process.pid!;
		},
		options: {...opts},
		stderr: () => child.stderr(),
		stop: async () => {
			running.delete(server);
			await stopChild(child.process);
		},
		restart: async () => {
			await server.stop();
			child = await spawnUntilReady(kind, plan, opts, port);
			running.add(server);
		},
		stats: async () => {
			if (kind.startsWith('everything')) throw notSupported(kind, 'stats()');
			return (await control(origin, 'GET', 'stats')) as ServerStats;
		},
		expireSessions: async () => {
			if (kind.startsWith('everything')) throw notSupported(kind, 'expireSessions()');
			await control(origin, 'POST', 'expire');
		},
	};
	running.add(server);
	return server;
}

/** Stops every server this module started that is still running. */
export async function stopAllMcpServers(): Promise<void> {
	await Promise.all([...running].map((server) => server.stop()));
}

// A test file that forgets to stop its servers must not leave them running for the ~2 s the children
// take to notice on their own.
process.once('exit', () => {
	for (const server of running) {
		if (server.pid !== process.pid) {
			try {
				process.kill(server.pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
	}
});

function refuseUnsupported(
	kind: McpServerKind,
	opts: StartOptions,
	supports: Array<keyof StartOptions>,
): void {
	for (const key of Object.keys(opts) as Array<keyof StartOptions>) {
		if (opts[key] !== undefined && !supports.includes(key)) {
			throw new Error(`startMcpServer('${kind}'): option ${key} is not supported by this kind`);
		}
	}
}

function notSupported(kind: McpServerKind, what: string): Error {
	return new Error(
		`${what} is not supported for ${kind}: the reference server has no control endpoint`,
	);
}

async function control(origin: string, method: 'GET' | 'POST', route: string): Promise<unknown> {
	const res = await fetch(`${origin}/_control/${route}`, {
		method,
		signal: AbortSignal.timeout(5000),
	});
	if (!res.ok) throw new Error(`${method} /_control/${route} answered ${res.status}`);
	return res.json();
}

type ReadyChild = {process: ChildProcess; port: number; stderr(): string};

async function spawnUntilReady(
	kind: McpServerKind,
	plan: ChildPlan,
	opts: StartOptions,
	port: number,
): Promise<ReadyChild> {
	// A fixed port can be taken for a moment (another test's server just picked it); try again.
	for (let attempt = 1; ; attempt++) {
		try {
			return await spawnOnce(kind, plan, opts, port);
		} catch (error) {
			if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
			await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
		}
	}
}

function childArgs(plan: ChildPlan, opts: StartOptions, port: number): string[] {
	const args = [...plan.args, '--port', String(port)];
	if (opts.token !== undefined) args.push('--token', opts.token);
	if (opts.noPing) args.push('--no-ping');
	if (opts.jsonResponse) args.push('--json-response');
	if (opts.logFile !== undefined) args.push('--log', opts.logFile);
	if (opts.toolDelayMs !== undefined) args.push('--tool-delay-ms', String(opts.toolDelayMs));
	return args;
}

let compiled: Promise<string> | undefined;

/**
 * The fixture scripts as plain JavaScript, in a folder named after their sources' hash. Under
 * `--import tsx` a child spends over a second of CPU starting (tsx's hooks see every SDK module);
 * as plain JS, about half that — and a test file starts a dozen of them. Dependencies stay external,
 * so the servers load the installed SDKs exactly as a real deployment does.
 */
function compiledFixtures(): Promise<string> {
	compiled ??= (async () => {
		const sources = fs
			.readdirSync(fixtures)
			.filter((name) => name.endsWith('.ts'))
			.sort();
		const hash = createHash('sha256');
		for (const name of sources)
			hash.update(name).update(fs.readFileSync(path.join(fixtures, name)));
		const dir = path.join(
			projectRoot,
			'node_modules',
			'.cache',
			'mcptop-mcp-fixtures',
			hash.digest('hex').slice(0, 16),
		);
		const scripts = [...new Set(Object.values(childPlans).map((plan) => plan.script))];
		const output = (script: string) => path.join(dir, script.replace(/\.ts$/, '.mjs'));
		if (scripts.every((script) => fs.existsSync(output(script)))) return dir;
		const result = await build({
			entryPoints: scripts.map((script) => path.join(fixtures, script)),
			outdir: dir,
			outExtension: {'.js': '.mjs'},
			bundle: true,
			packages: 'external',
			platform: 'node',
			format: 'esm',
			target: 'node20',
			write: false,
			logLevel: 'silent',
		});
		fs.mkdirSync(dir, {recursive: true});
		// Another test process may be writing the same files: each appears whole or not at all.
		for (const file of result.outputFiles) {
			const temporary = `${file.path}.${process.pid}.tmp`;
			fs.writeFileSync(temporary, file.contents);
			fs.renameSync(temporary, file.path);
		}
		return dir;
	})();
	return compiled;
}

async function spawnOnce(
	kind: McpServerKind,
	plan: ChildPlan,
	opts: StartOptions,
	port: number,
): Promise<ReadyChild> {
	const timeoutMs = opts.startTimeoutMs ?? 15_000;
	const script = path.join(await compiledFixtures(), plan.script.replace(/\.ts$/, '.mjs'));
	const child = spawn(process.execPath, [script, ...childArgs(plan, opts, port)], {
		cwd: projectRoot,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr!.setEncoding('utf8');
	child.stderr!.on('data', (chunk: string) => {
		stderr = (stderr + chunk).slice(-64 * 1024);
	});
	child.stdout!.setEncoding('utf8');
	return new Promise((resolve, reject) => {
		let stdout = '';
		let settled = false;
		const fail = (why: string) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			child.stdout!.off('data', onData);
			reject(new Error(`${kind} server ${why}; its stderr:\n${stderr.trim() || '(empty)'}`));
		};
		const onData = (chunk: string) => {
			stdout = (stdout + chunk).slice(-4096);
			const m = /listening https?:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
			if (!m || settled) return;
			settled = true;
			clearTimeout(timer);
			child.off('exit', onExit);
			// Keep draining (server-everything logs every request to stdout), but let the test process
			// exit without waiting for us; the child follows its parent out.
			child.stdout!.on('data', () => {});
			child.stdout!.off('data', onData);
			for (const stream of [child.stdout, child.stderr]) {
				(stream as unknown as {unref?: () => void}).unref?.();
			}
			child.unref();
			resolve({process: child, port: Number(m[1]), stderr: () => stderr});
		};
		const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
			fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
		const timer = setTimeout(() => {
			child.off('exit', onExit);
			child.kill('SIGKILL');
			fail(`printed no ready line within ${timeoutMs} ms`);
		}, timeoutMs);
		child.stdout!.on('data', onData);
		child.once('exit', onExit);
		child.once('error', (error) => fail(`could not start: ${error.message}`));
	});
}

function exited(child: ChildProcess): boolean {
	return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, withinMs: number): Promise<boolean> {
	if (exited(child)) return Promise.resolve(true);
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			child.off('exit', onExit);
			resolve(false);
		}, withinMs);
		const onExit = () => {
			clearTimeout(timer);
			resolve(true);
		};
		child.once('exit', onExit);
	});
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (exited(child)) return;
	child.kill('SIGTERM');
	if (await waitExit(child, 3000)) return;
	child.kill('SIGKILL');
	await waitExit(child, 3000);
}

async function startWsServer(
	kind: 'ws' | 'ws-mcp-subprotocol',
	opts: StartOptions,
): Promise<RunningServer> {
	// The fake delays every reply, not only tool results: use startFakeMcp directly for that.
	refuseUnsupported(kind, opts, [...common, 'token']);
	const start = (port: number) =>
		startFakeMcp({
			port,
			token: opts.token,
			subprotocol: kind === 'ws' ? false : 'mcp',
		});
	let fake: FakeMcp = await start(opts.port ?? 0);
	let open = true;
	let expired = 0;
	const server: RunningServer = {
		kind,
		url: fake.url,
		origin: fake.url,
		port: fake.port,
		pid: process.pid,
		options: {...opts},
		stderr: () => '',
		stop: async () => {
			running.delete(server);
			if (!open) return;
			open = false;
			await fake.close();
		},
		restart: async () => {
			await server.stop();
			fake = await start(server.port);
			open = true;
			expired = 0;
			running.add(server);
		},
		stats: async () => wsStats(kind, fake, opts.token, expired),
		expireSessions: async () => {
			expired += fake.openConnections();
			fake.dropClients();
		},
	};
	running.add(server);
	return server;
}

function wsStats(
	kind: McpServerKind,
	fake: FakeMcp,
	token: string | undefined,
	expired: number,
): ServerStats {
	const byMethod: Record<string, number> = {};
	const toolCalls: Record<string, number> = {};
	for (const {method, params} of fake.received) {
		byMethod[method] = (byMethod[method] ?? 0) + 1;
		const name = (params as {name?: unknown} | undefined)?.name;
		if (method === 'tools/call' && typeof name === 'string') {
			toolCalls[name] = (toolCalls[name] ?? 0) + 1;
		}
	}
	const seen = fake.authorizations.filter((a): a is string => a !== undefined);
	return {
		kind,
		pid: process.pid,
		requests: {
			byMethod,
			httpByVerb: {POST: 0, GET: fake.authorizations.length, DELETE: 0},
			authRejected:
				token === undefined ? 0 : fake.authorizations.filter((a) => a !== `Bearer ${token}`).length,
		},
		sessionsCreated: fake.accepted,
		sessionsOpen: fake.openConnections(),
		sessionsDeleted: 0,
		sessionsExpired: expired,
		authorizations: [...new Set(seen)],
		toolCalls,
	};
}
