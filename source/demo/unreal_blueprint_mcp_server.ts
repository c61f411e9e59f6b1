// The demo stand-in for the UnrealBlueprintMCP server (`mcptop --demo`, SPEC 8). It speaks MCP over
// Streamable HTTP (`POST /mcp`, both protocol eras: 2025 sessions after `initialize`, and the stateless
// 2026-07-28 revision) and, on the same port, the JSON-RPC 2.0 over WebSocket dialect it always spoke;
// it runs the Unreal plugin bridge that the fake editor connects to, and writes a Python-logging-format
// log, so every pane and action has something real to watch. The file name matters: the default
// process match pattern is `unreal_blueprint_mcp_server`.
import {randomUUID} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
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
			return text(serverStatus(mcpClients()));
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

/**
 * Who asks decides the shape of the answer: the WebSocket dialect as it always was, a 2025-era
 * Streamable HTTP session, or a stateless 2026-07-28 request.
 */
type Dialect = 'websocket' | 'legacy' | 'modern';

const SERVER_INFO = {name: 'unreal-blueprint-mcp', version: VERSION};
const INSTRUCTIONS = 'mcptop demo server: asset-creating tools only pretend.';
const MODERN_VERSION = '2026-07-28';
/** The 2025-era revisions that use Streamable HTTP, newest first. */
const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const SUPPORTED_VERSIONS = [MODERN_VERSION, ...LEGACY_VERSIONS];
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

function methodNotFound(method: string): RpcError {
	return new RpcError(-32601, `Method not found: ${method.slice(0, 100)}`);
}

async function toolsCall(params: unknown): Promise<ToolResult> {
	const call = (params ?? {}) as {name?: unknown; arguments?: unknown};
	if (typeof call.name !== 'string') throw new RpcError(-32602, 'tools/call needs params.name');
	const toolArgs =
		call.arguments && typeof call.arguments === 'object'
			? (call.arguments as Record<string, unknown>)
			: {};
	return callTool(call.name, toolArgs);
}

/** The client's version when it names one we speak, else our newest 2025-era one. */
function legacyVersion(params: unknown): string {
	const requested = (params as {protocolVersion?: unknown} | undefined)?.protocolVersion;
	return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested)
		? requested
		: LEGACY_VERSIONS[0]!;
}

/** 2026-07-28: no initialize and no ping; discovery instead; every result says what it is. */
async function handleModernRequest(method: string, params: unknown): Promise<object> {
	switch (method) {
		case 'server/discover': {
			// ttlMs 0: a monitor asks to measure the server, so a cached answer would measure nothing.
			return {
				supportedVersions: SUPPORTED_VERSIONS,
				capabilities: {tools: {}},
				instructions: INSTRUCTIONS,
				ttlMs: 0,
				cacheScope: 'public',
			};
		}

		case 'tools/list': {
			return {tools: TOOLS, ttlMs: 0, cacheScope: 'public'};
		}

		case 'tools/call': {
			return toolsCall(params);
		}

		default: {
			throw methodNotFound(method);
		}
	}
}

async function handleRequest(
	method: string,
	params: unknown,
	dialect: Dialect = 'websocket',
): Promise<unknown> {
	if (dialect === 'modern') {
		const result = await handleModernRequest(method, params);
		return {resultType: 'complete', ...result, _meta: {[SERVER_INFO_KEY]: SERVER_INFO}};
	}

	switch (method) {
		case 'initialize': {
			return {
				// The WebSocket dialect has always answered 2025-06-18, whatever was asked.
				protocolVersion: dialect === 'websocket' ? '2025-06-18' : legacyVersion(params),
				capabilities: {tools: {listChanged: false}},
				serverInfo: SERVER_INFO,
				instructions: INSTRUCTIONS,
			};
		}

		case 'ping': {
			return {};
		}

		case 'tools/list': {
			return {tools: TOOLS};
		}

		case 'tools/call': {
			return toolsCall(params);
		}

		default: {
			throw methodNotFound(method);
		}
	}
}

/**
 * The demo's rare failure: about one steady-state liveness request in 60 is never answered. A
 * handshake is always answered: the official client's era probe (`server/discover` with a string id,
 * where its steady-state requests have numbers) must not make an action's connection fail at random.
 */
