// The demo stand-in for the UnrealBlueprintMCP server (`mcptop --demo`, SPEC 8). It speaks the same
// JSON-RPC 2.0 over WebSocket as the real server, runs the Unreal plugin bridge that the fake editor
// connects to, and writes a Python-logging-format log, so every pane and action has something real to
// watch. The file name matters: the default process match pattern is `unreal_blueprint_mcp_server`.
import fs from 'node:fs';
import {parseArgs} from 'node:util';
import {WebSocketServer, WebSocket, type RawData} from 'ws';

type ServerArgs = {
	port: number;
	bridgePort: number;
	logFile: string;
	demoId: string;
	ownerPid: number | null;
};

type JsonRpcId = string | number | null;
type JsonRpcResponse =
	| {jsonrpc: '2.0'; id: JsonRpcId; result: unknown}
	| {jsonrpc: '2.0'; id: JsonRpcId; error: {code: number; message: string}};

type ToolResult = {content: Array<{type: 'text'; text: string}>; isError?: boolean};

type EditorLink = {
	address: string;
	name: string;
	connectedAt: number;
	lastHeartbeatAt: number;
	pendingPings: Map<number, (ms: number) => void>;
};

type Level = 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

const VERSION = '0.3.0-demo';
const startedAt = Date.now();

function usage(message: string): never {
	process.stderr.write(
		`${message}\nusage: unreal_blueprint_mcp_server --port N --bridge-port N --log FILE --demo-id TOKEN [--owner-pid PID]\n`,
	);
	process.exit(2);
}

function portArg(value: string | undefined, name: string): number {
	const port = Number(value);
	if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
		usage(`--${name} needs a port number (0-65535), got ${value ?? 'nothing'}`);
	}

	return port;
}

function readArgs(argv: string[]): ServerArgs {
	let values;
	try {
		({values} = parseArgs({
			args: argv,
			options: {
				port: {type: 'string'},
				'bridge-port': {type: 'string'},
				log: {type: 'string'},
				'demo-id': {type: 'string'},
				'owner-pid': {type: 'string'},
			},
			strict: true,
		}));
	} catch (error) {
		usage((error as Error).message);
	}

	if (!values.log) usage('--log needs a file path');
	if (!values['demo-id']) usage('--demo-id needs a token');
	const owner = values['owner-pid'] === undefined ? null : Number(values['owner-pid']);
	if (owner !== null && !(Number.isInteger(owner) && owner > 0)) usage('--owner-pid needs a PID');
	return {
		port: portArg(values.port, 'port'),
		bridgePort: portArg(values['bridge-port'], 'bridge-port'),
		logFile: values.log,
		demoId: values['demo-id'],
		ownerPid: owner,
	};
}

const args = readArgs(process.argv.slice(2));

function pad(value: number, width = 2): string {
	return String(value).padStart(width, '0');
}

