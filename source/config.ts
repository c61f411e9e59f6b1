import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {patternProblem} from './lib/safe-regex.js';
import {labelMatchProblem, parseListen, prometheusUrlProblem} from './metrics/listen.js';
import {safeJson, sanitizeText} from './lib/sanitize.js';
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
			patternFirst: false,
			contextLines: 5,
		},
		history: {maxMb: 256, days: 7},
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
			clean: [],
		},
		backup: {dir: path.join(stateHome(), 'backups'), keep: 20},
		stateDir: stateHome(),
		analysis: {
			tools: ['get_server_status', 'list_supported_blueprint_classes', 'test_unreal_connection'],
			iterations: 10,
			workers: 10,
			requests: 20,
		},
		metrics: {listen: '127.0.0.1:9464', tokenEnv: 'MCPTOP_METRICS_TOKEN', textfile: ''},
		reports: {
			enabled: true,
			everyMs: 5 * 60_000,
			keep: 288,
			maxAgeDays: 7,
			historyMs: 60 * 60_000,
		},
		fleet: {prometheus: '', match: 'job="mcptop"', refreshMs: 5000, timeoutMs: 5000},
		readOnly: false,
		color: true,
	};
}

/** A mistake the operator can fix: printed as one line, exit code 2. */
export class ConfigError extends Error {
	override name = 'ConfigError';
	constructor(message: string) {
		// Keys, paths and values in the message come from the operator's input: a newline or an escape
		// sequence in a key must not become a second line or reach the terminal.
		super(sanitizeText(message));
	}
}

export type NumberBounds = {min: number; max: number; integer: boolean};

const whole = (min: number, max: number): NumberBounds => ({min, max, integer: true});
const real = (min: number, max: number): NumberBounds => ({min, max, integer: false});

/** The dotted path of every number in T (arrays excluded: their items are checked on their own). */
type NumberPaths<T, P extends string = ''> = {
	[K in keyof T & string]: T[K] extends number
		? `${P}${K}`
		: T[K] extends readonly unknown[]
			? never
			: T[K] extends object
				? NumberPaths<T[K], `${P}${K}.`>
				: never;
}[keyof T & string];

export type NumberKey = NumberPaths<Config>;

/**
 * The range of every numeric setting (README "Configuration"). Typed by the Config shape, so a new
 * numeric key does not compile without its bounds. Times stay far below setTimeout's 2^31 - 1 ms,
 * past which Node fires after 1 ms; counts that size a buffer stay small enough to allocate.
 */
export const numberBounds: Record<NumberKey, NumberBounds> = {
	intervalMs: whole(100, 3_600_000),
	'endpoint.timeoutMs': whole(50, 600_000),
	logBacklogLines: whole(0, 100_000),
	'alerts.warningBurst': whole(1, 10_000),
	'alerts.warningWindowMs': whole(1000, 86_400_000),
	'alerts.contextLines': whole(0, 100),
	'history.maxMb': whole(1, 1_048_576),
	'history.days': whole(1, 3650),
	'thresholds.system.cpuPercent': real(0, 100),
	'thresholds.system.memoryPercent': real(0, 100),
	'thresholds.system.diskPercent': real(0, 100),
	'thresholds.system.availableMemoryMb': real(0, 1_048_576),
	'thresholds.system.freeDiskGb': real(0, 1_048_576),
	// Percent of one core, as top shows it: a process on many cores goes past 100.
	'thresholds.process.cpuPercent': real(0, 100_000),
	'thresholds.process.rssMb': real(0, 1_048_576),
	'thresholds.process.rssGrowthMb': real(0, 1_048_576),
	'thresholds.process.leakMbPerSec': real(0, 1024),
	'thresholds.process.leakSamples': whole(2, 10_000),
	'thresholds.latency.excellentMs': real(0, 600_000),
	'thresholds.latency.goodMs': real(0, 600_000),
	'thresholds.latency.acceptableMs': real(0, 600_000),
	'latency.window': whole(2, 10_000),
	'restart.graceMs': whole(0, 600_000),
	'restart.readyTimeoutMs': whole(1000, 600_000),
	'backup.keep': whole(1, 1000),
	// The actions' own limits (latency-analysis.ts, concurrency-test.ts), caught here at start.
	'analysis.iterations': whole(1, 1000),
	'analysis.workers': whole(1, 100),
	'analysis.requests': whole(1, 1000),
	// Reports and the fleet (metrics/, monitor/reports.ts, fleet/): timers stay below 2^31 ms.
	'reports.everyMs': whole(10_000, 86_400_000),
	'reports.keep': whole(1, 100_000),
	'reports.maxAgeDays': whole(1, 3650),
	'reports.historyMs': whole(60_000, 86_400_000),
	'fleet.refreshMs': whole(1000, 3_600_000),
	'fleet.timeoutMs': whole(100, 600_000),
};