function leftUnanswered(method: string, dialect: Dialect, id: JsonRpcId): boolean {
	// The 2026-07-28 revision removed ping; server/discover is what a modern monitor polls instead.
	const liveness = dialect === 'modern' ? 'server/discover' : 'ping';
	return method === liveness && typeof id === 'number' && Math.random() < 1 / 60;
}

function rpcFailure(error: unknown, method: string): {code: number; message: string} {
	const code = error instanceof RpcError ? error.code : -32603;
	const message = error instanceof Error ? error.message : String(error);
	if (code === -32603) log('ERROR', `Exception in request handler ${method}: ${message}`);
	return {code, message};
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
	if (leftUnanswered(method, 'websocket', id)) return;
	requestsServed++;
	const delayMs = replyDelayMs();
	handleRequest(method, request.params).then(
		(result) => {
			reply(socket, {jsonrpc: '2.0', id, result}, delayMs);
		},
		(error: unknown) => {
			reply(socket, {jsonrpc: '2.0', id, error: rpcFailure(error, method)}, delayMs);
		},
	);
}

// ---- MCP over Streamable HTTP (POST /mcp) ----

const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 1024 * 1024;
/** Past this much of an oversized body, stop reading and drop the connection. */
const MAX_DISCARD_BYTES = 8 * MAX_BODY_BYTES;
const MAX_SESSIONS = 1000;
const SESSION_IDLE_MS = 30 * 60 * 1000;
/** A liveness request left unanswered is let go after this long, if its client never gives up. */
const HOLD_MAX_MS = 2 * 60 * 1000;
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const HEADER_MISMATCH = -32020;
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

type McpSession = {id: string; address: string; lastSeenAt: number};
type HttpMessage = {
	id?: unknown;
	method?: unknown;
	params?: unknown;
	result?: unknown;
	error?: unknown;
};
type MessageKind = 'request' | 'notification' | 'response';
type RpcId = string | number;

/** 2025-era sessions, least recently used first (a touch moves a session to the end). */
const sessions = new Map<string, McpSession>();
/** Liveness requests the demo chose not to answer, until their clients give up. */
const heldReplies = new Set<http.ServerResponse>();

function mcpClients(): number {
	return (mcp?.clients.size ?? 0) + sessions.size;
}

/** Text from a client, made safe for one log line. */
function printable(value: unknown, max = 80): string {
	return typeof value === 'string' ? value.replaceAll(/[^\x20-\x7e]/g, '?').slice(0, max) : '?';
}

function startSession(request: http.IncomingMessage, params: unknown, version: string): string {
	while (sessions.size >= MAX_SESSIONS) {
		endSession(sessions.values().next().value!, `evicted: at most ${MAX_SESSIONS} sessions`);
	}

	const session = {id: randomUUID(), address: remoteAddress(request), lastSeenAt: Date.now()};
	sessions.set(session.id, session);
	const client = (params as {clientInfo?: {name?: unknown; version?: unknown}} | undefined)
		?.clientInfo;
	log(
		'INFO',
		`MCP client session ${session.id.slice(0, 8)} started from ${session.address} ` +
			`(Streamable HTTP, protocol ${version}, client ${printable(client?.name)} ${printable(client?.version, 40)})`,
	);
	return session.id;
}

function endSession(session: McpSession, reason: string): void {
	sessions.delete(session.id);
	if (!shuttingDown) log('INFO', `MCP client session ${session.id.slice(0, 8)} ended (${reason})`);
}

/** The live session with this id, touched; an idle one has expired (and ends here). */
function findSession(id: string): McpSession | undefined {
	const session = sessions.get(id);
	if (!session) return undefined;
	if (Date.now() - session.lastSeenAt > SESSION_IDLE_MS) {
		endSession(session, `idle for ${SESSION_IDLE_MS / 60_000} min`);
		return undefined;
	}

	session.lastSeenAt = Date.now();
	sessions.delete(id);
	sessions.set(id, session);
	return session;
}

function expireIdleSessions(): void {
	const now = Date.now();
	for (const session of sessions.values()) {
		if (now - session.lastSeenAt <= SESSION_IDLE_MS) break;
		endSession(session, `idle for ${SESSION_IDLE_MS / 60_000} min`);
	}
}

/** A request header as one trimmed string (HTTP allows spaces and tabs around values). */
function header(request: http.IncomingMessage, name: string): string | undefined {
	const value = request.headers[name];
	return typeof value === 'string' ? value.replace(/^[ \t]+|[ \t]+$/g, '') : undefined;
}

