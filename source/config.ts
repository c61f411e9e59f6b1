import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {transportSettings, type Config} from './types.js';

export function stateHome(): string {
	const xdg = process.env['XDG_STATE_HOME'];
	return path.join(
		xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state'),
		'mcptop',
	);
}

/** Built-in defaults: the UnrealBlueprintMCP profile (SPEC 1, 3, 4, 7). */
export function defaultConfig(): Config {
	return {
		profile: 'unreal-blueprint-mcp',
		intervalMs: 1000,
		endpoint: {
			url: 'http://127.0.0.1:6277',
			transport: 'auto',
			timeoutMs: 5000,
			tokenEnv: 'MCPTOP_TOKEN',
			proxyTokenEnv: 'MCP_PROXY_AUTH_TOKEN',
		},
		ports: [
			{port: 6277, name: 'mcp'},
			{port: 8080, name: 'unreal bridge', clients: true},
		],
		process: {match: 'unreal_blueprint_mcp_server'},
		logs: ['/tmp/unreal_blueprint_mcp.log'],
		logBacklogLines: 0,
		alerts: {
			rules: [
				{severity: 'critical', pattern: 'CRITICAL|FATAL|💀'},
				{severity: 'critical', pattern: 'Memory.*exceed|Out of memory'},
				{severity: 'critical', pattern: 'Server.*crash|System.*crash'},
				{severity: 'error', pattern: 'ERROR|❌|Exception|Failed'},
				{severity: 'error', pattern: 'Connection.*lost|WebSocket.*error'},
				{severity: 'error', pattern: 'Validation.*failed|Security.*violation'},
				{severity: 'warning', pattern: 'WARNING|⚠️|WARN'},
				{severity: 'warning', pattern: 'High.*memory|Memory.*leak|Performance.*degraded'},
				{severity: 'warning', pattern: 'Connection.*timeout|Slow.*response'},
			],
			warningBurst: 10,
			warningWindowMs: 5 * 60_000,
		},
		thresholds: {
			system: {
				cpuPercent: 70,
				memoryPercent: 80,
				diskPercent: 85,
				availableMemoryMb: 100,
				freeDiskGb: 1,
			},
			process: {cpuPercent: 50, rssMb: 500, rssGrowthMb: 50, leakMbPerSec: 0.1, leakSamples: 10},
			latency: {excellentMs: 100, goodMs: 500, acceptableMs: 1000},
		},
		latency: {window: 120},
		project: {
			dir: process.cwd(),
			python: 'mcp_server_env/bin/python',
			packages: ['fastmcp', 'websockets', 'pydantic', 'psutil'],
			files: [
				'unreal_blueprint_mcp_server.py',
				'memory_manager.py',
				'security_utils.py',
				'.env',
				'requirements.txt',
			],
		},
		restart: {
			command: 'python unreal_blueprint_mcp_server.py',
			logFile: '/tmp/mcp_server.log',
			graceMs: 10_000,
			readyTimeoutMs: 15_000,
			backupFirst: false,
		},
		backup: {dir: path.join(stateHome(), 'backups'), keep: 20},
		stateDir: stateHome(),
		analysis: {
			tools: ['get_server_status', 'list_supported_blueprint_classes', 'test_unreal_connection'],
			iterations: 10,
			workers: 10,
			requests: 20,
		},
		readOnly: false,
		color: true,
	};
}

/** A mistake the operator can fix: printed as one line, exit code 2. */
export class ConfigError extends Error {
	override name = 'ConfigError';
}

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};

const pathKeys = new Set(['project.dir', 'restart.logFile', 'backup.dir', 'stateDir']);
const severities = new Set(['critical', 'error', 'warning']);

export function expandHome(p: string): string {
	if (p === '~') return os.homedir();
	if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
	return p;
}

function resolvePath(p: string, baseDir: string): string {
	const expanded = expandHome(p);
	return path.isAbsolute(expanded) ? expanded : path.resolve(baseDir, expanded);
}

function typeName(v: unknown): string {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'array';
	return typeof v;
}