export const portBounds = whole(1, 65_535);

function checkNumber(key: string, value: unknown, bounds: NumberBounds): number {
	const range = `${bounds.integer ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}`;
	if (typeof value !== 'number')
		throw new ConfigError(`${key}: must be ${range} (got ${typeName(value)})`);
	if (
		!Number.isFinite(value) ||
		value < bounds.min ||
		value > bounds.max ||
		(bounds.integer && !Number.isInteger(value))
	)
		throw new ConfigError(`${key}: must be ${range} (got ${value})`);
	return value;
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
	// Checked as they run (lib/safe-regex.ts, on RE2): alert rules case-insensitive and by code
	// point (monitor/alert-rules.ts), process.match and --match as written.
	const why = patternProblem(pattern, key.startsWith('alerts.') ? 'iu' : '');
	if (why)
		throw new ConfigError(`${key}: bad regular expression ${JSON.stringify(pattern)} (${why})`);
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
	if (
		typeof value !== 'number' ||
		!Number.isInteger(value) ||
		value < portBounds.min ||
		value > portBounds.max
	) {
		throw new ConfigError(
			`${key}: must be a port number from ${portBounds.min} to ${portBounds.max} (got ${typeof value === 'number' ? value : typeName(value)})`,
		);
	}
	return value;
}