/** No Origin (not a browser), or a page served from this machine: DNS-rebinding protection. */
function isLoopbackOrigin(origin: string | undefined): boolean {
	if (origin === undefined) return true;
	try {
		const {hostname} = new URL(origin);
		return (
			hostname === 'localhost' ||
			hostname.endsWith('.localhost') ||
			hostname === '[::1]' ||
			/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
		);
	} catch {
		return false;
	}
}

function mediaTypes(value: string | undefined): string[] {
	return (value ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
}

function acceptsJson(accept: string | undefined): boolean {
	if (accept === undefined || accept.trim() === '') return true;
	return mediaTypes(accept).some((type) =>
		['application/json', 'application/*', '*/*'].includes(type),
	);
}

function isModernVersion(version: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(version) && version >= MODERN_VERSION;
}

/** The value of an `Mcp-Name` header, decoding the `=?base64?…?=` form; undefined when malformed. */
function decodeHeaderValue(value: string): string | undefined {
	const encoded = /^=\?base64\?(.*)\?=$/.exec(value);
	if (!encoded) return value;
	if (!/^[A-Za-z\d+/]*={0,2}$/.test(encoded[1]!) || encoded[1]!.length % 4 !== 0) return undefined;
	return Buffer.from(encoded[1]!, 'base64').toString('utf8');
}

function sendJson(
	response: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	if (response.destroyed || response.writableEnded) return;
	const text = JSON.stringify(body);
	response.writeHead(status, {
		...headers,
		'Content-Type': 'application/json',
		'Content-Length': String(Buffer.byteLength(text)),
	});
	response.end(text);
}

function sendText(
	response: http.ServerResponse,
	status: number,
	body: string,
	headers: Record<string, string> = {},
): void {
	if (response.destroyed || response.writableEnded) return;
	response.writeHead(status, {
		...headers,
		'Content-Type': 'text/plain; charset=utf-8',
		'Content-Length': String(Buffer.byteLength(body)),
	});
	response.end(body);
}

/** A JSON-RPC error on an HTTP error status; without an id when the request had none we can echo. */
function sendRpcError(
	response: http.ServerResponse,
	status: number,
	id: RpcId | undefined,
	code: number,
	message: string,
	data?: unknown,
): void {
	const error = data === undefined ? {code, message} : {code, message, data};
	sendJson(
		response,
		status,
		id === undefined ? {jsonrpc: '2.0', error} : {jsonrpc: '2.0', id, error},
	);
}

/** The HTTP status of a JSON-RPC error in the 2026-07-28 revision; other errors ride a 200. */
function modernErrorStatus(code: number): number {
	if (code === -32601) return 404;
	return [-32700, -32600, HEADER_MISMATCH, -32021, UNSUPPORTED_PROTOCOL_VERSION].includes(code)
		? 400
		: 200;
}

/** Never answered: kept open until the client gives up (the response's `close`) or HOLD_MAX_MS. */
function hold(response: http.ServerResponse): void {
	heldReplies.add(response);
	const timer = setTimeout(() => response.destroy(), HOLD_MAX_MS);
	timer.unref();
	response.on('close', () => {
		clearTimeout(timer);
		heldReplies.delete(response);
	});
}

/**
 * Answers a request with the demo's reply delay. `beforeSend` runs only when the reply is really
 * written (the client may have given up meanwhile): an initialize that nobody reads opens no session.
 */
function answer(
	response: http.ServerResponse,
	dialect: 'legacy' | 'modern',
	id: RpcId,
	method: string,
	params: unknown,
	beforeSend?: (result: unknown) => Record<string, string>,
): void {
	if (leftUnanswered(method, dialect, id)) {
		hold(response);
		return;
	}

	requestsServed++;
	const delayMs = replyDelayMs();
	const later = (write: () => void) => {
		const timer = setTimeout(() => {
			if (!response.destroyed && !response.writableEnded) write();
		}, delayMs);
		// `close` on the response, not the request: the request's fires once its body is read.
		response.on('close', () => clearTimeout(timer));
	};

	handleRequest(method, params, dialect).then(
		(result) => {
			later(() => {
				sendJson(response, 200, {jsonrpc: '2.0', id, result}, beforeSend?.(result));
			});
		},
		(error: unknown) => {
			const failure = rpcFailure(error, method);
			const status = dialect === 'modern' ? modernErrorStatus(failure.code) : 200;
			later(() => {
				sendJson(response, status, {jsonrpc: '2.0', id, error: failure});
			});
		},
	);
}

function metaOf(params: unknown): Record<string, unknown> | undefined {
	const meta = (params as {_meta?: unknown} | undefined)?._meta;
	return meta && typeof meta === 'object' && !Array.isArray(meta)
		? (meta as Record<string, unknown>)
		: undefined;
}

/** The body field that `Mcp-Name` mirrors, for the methods that have one. */
function nameSource(method: string, params: unknown): {field: string; value: unknown} | undefined {
	const fields = (params ?? {}) as {name?: unknown; uri?: unknown};
	if (method === 'resources/read') return {field: 'uri', value: fields.uri};
	if (method === 'tools/call' || method === 'prompts/get')
		return {field: 'name', value: fields.name};
	return undefined;
}

/** Stateless, per the 2026-07-28 revision: the request's own `_meta` says who asks and how. */
function serveModern(
	request: http.IncomingMessage,
	response: http.ServerResponse,
	message: HttpMessage & {method: string},
	kind: MessageKind,
	meta: Record<string, unknown>,
): void {
	const id = kind === 'request' ? (message.id as RpcId) : undefined;
	const mismatch = (text: string) => {
		sendRpcError(response, 400, id, HEADER_MISMATCH, `Header mismatch: ${text}`);
	};

	const claimed = meta[PROTOCOL_VERSION_KEY];
	if (typeof claimed !== 'string') {
		sendRpcError(
			response,
			400,
			id,
			-32602,
			`Invalid _meta: ${PROTOCOL_VERSION_KEY} must be a string`,
		);
		return;
	}

	const versionHeader = header(request, 'mcp-protocol-version');
	const methodHeader = header(request, 'mcp-method');
	if (versionHeader !== undefined && versionHeader !== claimed) {
		mismatch(
			`MCP-Protocol-Version header ${printable(versionHeader)} != _meta ${printable(claimed)}`,
		);
		return;
	}

	if (methodHeader !== undefined && methodHeader !== message.method) {
		mismatch(`Mcp-Method header ${printable(methodHeader)} != method ${printable(message.method)}`);
		return;
	}

	if (claimed !== MODERN_VERSION) {
		sendRpcError(response, 400, id, UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', {
			supported: SUPPORTED_VERSIONS,
			requested: claimed.slice(0, 40),
		});
		return;
	}

	if (kind !== 'request') {
		response.writeHead(202).end();
		return;
	}

	if (versionHeader === undefined) {
		mismatch('the MCP-Protocol-Version header is required');
		return;
	}

	if (methodHeader === undefined) {
		mismatch('the Mcp-Method header is required');
		return;
	}

	const name = nameSource(message.method, message.params);
	if (name && typeof name.value === 'string') {
		const nameHeader = header(request, 'mcp-name');
		if (nameHeader === undefined) {
			mismatch(`the Mcp-Name header is required for ${message.method}`);
			return;
		}

		const decoded = decodeHeaderValue(nameHeader);
		if (decoded !== name.value) {
			mismatch(`Mcp-Name header ${printable(nameHeader)} != params.${name.field}`);
			return;
		}
	}

	const capabilities = meta[CLIENT_CAPABILITIES_KEY];
	if (!capabilities || typeof capabilities !== 'object' || Array.isArray(capabilities)) {
		sendRpcError(
			response,
			400,
			id,
			-32602,
			`Invalid _meta: ${CLIENT_CAPABILITIES_KEY} is required`,
		);
		return;
	}

	answer(response, 'modern', id!, message.method, message.params);
}