export function checkRegex(pattern: string, key: string): void {
	try {
		new RegExp(pattern, 'i');
	} catch (error) {
		const why =
			error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : '';
		throw new ConfigError(`${key}: bad regular expression ${JSON.stringify(pattern)} (${why})`);
	}
}

export function checkUrl(url: string, key: string): void {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new ConfigError(
			`${key}: ${JSON.stringify(url)} is not a URL (expected ws://host:port or http://host:port/path)`,
		);
	}
	if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) {
		throw new ConfigError(
			`${key}: ${JSON.stringify(url)} must start with ws://, wss://, http:// or https://`,
		);
	}
}

function checkPort(value: unknown, key: string): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
		throw new ConfigError(
			`${key}: must be a port number from 1 to 65535 (got ${JSON.stringify(value)})`,
		);
	}
	return value;
}

function checkStringArray(value: unknown, key: string): string[] {
	if (!Array.isArray(value))
		throw new ConfigError(`${key}: must be an array of strings (got ${typeName(value)})`);
	value.forEach((item, i) => {
		if (typeof item !== 'string' || item === '') {
			throw new ConfigError(`${key}[${i}]: must be a non-empty string (got ${typeName(item)})`);
		}
	});
	return value as string[];
}

function checkPorts(value: unknown, key: string): Config['ports'] {
	if (!Array.isArray(value))
		throw new ConfigError(
			`${key}: must be an array of {"port": N, "name": "..."} (got ${typeName(value)})`,
		);
	return value.map((item, i) => {
		const k = `${key}[${i}]`;
		if (typeof item !== 'object' || item === null || Array.isArray(item)) {
			throw new ConfigError(
				`${k}: must be an object like {"port": 6277, "name": "mcp"} (got ${typeName(item)})`,
			);
		}
		const entry = item as Record<string, unknown>;
		for (const field of Object.keys(entry)) {
			if (!['port', 'name', 'clients', 'host'].includes(field))
				throw new ConfigError(`${k}.${field}: unknown key (known: port, name, clients, host)`);
		}
		const port = checkPort(entry['port'], `${k}.port`);
		if (entry['name'] !== undefined && typeof entry['name'] !== 'string')
			throw new ConfigError(`${k}.name: must be a string`);
		if (entry['clients'] !== undefined && typeof entry['clients'] !== 'boolean')
			throw new ConfigError(`${k}.clients: must be true or false`);
		if (entry['host'] !== undefined && typeof entry['host'] !== 'string')
			throw new ConfigError(`${k}.host: must be a string`);
		return {
			port,
			name: (entry['name'] as string | undefined) ?? `port ${port}`,
			...(entry['clients'] === undefined ? {} : {clients: entry['clients'] as boolean}),
			...(entry['host'] === undefined ? {} : {host: entry['host'] as string}),
		};
	});
}

function checkRules(value: unknown, key: string): Config['alerts']['rules'] {
	if (!Array.isArray(value))
		throw new ConfigError(`${key}: must be an array of {"severity": "...", "pattern": "..."}`);
	return value.map((item, i) => {
		const k = `${key}[${i}]`;
		const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<
			string,
			unknown
		>;
		if (!severities.has(String(entry['severity'])))
			throw new ConfigError(`${k}.severity: must be "critical", "error" or "warning"`);
		if (typeof entry['pattern'] !== 'string' || entry['pattern'] === '')
			throw new ConfigError(`${k}.pattern: must be a non-empty string`);
		for (const field of Object.keys(entry)) {
			if (field !== 'severity' && field !== 'pattern')
				throw new ConfigError(`${k}.${field}: unknown key (known: severity, pattern)`);
		}
		checkRegex(entry['pattern'], `${k}.pattern`);
		return {
			severity: entry['severity'] as Config['alerts']['rules'][number]['severity'],
			pattern: entry['pattern'],
		};
	});
}

/** Merge a parsed config file over the defaults, checking every key against the default shape. */
export function mergeConfig(base: Config, input: unknown, baseDir: string): Config {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new ConfigError(`config: must be a JSON object (got ${typeName(input)})`);
	}
	const merged = structuredClone(base) as unknown as Record<string, Json>;
	mergeInto(merged, input as Record<string, unknown>, '', baseDir);
	const config = merged as unknown as Config;
	return config;
}