/** `endpoint.url`, or `endpoint["a b"]` for a key that is not a plain name (a typo can be anything). */
function keyPath(prefix: string, field: string): string {
	if (/^[A-Za-z]\w*$/.test(field)) return prefix ? `${prefix}.${field}` : field;
	// Escaped: a control in a key (a C1 OSC introducer) would swallow the rest of the message.
	return `${prefix || 'config'}[${safeJson(field)}]`;
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
				throw new ConfigError(
					`${keyPath(k, field)}: unknown key (known: port, name, clients, host)`,
				);
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

/**
 * restart.clean: globs of files a restart removes. Relative ones are relative to the config file's
 * folder like every path; one ending in "/" (the guide's "/tmp/mcp_cache/") means the folder's
 * contents. A glob that starts too high up is refused when the restart is planned (restart.ts).
 */
function checkCleanGlobs(value: unknown, key: string, baseDir: string): string[] {
	return checkStringArray(value, key).map((pattern) =>
		pattern.endsWith('/')
			? `${resolvePath(pattern, baseDir).replace(/\/+$/, '')}/**`
			: resolvePath(pattern, baseDir),
	);
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
				throw new ConfigError(`${keyPath(k, field)}: unknown key (known: severity, pattern)`);
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
		const key = keyPath(prefix, field);
		// Own keys only: "constructor", "toString" or "__proto__" are typos like any other.
		if (!Object.hasOwn(target, field)) {
			throw new ConfigError(
				`${key}: unknown key ${prefix ? `(known: ${Object.keys(target).join(', ')})` : '(see mcptop --print-config for the known keys)'}`,
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
			case 'restart.clean':
				target[field] = checkCleanGlobs(value, key, baseDir);
				continue;
			case 'metrics.textfile':
				// A path, but "" (the default) means off, so --print-config output loads again.
				if (typeof value !== 'string')
					throw new ConfigError(`${key}: must be a string (got ${typeName(value)})`);
				target[field] = value === '' ? '' : resolvePath(value, baseDir);
				continue;
			default:
		}
		if (Array.isArray(current)) {
			target[field] = checkStringArray(value, key);
		} else if (typeof current === 'object' && current !== null) {
			if (typeof value !== 'object' || value === null || Array.isArray(value)) {
				throw new ConfigError(`${key}: must be an object (got ${typeName(value)})`);
			}
			mergeInto(current as Record<string, Json>, value as Record<string, unknown>, key, baseDir);
		} else if (typeof current === 'number') {
			const bounds = numberBounds[key as NumberKey] as NumberBounds | undefined;
			if (!bounds) throw new Error(`numberBounds has no entry for ${key}`);
			target[field] = checkNumber(key, value, bounds);
		} else if (typeof current === 'boolean') {
			if (typeof value !== 'boolean')
				throw new ConfigError(`${key}: must be true or false (got ${typeName(value)})`);
			target[field] = value;
		} else if (typeof current === 'string') {
			if (typeof value !== 'string')
				throw new ConfigError(`${key}: must be a string (got ${typeName(value)})`);
			if (pathKeys.has(key) && value === '')
				throw new ConfigError(`${key}: must not be empty (use "." for the config file's folder)`);
			target[field] = pathKeys.has(key) ? resolvePath(value, baseDir) : value;
		}
	}
}

function valueAt(config: Config, key: string): unknown {
	let value: unknown = config;
	for (const part of key.split('.')) {
		if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part))
			return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

/** Checks that cut across keys; run after every layer is merged. */
export function checkConfig(config: Config): Config {
	for (const [key, bounds] of Object.entries(numberBounds))
		checkNumber(key, valueAt(config, key), bounds);
	const latency = config.thresholds.latency;
	for (const [lower, upper] of [
		['excellentMs', 'goodMs'],
		['goodMs', 'acceptableMs'],
	] as const) {
		if (latency[upper] < latency[lower])
			throw new ConfigError(
				`thresholds.latency.${upper}: must not be below thresholds.latency.${lower} (${latency[upper]} < ${latency[lower]})`,
			);
	}
	checkUrl(config.endpoint.url, 'endpoint.url');
	if (!transportSettings.includes(config.endpoint.transport))
		throw new ConfigError(
			`endpoint.transport: must be one of ${transportSettings.join(', ')} (got ${JSON.stringify(config.endpoint.transport)})`,
		);
	checkRegex(config.process.match, 'process.match');
	if (config.process.match.trim() === '')
		throw new ConfigError('process.match: must not be empty (it would match every process)');
	for (const [i, p] of config.ports.entries()) checkPort(p.port, `ports[${i}].port`);
	checkMetricsConfig(config);
	return config;
}

/** metrics.*, fleet.*: the listen address, the Prometheus URL and its label matchers. */
function checkMetricsConfig(config: Config): void {
	const listen = parseListen(config.metrics.listen);
	if (typeof listen === 'string') throw new ConfigError(`metrics.listen: ${listen}`);
	if (config.fleet.prometheus !== '') {
		const why = prometheusUrlProblem(config.fleet.prometheus);
		if (why) throw new ConfigError(`fleet.prometheus: ${why}`);
	}
	const match = labelMatchProblem(config.fleet.match);
	if (match) throw new ConfigError(`fleet.match: ${match}`);
}

export type LoadedConfigFile = {path: string; data: unknown} | null;

/** The config file: --config PATH, else ./mcptop.config.json, else the user config directory. */
export function findConfigFile(explicit: string | undefined, cwd: string): string | null {
	if (explicit !== undefined) return resolvePath(explicit, cwd);
	const local = path.join(cwd, 'mcptop.config.json');
	if (fs.existsSync(local)) return local;
	const xdg = process.env['XDG_CONFIG_HOME'];
	const userDir = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
	const user = path.join(userDir, 'mcptop', 'config.json');
	return fs.existsSync(user) ? user : null;
}

/** Far above any real config; a path to a log or a disk image is refused before it is read. */
export const configSizeLimit = 1024 * 1024;

function formatSize(bytes: number): string {
	const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
	if (bytes < 1024) return `${bytes} bytes`;
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(1)} ${units[unit]}`;
}

function fileKind(stats: fs.Stats): string {
	if (stats.isDirectory()) return 'a directory';
	if (stats.isFIFO()) return 'a FIFO';
	if (stats.isSocket()) return 'a socket';
	if (stats.isCharacterDevice()) return 'a character device';
	if (stats.isBlockDevice()) return 'a block device';
	return 'not a regular file';
}

function openErrorText(error: unknown, file: string): string {
	const code = (error as NodeJS.ErrnoException).code;
	switch (code) {
		case 'ENOENT':
			return 'no such file';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EISDIR':
			return 'not a regular file (a directory)';
		case 'ENOTDIR':
			return 'a part of the path is not a directory';
		case 'ELOOP':
			return 'too many levels of symbolic links';
		case 'ENAMETOOLONG':
			return 'the path is too long';
		case 'ERR_INVALID_ARG_VALUE':
		case 'ERR_INVALID_ARG_TYPE':
			return 'the path contains a NUL character';
		case 'ENXIO': {
			// What open() says for a Unix socket.
			try {
				return `not a regular file (${fileKind(fs.statSync(file))})`;
			} catch {
				return 'no such device';
			}
		}
		default:
			return code ?? (error instanceof Error ? error.message : String(error));
	}
}

const sizeLimitText = `the ${formatSize(configSizeLimit).replace('.0 ', ' ')} a config may be`;

function tooBig(size: number): string {
	// "1.0 MiB, more than the 1 MiB" would read as a contradiction: give the bytes then.
	const shown =
		formatSize(size) === formatSize(configSizeLimit) ? `${size} bytes` : formatSize(size);
	return `${shown}, more than ${sizeLimitText}`;
}

/**
 * Reads a config: a regular file of at most configSizeLimit bytes. `source` names where the path came
 * from in messages: "--config", or "config" for a file found on its own.
 */
export function readConfigFile(file: string, source = '--config'): unknown {
	const refuse = (why: string) => new ConfigError(`${source}: cannot read ${file}: ${why}`);
	let fd: number;
	try {
		// O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. Windows has no such flag
		// (and no FIFOs in the file system).
		fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
	} catch (error) {
		throw refuse(openErrorText(error, file));
	}
	let text: string;
	try {
		const stats = fs.fstatSync(fd);
		if (!stats.isFile()) throw refuse(`not a regular file (${fileKind(stats)})`);
		if (stats.size > configSizeLimit) throw refuse(tooBig(stats.size));
		// One byte more than the cap tells a file that grew after fstat (or that reports no size).
		const buffer = Buffer.alloc(configSizeLimit + 1);
		let length = 0;
		for (;;) {
			const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
			if (n === 0) break;
			length += n;
			if (length === buffer.length) throw refuse(`more than ${sizeLimitText}`);
		}
		text = buffer.toString('utf8', 0, length);
	} catch (error) {
		if (error instanceof ConfigError) throw error;
		throw refuse(openErrorText(error, file));
	} finally {
		fs.closeSync(fd);
	}
	try {
		return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
	} catch (error) {
		throw new ConfigError(
			`${source}: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
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
	const {min, max} = numberBounds.intervalMs;
	if (ms < min)
		throw new ConfigError(
			`${flag}: ${ms} ms is too short (minimum ${min}ms)${m[2] ? '' : `; did you mean ${m[1]}s?`}`,
		);
	if (ms > max) throw new ConfigError(`${flag}: ${ms} ms is too long (maximum ${max}ms, one hour)`);
	return Math.round(ms);
}