/** The 2025 era: `initialize` opens a session, and everything after it names that session. */
function serveLegacy(
	request: http.IncomingMessage,
	response: http.ServerResponse,
	message: HttpMessage,
	kind: MessageKind,
): void {
	const id = kind === 'request' ? (message.id as RpcId) : undefined;
	if (message.method === 'initialize') {
		if (kind !== 'request') {
			sendRpcError(response, 400, undefined, -32600, 'Invalid Request: initialize needs an id');
			return;
		}

		answer(response, 'legacy', id!, 'initialize', message.params, (result) => ({
			'Mcp-Session-Id': startSession(
				request,
				message.params,
				(result as {protocolVersion: string}).protocolVersion,
			),
		}));
		return;
	}

	const sessionId = header(request, 'mcp-session-id');
	if (sessionId === undefined) {
		sendRpcError(
			response,
			400,
			id,
			-32000,
			'Bad Request: Mcp-Session-Id header is required (send initialize first)',
		);
		return;
	}

	if (!findSession(sessionId)) {
		sendRpcError(response, 404, id, -32001, 'Session not found');
		return;
	}

	const versionHeader = header(request, 'mcp-protocol-version');
	if (versionHeader !== undefined && !LEGACY_VERSIONS.includes(versionHeader)) {
		sendRpcError(
			response,
			400,
			id,
			-32000,
			`Bad Request: unsupported MCP-Protocol-Version ${printable(versionHeader)}`,
		);
		return;
	}

	if (kind !== 'request') {
		response.writeHead(202).end();
		return;
	}

	answer(response, 'legacy', id!, message.method as string, message.params);
}

