import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	checkConfig,
	defaultConfig,
	loadConfig,
	mergeConfig,
	numberBounds,
	parseDuration,
	parsePortFlag,
	type ConfigFlags,
} from '../source/config.js';
import {errorOf} from './helpers/config-error.js';

const made: string[] = [];
function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-config-bounds-'));
	made.push(dir);
	return dir;
}
after(() => {
	for (const dir of made) fs.rmSync(dir, {recursive: true, force: true});
});

const merge = (input: unknown) => checkConfig(mergeConfig(defaultConfig(), input, '/base'));

/** {a: {b: 1}} for "a.b" = 1. */
function nested(key: string, value: unknown): Record<string, unknown> {
	return key.split('.').reduceRight<unknown>((inner, part) => ({[part]: inner}), value) as Record<
		string,
		unknown
	>;
}

function numericPaths(value: unknown, prefix = ''): string[] {
	if (typeof value === 'number') return [prefix];
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
	return Object.entries(value).flatMap(([k, v]) => numericPaths(v, prefix ? `${prefix}.${k}` : k));
}

test('every numeric setting has bounds, and every default is inside them', () => {
	assert.deepEqual(Object.keys(numberBounds).sort(), numericPaths(defaultConfig()).sort());
	for (const [key, b] of Object.entries(numberBounds)) {
		assert.ok(b.min < b.max, key);
		// Longer timers than this fire after 1 ms in Node.
		if (key.endsWith('Ms')) assert.ok(b.max < 2 ** 31 - 1, key);
	}
	assert.doesNotThrow(() => checkConfig(defaultConfig()));
});

test('each bound is enforced with "key: must be … from A to B (got X)"', () => {
	for (const [key, b] of Object.entries(numberBounds)) {
		const kind = b.integer ? 'a whole number' : 'a number';
		const expected = (got: string) =>
			`${key}: must be ${kind} from ${b.min} to ${b.max} (got ${got})`;
		assert.equal(
			errorOf(() => merge(nested(key, b.min - 1))),
			expected(String(b.min - 1)),
		);
		assert.equal(
			errorOf(() => merge(nested(key, b.max + 1))),
			expected(String(b.max + 1)),
		);
		assert.equal(
			errorOf(() => merge(nested(key, 1e308))),
			expected('1e+308'),
		);
		assert.equal(
			errorOf(() => merge(nested(key, String(b.min)))),
			expected('string'),
		);
		assert.equal(
			errorOf(() => merge(nested(key, null))),
			expected('null'),
		);
		if (b.integer)
			assert.equal(
				errorOf(() => merge(nested(key, b.min + 0.5))),
				expected(String(b.min + 0.5)),
			);
		// The ends are allowed (the latency bands must also stay in order: set all three).
		for (const edge of [b.min, b.max]) {
			const input = key.startsWith('thresholds.latency.')
				? {thresholds: {latency: {excellentMs: edge, goodMs: edge, acceptableMs: edge}}}
				: nested(key, edge);
			assert.doesNotThrow(() => merge(input), `${key} = ${edge}`);
		}
	}
});

test('an interval of 3e9 ms is refused, not turned into a 1 ms busy loop', () => {
	assert.equal(
		errorOf(() => merge({intervalMs: 3e9})),
		'intervalMs: must be a whole number from 100 to 3600000 (got 3000000000)',
	);
	assert.equal(
		errorOf(() => parseDuration('3000000000', '--interval')),
		'--interval: 3000000000 ms is too long (maximum 3600000ms, one hour)',
	);
	assert.match(
		errorOf(() => parseDuration('3601s', '--interval')),
		/^--interval: .*too long/,
	);
	assert.equal(parseDuration('3600s', '--interval'), 3_600_000);
	assert.equal(
		errorOf(() => merge({restart: {graceMs: 2 ** 31}})),
		'restart.graceMs: must be a whole number from 0 to 600000 (got 2147483648)',
	);
});

test('checkConfig applies the same bounds to values that did not come from a file', () => {
	const config = defaultConfig();
	config.latency.window = 1e9;
	assert.match(
		errorOf(() => checkConfig(config)),
		/^latency\.window: must be a whole number from 2/,
	);
	const nan = defaultConfig();
	nan.thresholds.system.cpuPercent = Number.NaN;
	assert.equal(
		errorOf(() => checkConfig(nan)),
		'thresholds.system.cpuPercent: must be a number from 0 to 100 (got NaN)',
	);
});

test('latency bands must be in order', () => {
	assert.equal(
		errorOf(() => merge({thresholds: {latency: {goodMs: 50}}})),
		'thresholds.latency.goodMs: must not be below thresholds.latency.excellentMs (50 < 100)',
	);
	assert.equal(
		errorOf(() => merge({thresholds: {latency: {acceptableMs: 400}}})),
		'thresholds.latency.acceptableMs: must not be below thresholds.latency.goodMs (400 < 500)',
	);
});