/** "--port 6277", "--port 6277:mcp", "--port 8080:bridge:clients". */
export function parsePortFlag(text: string): Config['ports'][number] {
	const [portText = '', name, extra, ...more] = text.split(':');
	if (!/^\d+$/.test(portText) || more.length > 0)
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
	metricsListen?: string;
	textfile?: string;
	prometheus?: string;
};

const valueFlags = {
	config: '--config',
	interval: '--interval',
	endpoint: '--endpoint',
	transport: '--transport',
	match: '--match',
	projectDir: '--project-dir',
	stateDir: '--state-dir',
	metricsListen: '--metrics-listen',
	textfile: '--textfile',
	prometheus: '--prometheus',
} as const;
const listFlags = {port: '--port', log: '--log'} as const;

/** An empty value is a mistake (`--config "$UNSET"`), as an empty string is in the config file. */
function checkEmptyFlags(flags: ConfigFlags): void {
	for (const [name, flag] of Object.entries(valueFlags)) {
		if (flags[name as keyof typeof valueFlags] === '')
			throw new ConfigError(`${flag}: must not be empty`);
	}
	for (const [name, flag] of Object.entries(listFlags)) {
		if (flags[name as keyof typeof listFlags]?.includes(''))
			throw new ConfigError(`${flag}: must not be empty`);
	}
	if (flags.match !== undefined && flags.match.trim() === '')
		throw new ConfigError('--match: must not be blank (it would match every process)');
}

/** Defaults < config file < flags. Throws ConfigError. */
export function loadConfig(
	flags: ConfigFlags,
	cwd = process.cwd(),
): {config: Config; file: string | null} {
	checkEmptyFlags(flags);
	let config = defaultConfig();
	config.project.dir = cwd;
	const file = findConfigFile(flags.config, cwd);
	if (file) {
		const data = readConfigFile(file, flags.config === undefined ? 'config' : '--config');
		config = mergeConfig(config, data, path.dirname(file));
	}
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
	if (flags.metricsListen !== undefined) {
		const listen = parseListen(flags.metricsListen);
		if (typeof listen === 'string') throw new ConfigError(`--metrics-listen: ${listen}`);
		config.metrics.listen = flags.metricsListen;
	}
	if (flags.textfile !== undefined) config.metrics.textfile = resolvePath(flags.textfile, cwd);
	if (flags.prometheus !== undefined) {
		const why = prometheusUrlProblem(flags.prometheus);
		if (why) throw new ConfigError(`--prometheus: ${why}`);
		config.fleet.prometheus = flags.prometheus;
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