function onMcpPost(
	request: http.IncomingMessage,
	response: http.ServerResponse,
	parsed: unknown,
): void {
	if (Array.isArray(parsed)) {
		sendRpcError(response, 400, undefined, -32600, 'Invalid Request: batches are not supported');
		return;
	}

	const message = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as HttpMessage;
	const hasId = typeof message.id === 'string' || typeof message.id === 'number';
	let kind: MessageKind | undefined;
	if (typeof message.method === 'string') {
		if (hasId) kind = 'request';
		else if (message.id === undefined) kind = 'notification';
	} else if (hasId && ('result' in message || 'error' in message)) {
		kind = 'response';
	}

	if (kind === undefined) {
		const id = hasId ? (message.id as RpcId) : undefined;
		sendRpcError(response, 400, id, -32600, 'Invalid Request');
		return;
	}

	const meta = metaOf(message.params);
	if (kind !== 'response' && meta && PROTOCOL_VERSION_KEY in meta) {
		serveModern(request, response, message as HttpMessage & {method: string}, kind, meta);
		return;
	}

	const versionHeader = header(request, 'mcp-protocol-version');
	if (versionHeader !== undefined && isModernVersion(versionHeader)) {
		const id = kind === 'request' ? (message.id as RpcId) : undefined;
		sendRpcError(
			response,
			400,
			id,
			-32602,
			`Invalid params: MCP-Protocol-Version ${printable(versionHeader)} needs _meta.${PROTOCOL_VERSION_KEY}`,
		);
		return;
	}

	serveLegacy(request, response, message, kind);
}

/** The body, or 'too large' (read to its end, up to a bound, so the 413 reaches the client). */
function readBody(request: http.IncomingMessage): Promise<Buffer | 'too large' | 'gone'> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		const declared = Number(request.headers['content-length'] ?? 0);
		if (declared > MAX_DISCARD_BYTES) {
			done = true;
			resolve('too large');
			return;
		}

		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
			else if (size > MAX_DISCARD_BYTES && !done) {
				done = true;
				resolve('too large');
			}
		});
		request.on('end', () => {
			if (done) return;
			done = true;
			resolve(size > MAX_BODY_BYTES ? 'too large' : Buffer.concat(chunks));
		});
		request.on('close', () => {
			if (done) return;
			done = true;
			resolve('gone');
		});
	});
}

async function onMcpPostRequest(
	request: http.IncomingMessage,
	response: http.ServerResponse,
): Promise<void> {
	if (!acceptsJson(header(request, 'accept'))) {
		sendRpcError(
			response,
			406,
			undefined,
			-32000,
			'Not Acceptable: the client must accept application/json',
		);
		return;
	}

	if (mediaTypes(header(request, 'content-type'))[0] !== 'application/json') {
		sendRpcError(
			response,
			415,
			undefined,
			-32000,
			'Unsupported Media Type: the body must be application/json',
		);
		return;
	}

	const body = await readBody(request);
	if (body === 'gone') return;
	if (body === 'too large') {
		// Connection: close, so an unread rest of the body cannot be taken for the next request.
		response.setHeader('Connection', 'close');
		sendRpcError(
			response,
			413,
			undefined,
			-32000,
			`Payload Too Large: at most ${MAX_BODY_BYTES} bytes`,
		);
		return;
	}

	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch {
		log('ERROR', 'Failed to parse JSON-RPC message from MCP client');
		sendRpcError(response, 400, undefined, -32700, 'Parse error');
		return;
	}

	onMcpPost(request, response, parsed);
}