function mergeInto(
	target: Record<string, Json>,
	input: Record<string, unknown>,
	prefix: string,
	baseDir: string,
): void {
	for (const [field, value] of Object.entries(input)) {
		const key = prefix + field;
		if (!(field in target)) {
			throw new ConfigError(
				`${key}: unknown key${prefix ? '' : ' (see mcptop --print-config for the known keys)'}`,
			);
		}
		const current = target[field];
		switch (key) {
			case 'ports':
				target[field] = checkPorts(value, key) as Json;
				continue;
			case 'alerts.rules':
				target[field] = checkRules(value, key) as Json;
				continue;
			case 'logs':
				target[field] = checkStringArray(value, key).map((p) => resolvePath(p, baseDir));
				continue;
			default:
		}
		if (Array.isArray(current)) {
			target[field] = checkStringArray(value, key);
		} else if (typeof current === 'object' && current !== null) {
			if (typeof value !== 'object' || value === null || Array.isArray(value)) {
				throw new ConfigError(`${key}: must be an object (got ${typeName(value)})`);
			}
			mergeInto(
				current as Record<string, Json>,
				value as Record<string, unknown>,
				`${key}.`,
				baseDir,
			);
		} else if (typeof current === 'number') {
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				throw new ConfigError(`${key}: must be a number (got ${typeName(value)})`);
			}
			if (value < 0) throw new ConfigError(`${key}: must not be negative (got ${value})`);
			target[field] = value;
		} else if (typeof current === 'boolean') {
			if (typeof value !== 'boolean')
				throw new ConfigError(`${key}: must be true or false (got ${typeName(value)})`);
			target[field] = value;
		} else if (typeof current === 'string') {
			if (typeof value !== 'string')
				throw new ConfigError(`${key}: must be a string (got ${typeName(value)})`);
			target[field] = pathKeys.has(key) ? resolvePath(value, baseDir) : value;
		}
	}
}

/** Checks that cut across keys; run after every layer is merged. */
export function checkConfig(config: Config): Config {
	if (config.intervalMs < 100)
		throw new ConfigError(`intervalMs: ${config.intervalMs} ms is too short (minimum 100)`);
	if (config.endpoint.timeoutMs < 50)
		throw new ConfigError(
			`endpoint.timeoutMs: ${config.endpoint.timeoutMs} ms is too short (minimum 50)`,
		);
	checkUrl(config.endpoint.url, 'endpoint.url');
	if (!transportSettings.includes(config.endpoint.transport))
		throw new ConfigError(
			`endpoint.transport: must be one of ${transportSettings.join(', ')} (got ${JSON.stringify(config.endpoint.transport)})`,
		);
	checkRegex(config.process.match, 'process.match');
	if (config.process.match.trim() === '')
		throw new ConfigError('process.match: must not be empty (it would match every process)');
	if (config.latency.window < 2 || !Number.isInteger(config.latency.window))
		throw new ConfigError('latency.window: must be a whole number ≥ 2');
	if (config.backup.keep < 1 || !Number.isInteger(config.backup.keep))
		throw new ConfigError('backup.keep: must be a whole number ≥ 1');
	for (const [i, p] of config.ports.entries()) checkPort(p.port, `ports[${i}].port`);
	return config;
}

export type LoadedConfigFile = {path: string; data: unknown} | null;

/** The config file: --config PATH, else ./mcptop.config.json, else the user config directory. */
export function findConfigFile(explicit: string | undefined, cwd: string): string | null {
	if (explicit) return resolvePath(explicit, cwd);
	const local = path.join(cwd, 'mcptop.config.json');
	if (fs.existsSync(local)) return local;
	const xdg = process.env['XDG_CONFIG_HOME'];
	const userDir = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
	const user = path.join(userDir, 'mcptop', 'config.json');
	return fs.existsSync(user) ? user : null;
}