/** Python logging's default asctime: local time, `2025-09-17 10:00:00,123`. */
function pythonTime(date: Date): string {
	return (
		`${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
		`${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`
	);
}

function log(level: Level, message: string): void {
	// Open, append, close per line: cheap at this rate, and it follows rotation the way Python's
	// WatchedFileHandler would.
	try {
		fs.appendFileSync(args.logFile, `${pythonTime(new Date())} - ${level} - ${message}\n`);
	} catch {
		// The demo folder may already be gone while shutting down; nothing useful to do.
	}
}

function random(min: number, max: number): number {
	return min + Math.random() * (max - min);
}

function randomInt(min: number, max: number): number {
	return Math.floor(random(min, max + 1));
}

function pick<T>(items: readonly T[]): T {
	return items[Math.floor(Math.random() * items.length)]!;
}

function round(value: number, digits = 1): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

// ---- a bounded cache, so RSS drifts slowly and the trend column has something to show ----

const CACHE_CHUNK_BYTES = 192 * 1024;
const CACHE_LIMIT_BYTES = 40 * 1024 * 1024;
const blueprintCache: Buffer[] = [];

function growCache(): void {
	// allocUnsafe + fill touches the pages, so the growth shows in RSS (zeroed pages would not).
	const entry = Buffer.allocUnsafe(CACHE_CHUNK_BYTES).fill(blueprintCache.length & 0xff);
	blueprintCache.push(entry);
	if (blueprintCache.length * CACHE_CHUNK_BYTES > CACHE_LIMIT_BYTES) {
		const removed = blueprintCache.splice(0, Math.floor(blueprintCache.length * 0.75)).length;
		log(
			'INFO',
			`Blueprint cache trimmed: evicted ${removed} entries, ${blueprintCache.length} kept`,
		);
	}
}

function megabytes(bytes: number): number {
	return round(bytes / (1024 * 1024));
}

// ---- latency: a slowly wandering base with jitter, occasional slow replies, rare dropped pings ----

let baseLatencyMs = 10;

function replyDelayMs(): number {
	baseLatencyMs = Math.min(24, Math.max(4, baseLatencyMs + random(-1.5, 1.5)));
	if (Math.random() < 0.025) return 200 + Math.random() ** 2 * 1000;
	const jitter = -Math.log(1 - Math.random()) * 4;
	return Math.min(40, Math.max(2, baseLatencyMs + jitter - 2));
}

// ---- the Unreal plugin bridge ----

const editors = new Map<WebSocket, EditorLink>();
let nextEditorPing = 1;

function remoteAddress(request: {socket: {remoteAddress?: string; remotePort?: number}}): string {
	return `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
}

function onEditorMessage(socket: WebSocket, link: EditorLink, data: RawData): void {
	let message: {type?: unknown; id?: unknown; editor?: unknown; seq?: unknown};
	try {
		message = JSON.parse(String(data)) as typeof message;
	} catch {
		log('ERROR', `WebSocket error: malformed message from Unreal Editor at ${link.address}`);
		return;
	}

	if (message.type === 'hello' && typeof message.editor === 'string') {
		link.name = message.editor.slice(0, 80);
		log('INFO', `Unreal Editor registered: ${link.name} (${link.address})`);
	} else if (message.type === 'heartbeat') {
		link.lastHeartbeatAt = Date.now();
		socket.send(JSON.stringify({type: 'heartbeat_ack', seq: message.seq ?? null}));
	} else if (message.type === 'pong' && typeof message.id === 'number') {
		link.pendingPings.get(message.id)?.(Date.now());
		link.pendingPings.delete(message.id);
	}
}

function pingEditor(
	socket: WebSocket,
	link: EditorLink,
	timeoutMs: number,
): Promise<number | null> {
	return new Promise((resolve) => {
		const id = nextEditorPing++;
		const sentAt = performance.now();
		const timer = setTimeout(() => {
			link.pendingPings.delete(id);
			resolve(null);
		}, timeoutMs);
		link.pendingPings.set(id, () => {
			clearTimeout(timer);
			resolve(round(performance.now() - sentAt, 2));
		});
		socket.send(JSON.stringify({type: 'ping', id}));
	});
}

// ---- MCP tools ----

const SUPPORTED_CLASSES = [
	'Actor',
	'Pawn',
	'Character',
	'PlayerController',
	'GameModeBase',
	'ActorComponent',
	'SceneComponent',
	'UserWidget',
	'AnimInstance',
	'BlueprintFunctionLibrary',
];

const TOOLS = [
	{
		name: 'get_server_status',
		description: 'Report the server status: uptime, connected Unreal editors, memory.',
		inputSchema: {type: 'object', properties: {}},
	},
	{
		name: 'list_supported_blueprint_classes',
		description: 'List the Blueprint parent classes the server can create.',
		inputSchema: {type: 'object', properties: {}},
	},
	{
		name: 'test_unreal_connection',
		description: 'Check the connection to the Unreal Editor plugin and measure its round trip.',
		inputSchema: {type: 'object', properties: {}},
	},
	{
		name: 'create_blueprint',
		description: 'Create a Blueprint asset (the demo server only pretends; nothing is written).',
		inputSchema: {
			type: 'object',
			properties: {
				blueprint_name: {type: 'string'},
				parent_class: {type: 'string', enum: SUPPORTED_CLASSES},
				path: {type: 'string', default: '/Game/Blueprints'},
			},
			required: ['blueprint_name', 'parent_class'],
		},
	},
	{
		name: 'add_component_to_blueprint',
		description:
			'Add a component to a Blueprint (the demo server only pretends; nothing is written).',
		inputSchema: {
			type: 'object',
			properties: {
				blueprint_name: {type: 'string'},
				component_type: {type: 'string'},
				component_name: {type: 'string'},
			},
			required: ['blueprint_name', 'component_type', 'component_name'],
		},
	},
];

let requestsServed = 0;

function text(value: unknown, isError = false): ToolResult {
	const body = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
	return isError
		? {content: [{type: 'text', text: body}], isError}
		: {content: [{type: 'text', text: body}]};
}

function serverStatus(mcpClients: number): unknown {
	const memory = process.memoryUsage();
	const now = Date.now();
	return {
		status: 'running',
		server: 'UnrealBlueprintMCP (mcptop demo)',
		version: VERSION,
		pid: process.pid,
		uptime_seconds: round((now - startedAt) / 1000),
		connected_editors: editors.size,
		editors: [...editors.values()].map((link) => ({
			name: link.name,
			address: link.address,
			connected_seconds: round((now - link.connectedAt) / 1000),
			last_heartbeat_seconds_ago: round((now - link.lastHeartbeatAt) / 1000),
		})),
		mcp_clients: mcpClients,
		requests_served: requestsServed,
		memory: {
			rss_mb: megabytes(memory.rss),
			heap_used_mb: megabytes(memory.heapUsed),
			cache_entries: blueprintCache.length,
			cache_mb: megabytes(blueprintCache.length * CACHE_CHUNK_BYTES),
		},
		demo: true,
	};
}

function stringArg(params: Record<string, unknown>, name: string): string | null {
	const value = params[name];
	return typeof value === 'string' && value.trim() !== '' ? value.slice(0, 200) : null;
}

async function callTool(name: string, params: Record<string, unknown>): Promise<ToolResult> {
	switch (name) {
		case 'get_server_status': {
			return text(serverStatus(mcp?.clients.size ?? 0));
		}

		case 'list_supported_blueprint_classes': {
			return text({classes: SUPPORTED_CLASSES, count: SUPPORTED_CLASSES.length});
		}

		case 'test_unreal_connection': {
			const first = editors.entries().next();
			if (first.done) {
				return text({
					connected: false,
					error: `No Unreal Editor is connected to the bridge on port ${bridgePort}`,
				});
			}

			const [socket, link] = first.value;
			const roundTripMs = await pingEditor(socket, link, 2000);
			return roundTripMs === null
				? text({
						connected: true,
						editor: link.name,
						error: 'Unreal Editor did not answer within 2 s',
					})
				: text({connected: true, editor: link.name, round_trip_ms: roundTripMs});
		}

		case 'create_blueprint': {
			const blueprint = stringArg(params, 'blueprint_name');
			const parent = stringArg(params, 'parent_class');
			if (!blueprint || !parent) return text('blueprint_name and parent_class are required', true);
			if (!SUPPORTED_CLASSES.includes(parent)) {
				return text(
					`Unsupported parent class ${parent}; see list_supported_blueprint_classes`,
					true,
				);
			}

			log(
				'INFO',
				`Demo: pretending to create blueprint ${blueprint} (${parent}); nothing is written`,
			);
			return text(
				`Demo server: blueprint '${blueprint}' (${parent}) was not really created; mcptop's demo has no Unreal Editor.`,
			);
		}

		case 'add_component_to_blueprint': {
			const blueprint = stringArg(params, 'blueprint_name');
			const type = stringArg(params, 'component_type');
			const component = stringArg(params, 'component_name');
			if (!blueprint || !type || !component) {
				return text('blueprint_name, component_type and component_name are required', true);
			}

			log(
				'INFO',
				`Demo: pretending to add ${type} '${component}' to ${blueprint}; nothing is written`,
			);
			return text(
				`Demo server: component '${component}' (${type}) was not really added to '${blueprint}'; mcptop's demo has no Unreal Editor.`,
			);
		}

		default: {
			throw new RpcError(-32602, `Unknown tool: ${name.slice(0, 100)}`);
		}
	}
}

class RpcError extends Error {
	constructor(
		readonly code: number,
		message: string,
	) {
		super(message);
	}
}

async function handleRequest(method: string, params: unknown): Promise<unknown> {
	switch (method) {
		case 'initialize': {
			return {
				protocolVersion: '2025-06-18',
				capabilities: {tools: {listChanged: false}},
				serverInfo: {name: 'unreal-blueprint-mcp', version: VERSION},
				instructions: 'mcptop demo server: asset-creating tools only pretend.',
			};
		}

		case 'ping': {
			return {};
		}

		case 'tools/list': {
			return {tools: TOOLS};
		}

		case 'tools/call': {
			const call = (params ?? {}) as {name?: unknown; arguments?: unknown};
			if (typeof call.name !== 'string') throw new RpcError(-32602, 'tools/call needs params.name');
			const toolArgs =
				call.arguments && typeof call.arguments === 'object'
					? (call.arguments as Record<string, unknown>)
					: {};
			return callTool(call.name, toolArgs);
		}

		default: {
			throw new RpcError(-32601, `Method not found: ${method.slice(0, 100)}`);
		}
	}
}

function reply(socket: WebSocket, response: JsonRpcResponse, delayMs: number): void {
	setTimeout(() => {
		if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(response));
	}, delayMs);
}

function onMcpMessage(socket: WebSocket, data: RawData): void {
	let message: unknown;
	try {
		message = JSON.parse(String(data));
	} catch {
		log('ERROR', 'Failed to parse JSON-RPC message from MCP client');
		reply(socket, {jsonrpc: '2.0', id: null, error: {code: -32700, message: 'Parse error'}}, 0);
		return;
	}

	// Batches are not used by MCP clients; answer them as invalid rather than half-supporting them.
	if (Array.isArray(message) || typeof message !== 'object' || message === null) {
		reply(socket, {jsonrpc: '2.0', id: null, error: {code: -32600, message: 'Invalid Request'}}, 0);
		return;
	}

	const request = message as {id?: unknown; method?: unknown; params?: unknown};
	const id =
		typeof request.id === 'string' || typeof request.id === 'number'
			? (request.id as JsonRpcId)
			: null;

	if (typeof request.method !== 'string') {
		reply(socket, {jsonrpc: '2.0', id, error: {code: -32600, message: 'Invalid Request'}}, 0);
		return;
	}

	// Notifications (no id), e.g. notifications/initialized, get no reply.
	if (request.id === undefined) return;
	const method = request.method;
	if (method === 'ping' && Math.random() < 1 / 60) return;
	requestsServed++;
	const delayMs = replyDelayMs();
	handleRequest(method, request.params).then(
		(result) => {
			reply(socket, {jsonrpc: '2.0', id, result}, delayMs);
		},
		(error: unknown) => {
			const code = error instanceof RpcError ? error.code : -32603;
			const message = error instanceof Error ? error.message : String(error);
			if (code === -32603) log('ERROR', `Exception in request handler ${method}: ${message}`);
			reply(socket, {jsonrpc: '2.0', id, error: {code, message}}, delayMs);
		},
	);
}

// ---- background log lines ----

const BLUEPRINTS = [
	'BP_DoorSwitch',
	'BP_EnemySpawner',
	'BP_PlayerHUD',
	'BP_Pickup',
	'BP_MovingPlatform',
];

function infoLine(): string {
	return pick<() => string>([
		() => `Processing blueprint graph ${pick(BLUEPRINTS)} (${randomInt(12, 240)} nodes)`,
		() =>
			`Memory usage: ${megabytes(process.memoryUsage().rss)} MB RSS, blueprint cache ${blueprintCache.length} entries`,
		() => `Asset registry scan complete: ${randomInt(380, 460)} assets in ${randomInt(8, 60)} ms`,
		() => `Connected editors: ${editors.size}, MCP clients: ${mcp?.clients.size ?? 0}`,
		() => `Heartbeat check: ${editors.size} editor(s) alive`,
		() => `Blueprint compiled successfully: ${pick(BLUEPRINTS)}`,
		() => `Requests served so far: ${requestsServed}`,
	])();
}

function warningLine(): string {
	return pick<() => string>([
		() => `High memory usage detected during graph compilation: peak ${randomInt(380, 470)} MB`,
		() => `Slow response from Unreal Editor: ${randomInt(900, 2600)} ms for GetBlueprintGraph`,
		() => `Connection timeout while waiting for editor acknowledgement; retrying`,
		() => `Performance degraded: request queue depth ${randomInt(8, 30)}`,
	])();
}

function errorLine(): string {
	return pick<() => string>([
		() => `WebSocket error: connection reset by peer (127.0.0.1:${randomInt(40_000, 60_000)})`,
		() =>
			`Failed to compile blueprint ${pick(BLUEPRINTS)}: node 'Cast To Character' has no valid target`,
		() => `Exception in tool handler create_blueprint: ValueError('invalid asset path')`,
	])();
}

function criticalLine(): string {
	return pick([
		'Unreal Editor bridge unresponsive for 30 s; blueprint operations suspended',
		'Memory limit exceeded in asset cache; forcing a full flush',
	]);
}

function every(first: [number, number], next: [number, number], write: () => void): void {
	const schedule = (range: [number, number]) => {
		setTimeout(
			() => {
				if (shuttingDown) return;
				write();
				schedule(next);
			},
			random(range[0], range[1]),
		).unref();
	};

	schedule(first);
}

// ---- start ----

let mcp: WebSocketServer | undefined;
let bridge: WebSocketServer | undefined;
let bridgePort = args.bridgePort;
let shuttingDown = false;

function listen(port: number, what: string): Promise<WebSocketServer> {
	return new Promise((resolve, reject) => {
		const server = new WebSocketServer({host: '127.0.0.1', port, maxPayload: 1024 * 1024});
		server.once('listening', () => {
			resolve(server);
		});
		server.once('error', (error: NodeJS.ErrnoException) => {
			reject(
				new Error(
					error.code === 'EADDRINUSE'
						? `Port ${port} (${what}) is already in use`
						: `Cannot listen on 127.0.0.1:${port} (${what}): ${error.message}`,
				),
			);
		});
	});
}

function boundPort(server: WebSocketServer): number {
	const address = server.address();
	return typeof address === 'object' && address !== null ? address.port : 0;
}

function shutDown(reason: string): void {
	if (shuttingDown) return;
	shuttingDown = true;
	log('INFO', `Server shutting down (${reason})`);
	for (const socket of [...(mcp?.clients ?? []), ...(bridge?.clients ?? [])]) {
		socket.close(1001, 'Server shutting down');
	}

	setTimeout(() => process.exit(0), 100);
}

async function main(): Promise<void> {
	log('INFO', `Starting UnrealBlueprintMCP server ${VERSION} (mcptop demo, pid ${process.pid})`);
	try {
		bridge = await listen(args.bridgePort, 'Unreal plugin bridge');
		bridgePort = boundPort(bridge);
		mcp = await listen(args.port, 'MCP');
	} catch (error) {
		const message = (error as Error).message;
		log('ERROR', message);
		process.stderr.write(`${message}\n`);
		process.exit(1);
	}

	const mcpPort = boundPort(mcp);

	bridge.on('connection', (socket, request) => {
		const link: EditorLink = {
			address: remoteAddress(request),
			name: 'Unreal Editor',
			connectedAt: Date.now(),
			lastHeartbeatAt: Date.now(),
			pendingPings: new Map(),
		};
		editors.set(socket, link);
		log('INFO', `Unreal Editor connected from ${link.address}`);
		socket.on('message', (data) => {
			onEditorMessage(socket, link, data);
		});
		socket.on('error', (error) => {
			log('ERROR', `WebSocket error: ${error.message} (Unreal Editor ${link.address})`);
		});
		socket.on('close', () => {
			editors.delete(socket);
			if (!shuttingDown) log('WARNING', `Unreal Editor disconnected (${link.address})`);
		});
	});

	mcp.on('connection', (socket, request) => {
		const address = remoteAddress(request);
		log('INFO', `MCP client connected from ${address}`);
		socket.on('message', (data) => {
			onMcpMessage(socket, data);
		});
		socket.on('error', (error) => {
			log('ERROR', `WebSocket error: ${error.message} (MCP client ${address})`);
		});
		socket.on('close', () => {
			if (!shuttingDown) log('INFO', `MCP client disconnected (${address})`);
		});
	});

	log('INFO', `MCP server listening on ws://127.0.0.1:${mcpPort}`);
	log('INFO', `Unreal plugin bridge listening on ws://127.0.0.1:${bridgePort}`);
	process.stdout.write(
		`listening mcp=ws://127.0.0.1:${mcpPort} bridge=ws://127.0.0.1:${bridgePort} demo-id=${args.demoId}\n`,
	);

	setInterval(growCache, 4000).unref();
	every([300, 1000], [300, 1000], () => log('INFO', infoLine()));
	every([4000, 10_000], [20_000, 60_000], () => log('WARNING', warningLine()));
	every([8000, 20_000], [40_000, 120_000], () => log('ERROR', errorLine()));
	every([40_000, 80_000], [120_000, 180_000], () => log('CRITICAL', criticalLine()));

	if (args.ownerPid !== null) {
		const owner = args.ownerPid;
		// The demo belongs to one mcptop process; if that one died without cleaning up (SIGKILL),
		// leave too instead of lingering as an orphan.
		setInterval(() => {
			try {
				process.kill(owner, 0);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ESRCH')
					shutDown(`mcptop pid ${owner} is gone`);
			}
		}, 2000).unref();
	}
}

process.on('SIGTERM', () => shutDown('SIGTERM'));
process.on('SIGINT', () => shutDown('SIGINT'));
process.on('uncaughtException', (error) => {
	log('CRITICAL', `Server crash: ${error.stack ?? error.message}`.split('\n')[0]!);
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});

void main();