function onMcpDelete(request: http.IncomingMessage, response: http.ServerResponse): void {
	const sessionId = header(request, 'mcp-session-id');
	if (sessionId === undefined) {
		sendRpcError(
			response,
			400,
			undefined,
			-32000,
			'Bad Request: Mcp-Session-Id header is required',
		);
		return;
	}

	const session = findSession(sessionId);
	if (!session) {
		sendRpcError(response, 404, undefined, -32001, 'Session not found');
		return;
	}

	endSession(session, 'closed by the client');
	response.writeHead(200, {'Content-Length': '0'}).end();
}

function onHttpRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
	if (!isLoopbackOrigin(header(request, 'origin'))) {
		sendRpcError(response, 403, undefined, -32000, 'Forbidden: the Origin is not this machine');
		return;
	}

	const path = (request.url ?? '/').split('?')[0];
	if (path !== MCP_PATH) {
		sendText(response, 404, `Not found: the MCP endpoint is ${MCP_PATH}\n`);
		return;
	}

	switch (request.method) {
		case 'POST': {
			void onMcpPostRequest(request, response);
			break;
		}

		case 'DELETE': {
			onMcpDelete(request, response);
			break;
		}

		default: {
			// GET included: this server offers no standalone SSE stream (the 2025 spec's answer is 405).
			sendText(response, 405, 'Method Not Allowed: POST or DELETE\n', {Allow: 'POST, DELETE'});
		}
	}
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
		() => `Connected editors: ${editors.size}, MCP clients: ${mcpClients()}`,
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
let mcpHttp: http.Server | undefined;
let bridge: WebSocketServer | undefined;
let bridgePort = args.bridgePort;
let shuttingDown = false;

type Listener = {
	once(event: 'listening', listener: () => void): unknown;
	once(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
};

function listening<T extends Listener>(server: T, port: number, what: string): Promise<T> {
	return new Promise((resolve, reject) => {
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

function listen(port: number, what: string): Promise<WebSocketServer> {
	const server = new WebSocketServer({host: '127.0.0.1', port, maxPayload: MAX_BODY_BYTES});
	return listening(server, port, what);
}

/** One port for both: Streamable HTTP at /mcp, and WebSocket upgrades (any path) for the old dialect. */
function listenMcp(port: number): Promise<http.Server> {
	const server = http.createServer(onHttpRequest);
	mcp = new WebSocketServer({noServer: true, maxPayload: MAX_BODY_BYTES});
	server.on('upgrade', (request, socket, head) => {
		mcp!.handleUpgrade(request, socket, head, (websocket) => {
			mcp!.emit('connection', websocket, request);
		});
	});
	server.listen({host: '127.0.0.1', port});
	return listening(server, port, 'MCP');
}

function boundPort(server: {address(): ReturnType<http.Server['address']>}): number {
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

	for (const response of heldReplies) response.destroy();
	mcpHttp?.close();
	mcpHttp?.closeIdleConnections();
	setTimeout(() => process.exit(0), 100);
}

async function main(): Promise<void> {
	log('INFO', `Starting UnrealBlueprintMCP server ${VERSION} (mcptop demo, pid ${process.pid})`);
	try {
		bridge = await listen(args.bridgePort, 'Unreal plugin bridge');
		bridgePort = boundPort(bridge);
		mcpHttp = await listenMcp(args.port);
	} catch (error) {
		const message = (error as Error).message;
		log('ERROR', message);
		process.stderr.write(`${message}\n`);
		process.exit(1);
	}

	const mcpPort = boundPort(mcpHttp);

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

	mcp!.on('connection', (socket, request) => {
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

	const httpUrl = `http://127.0.0.1:${mcpPort}${MCP_PATH}`;
	const wsUrl = `ws://127.0.0.1:${mcpPort}`;
	log('INFO', `MCP server listening on ${httpUrl} (Streamable HTTP) and ${wsUrl} (WebSocket)`);
	log('INFO', `Unreal plugin bridge listening on ws://127.0.0.1:${bridgePort}`);
	process.stdout.write(
		`listening mcp=${httpUrl} ws=${wsUrl} bridge=ws://127.0.0.1:${bridgePort} demo-id=${args.demoId}\n`,
	);

	setInterval(growCache, 4000).unref();
	setInterval(expireIdleSessions, 60_000).unref();
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