test('ports are whole numbers from 1 to 65535, in the file and in --port', () => {
	assert.equal(
		errorOf(() => merge({ports: [{port: 0}]})),
		'ports[0].port: must be a port number from 1 to 65535 (got 0)',
	);
	assert.equal(
		errorOf(() => merge({ports: [{port: 80.5}]})),
		'ports[0].port: must be a port number from 1 to 65535 (got 80.5)',
	);
	assert.equal(
		errorOf(() => merge({ports: [{port: '80'}]})),
		'ports[0].port: must be a port number from 1 to 65535 (got string)',
	);
	assert.match(
		errorOf(() => parsePortFlag('65536')),
		/^--port: must be a port number/,
	);
	assert.match(
		errorOf(() => parsePortFlag('1:a:clients:x')),
		/^--port: "1:a:clients:x" is not a port/,
	);
});

test('keys named like Object.prototype members are unknown keys like any other', () => {
	const names = [
		'constructor',
		'toString',
		'valueOf',
		'hasOwnProperty',
		'isPrototypeOf',
		'propertyIsEnumerable',
		'toLocaleString',
		'__proto__',
		'__defineGetter__',
		'__lookupSetter__',
	];
	for (const name of names) {
		// JSON.parse makes "__proto__" an own key, as a config file would.
		const top = JSON.parse(`{${JSON.stringify(name)}: {"polluted": 1}}`) as unknown;
		assert.match(
			errorOf(() => merge(top)),
			new RegExp(`^(${name}|config\\["${name}"\\]): unknown key`),
		);
		const inner = JSON.parse(`{"endpoint": {${JSON.stringify(name)}: 1}}`) as unknown;
		assert.match(
			errorOf(() => merge(inner)),
			new RegExp(`^endpoint(\\.${name}|\\["${name}"\\]): unknown key \\(known: url, transport`),
		);
		const port = JSON.parse(`{"ports": [{"port": 1, ${JSON.stringify(name)}: 1}]}`) as unknown;
		assert.match(
			errorOf(() => merge(port)),
			/^ports\[0\].*: unknown key/,
		);
		const rule = JSON.parse(
			`{"alerts": {"rules": [{"severity": "error", "pattern": "x", ${JSON.stringify(name)}: 1}]}}`,
		) as unknown;
		assert.match(
			errorOf(() => merge(rule)),
			/^alerts\.rules\[0\].*: unknown key/,
		);
	}
	assert.equal(
		({} as Record<string, unknown>)['polluted'],
		undefined,
		'Object.prototype untouched',
	);
});

test('a key that is not a plain name is quoted, so the message stays one line and names it', () => {
	assert.equal(
		errorOf(() => merge({'a\nb': 1})),
		'config["a\\nb"]: unknown key (see mcptop --print-config for the known keys)',
	);
	assert.match(
		errorOf(() => merge({endpoint: {'': 1}})),
		/^endpoint\[""\]: unknown key/,
	);
	assert.doesNotMatch(
		errorOf(() => merge({'\u001b[31mred': 1})),
		/\u001b/,
	);
});

test('empty flag values are errors naming the flag', () => {
	const dir = tempDir();
	const cases: Array<[ConfigFlags, string]> = [
		[{config: ''}, '--config: must not be empty'],
		[{interval: ''}, '--interval: must not be empty'],
		[{endpoint: ''}, '--endpoint: must not be empty'],
		[{transport: ''}, '--transport: must not be empty'],
		[{match: ''}, '--match: must not be empty'],
		[{match: '  '}, '--match: must not be blank (it would match every process)'],
		[{projectDir: ''}, '--project-dir: must not be empty'],
		[{stateDir: ''}, '--state-dir: must not be empty'],
		[{log: ['a.log', '']}, '--log: must not be empty'],
		[{port: ['']}, '--port: must not be empty'],
	];
	for (const [flags, message] of cases)
		assert.equal(
			errorOf(() => loadConfig(flags, dir)),
			message,
		);
});

test('--config "" is an error, not "search for a config" (a config in the folder stays unread)', () => {
	const dir = tempDir();
	fs.writeFileSync(path.join(dir, 'mcptop.config.json'), '{"intervalMs": 2000}');
	assert.equal(loadConfig({}, dir).config.intervalMs, 2000);
	assert.equal(
		errorOf(() => loadConfig({config: ''}, dir)),
		'--config: must not be empty',
	);
});

test('an empty path in the config file is an error, as it is for the flags', () => {
	for (const key of ['project.dir', 'restart.logFile', 'backup.dir', 'stateDir']) {
		assert.equal(
			errorOf(() => merge(nested(key, ''))),
			`${key}: must not be empty (use "." for the config file's folder)`,
		);
	}
	assert.equal(merge({project: {dir: '.'}}).project.dir, '/base');
	// An empty command or python still means "none" and "python3 from PATH".
	assert.equal(merge({restart: {command: ''}, project: {python: ''}}).restart.command, '');
});