export function readConfigFile(file: string): unknown {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why =
			code === 'ENOENT'
				? 'no such file'
				: code === 'EACCES'
					? 'permission denied'
					: code === 'EISDIR'
						? 'is a directory'
						: String(code ?? error);
		throw new ConfigError(`--config: cannot read ${file}: ${why}`);
	}
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		throw new ConfigError(
			`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
		);
	}
}

/** Parse an interval flag: "1000", "500ms", "2s". Bare numbers are milliseconds. */
export function parseDuration(text: string, flag: string): number {
	const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i.exec(text);
	if (!m)
		throw new ConfigError(
			`${flag}: ${JSON.stringify(text)} is not a duration (examples: 1000, 500ms, 2s)`,
		);
	const ms = m[2]?.toLowerCase() === 's' ? Number(m[1]) * 1000 : Number(m[1]);
	if (ms < 100)
		throw new ConfigError(
			`${flag}: ${ms} ms is too short (minimum 100ms)${m[2] ? '' : `; did you mean ${m[1]}s?`}`,
		);
	return Math.round(ms);
}

/** "--port 6277", "--port 6277:mcp", "--port 8080:bridge:clients". */
export function parsePortFlag(text: string): Config['ports'][number] {
	const [portText = '', name, extra] = text.split(':');
	if (!/^\d+$/.test(portText))
		throw new ConfigError(
			`--port: ${JSON.stringify(text)} is not a port (examples: 6277, 6277:mcp, 8080:bridge:clients)`,
		);
	const port = checkPort(Number(portText), '--port');
	if (extra !== undefined && extra !== 'clients')
		throw new ConfigError(`--port: ${JSON.stringify(text)}: the third part may only be "clients"`);
	return {port, name: name || `port ${port}`, ...(extra === 'clients' ? {clients: true} : {})};
}

export type ConfigFlags = {
	config?: string;
	interval?: string;
	endpoint?: string;
	transport?: string;
	port?: string[];
	match?: string;
	log?: string[];
	projectDir?: string;
	stateDir?: string;
	readOnly?: boolean;
	color?: boolean;
};

/** Defaults < config file < flags. Throws ConfigError. */
export function loadConfig(
	flags: ConfigFlags,
	cwd = process.cwd(),
): {config: Config; file: string | null} {
	let config = defaultConfig();
	config.project.dir = cwd;
	const file = findConfigFile(flags.config, cwd);
	if (file) config = mergeConfig(config, readConfigFile(file), path.dirname(file));
	if (flags.interval !== undefined) config.intervalMs = parseDuration(flags.interval, '--interval');
	if (flags.endpoint !== undefined) {
		checkUrl(flags.endpoint, '--endpoint');
		config.endpoint.url = flags.endpoint;
	}
	if (flags.transport !== undefined) {
		if (!(transportSettings as readonly string[]).includes(flags.transport))
			throw new ConfigError(
				`--transport: must be one of ${transportSettings.join(', ')} (got ${JSON.stringify(flags.transport)})`,
			);
		config.endpoint.transport = flags.transport as Config['endpoint']['transport'];
	}
	if (flags.port && flags.port.length > 0) config.ports = flags.port.map(parsePortFlag);
	if (flags.match !== undefined) {
		checkRegex(flags.match, '--match');
		config.process.match = flags.match;
	}
	if (flags.log && flags.log.length > 0) config.logs = flags.log.map((p) => resolvePath(p, cwd));
	if (flags.projectDir !== undefined) config.project.dir = resolvePath(flags.projectDir, cwd);
	if (flags.stateDir !== undefined) {
		config.stateDir = resolvePath(flags.stateDir, cwd);
	}
	if (flags.readOnly) config.readOnly = true;
	if (flags.color === false || (process.env['NO_COLOR'] ?? '') !== '') config.color = false;
	return {config: checkConfig(config), file};
}

/** The bearer token from the environment, never printed. */
export function readToken(config: Config, env = process.env): string | null {
	const value = env[config.endpoint.tokenEnv];
	return value && value.trim() !== '' ? value.trim() : null;
}

/** The MCP Inspector proxy's session token (`X-MCP-Proxy-Auth`) from the environment, never printed. */
export function readProxyToken(config: Config, env = process.env): string | null {
	const value = env[config.endpoint.proxyTokenEnv];
	return value && value.trim() !== '' ? value.trim() : null;
}
