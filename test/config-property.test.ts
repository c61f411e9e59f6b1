import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
	ConfigError,
	checkConfig,
	defaultConfig,
	loadConfig,
	mergeConfig,
	numberBounds,
	type ConfigFlags,
	type NumberBounds,
} from '../source/config.js';
import {safeJson, sanitizeText} from '../source/lib/sanitize.js';
import {transportSettings, type Config} from '../source/types.js';

// Random configs and flag lists, valid and not: the validator never crashes, every rejection is a
// ConfigError whose one line starts with the key path or the flag, and what it accepts is stable.

const runs = 300;

let dir: string;
let fifo: string;
const savedConfigHome = process.env['XDG_CONFIG_HOME'];
before(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-config-prop-'));
	fs.mkdirSync(path.join(dir, 'work'));
	fs.mkdirSync(path.join(dir, 'user-config'));
	fs.writeFileSync(path.join(dir, 'good.json'), '{"intervalMs": 2000}');
	fifo = path.join(dir, 'fifo');
	execFileSync('mkfifo', [fifo]);
	// Never the real user's config.
	process.env['XDG_CONFIG_HOME'] = path.join(dir, 'user-config');
});
after(() => {
	if (savedConfigHome === undefined) delete process.env['XDG_CONFIG_HOME'];
	else process.env['XDG_CONFIG_HOME'] = savedConfigHome;
	fs.rmSync(dir, {recursive: true, force: true});
});

/** A key path (`alerts.rules[0].severity`, `endpoint["a b"]`, `config["__proto__"]`) or a flag. */
const namesItsKey = /^(?:[a-zA-Z]\w*(?:\.[a-zA-Z]\w*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*|--[a-z-]+):/;

function accepted(fn: () => Config): Config | null {
	try {
		return fn();
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		assert.match(error.message, namesItsKey);
		assert.doesNotMatch(error.message, /[\n\r\u001b]/);
		return null;
	}
}

/** Accepted means stable: checked again, and loaded again from its own --print-config output. */
function assertStable(config: Config): void {
	assert.deepEqual(checkConfig(structuredClone(config)), config);
	const printed = JSON.parse(JSON.stringify(config)) as unknown;
	assert.deepEqual(checkConfig(mergeConfig(defaultConfig(), printed, '/elsewhere')), config);
	for (const [key, b] of Object.entries(numberBounds)) {
		const value = key
			.split('.')
			.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
		assert.ok(typeof value === 'number' && value >= b.min && value <= b.max, key);
		if (b.integer) assert.ok(Number.isInteger(value), key);
	}
}

const prototypeNames = [
	'constructor',
	'toString',
	'valueOf',
	'hasOwnProperty',
	'__proto__',
	'__defineGetter__',
	'isPrototypeOf',
];

const oddNumbers = fc.constantFrom(
	0,
	-0,
	-1,
	0.5,
	1e308,
	-1e308,
	3e9,
	2 ** 31,
	2 ** 53,
	Number.MAX_VALUE,
	Number.MIN_VALUE,
	Number.NaN,
	Number.POSITIVE_INFINITY,
);
const nanIsh = fc.constantFrom(
	'NaN',
	'Infinity',
	'-1',
	'1e3',
	'0x10',
	' 100 ',
	'',
	'１００',
	'1_000',
);
const garbage = fc.oneof(
	fc.jsonValue({maxDepth: 2}),
	oddNumbers,
	nanIsh,
	fc.string({unit: 'binary', maxLength: 8}),
	fc.constant(undefined),
);
const key = fc.oneof(
	fc.constantFrom(...prototypeNames),
	fc.string({maxLength: 6}),
	fc.string({unit: 'binary', maxLength: 4}),
);

function numberFor(b: NumberBounds, bad = true): fc.Arbitrary<unknown> {
	const inRange = b.integer
		? fc.integer({min: b.min, max: b.max})
		: fc.double({min: b.min, max: b.max, noNaN: true});
	if (!bad) return inRange;
	return fc.oneof(
		{weight: 6, arbitrary: inRange},
		{weight: 1, arbitrary: fc.integer({min: b.min - 5, max: b.max + 5})},
		{weight: 1, arbitrary: oddNumbers},
		{weight: 1, arbitrary: garbage},
	);
}

/** The right kind of value, or (when `bad`) now and then anything at all. */
function mix(good: fc.Arbitrary<unknown>, bad: boolean, badOnes = garbage): fc.Arbitrary<unknown> {
	return bad ? fc.oneof({weight: 4, arbitrary: good}, {weight: 1, arbitrary: badOnes}) : good;
}

const goodString = fc.constantFrom('x', '.', '~/x', 'a/b', 'name with spaces');
const goodList = fc.array(fc.string({minLength: 1, maxLength: 6}), {maxLength: 3});

function special(at: string, bad: boolean): fc.Arbitrary<unknown> | undefined {
	switch (at) {
		case 'ports': {
			const entry = fc.record(
				{
					port: mix(fc.integer({min: 1, max: 65_535}), bad),
					name: mix(fc.string({maxLength: 8}), bad),
					clients: mix(fc.boolean(), bad),
					host: mix(fc.constant('127.0.0.1'), bad),
				},
				{requiredKeys: ['port']},
			);
			return mix(fc.array(entry, {maxLength: 3}), bad);
		}
		case 'alerts.rules': {
			const patterns = bad
				? ['ERROR', 'a|b', '(', '[z-a]', '\\', 'x{2,1}']
				: ['ERROR', 'a|b', 'x+'];
			const rule = fc.record({
				severity: mix(fc.constantFrom('critical', 'error', 'warning'), bad),
				pattern: fc.constantFrom(...patterns),
			});
			return mix(fc.array(rule, {maxLength: 3}), bad);
		}
		case 'endpoint.url':
			return bad
				? mix(fc.constantFrom('http://127.0.0.1:6277', 'ws://h:1/x', 'ftp://x', 'x'), bad)
				: fc.constantFrom('http://127.0.0.1:6277', 'ws://h:1/x', 'https://h/mcp');
		case 'endpoint.transport':
			return mix(fc.constantFrom(...transportSettings, ...(bad ? ['grpc', 'SSE'] : [])), bad);
		case 'process.match':
			return mix(fc.constantFrom('server', 'a{2}', ...(bad ? ['', ' ', '('] : [])), bad);
		case 'metrics.listen':
			return mix(
				fc.constantFrom('127.0.0.1:9464', '[::1]:1', ':9464', ...(bad ? ['9464', 'h:70000'] : [])),
				bad,
			);
		case 'fleet.prometheus':
			return mix(
				fc.constantFrom(
					'',
					'http://127.0.0.1:9090',
					'https://p/x',
					...(bad ? ['ftp://x', 'x'] : []),
				),
				bad,
			);
		case 'fleet.match':
			return mix(
				fc.constantFrom('job="mcptop"', 'job="a",site=~"b.*"', ...(bad ? ['x', '', 'job=x'] : [])),
				bad,
			);
		case 'thresholds.latency': {
			if (bad) return undefined;
			// In range and in order: excellent ≤ good ≤ acceptable.
			const ms = fc.double({min: 0, max: 600_000, noNaN: true});
			// (Left out now and then by the record around it.)
			return fc
				.tuple(ms, ms, ms)
				.map((t) => t.sort((a, b) => a - b))
				.map(([excellentMs, goodMs, acceptableMs]) => ({excellentMs, goodMs, acceptableMs}));
		}
		default:
			return undefined;
	}
}

/**
 * An arbitrary shaped like `value` (the default at `at`). Not `bad`: always a valid config. `bad`:
 * mostly the right types, sometimes garbage, stray keys and prototype names.
 */
function shaped(value: unknown, at: string, bad: boolean): fc.Arbitrary<unknown> {
	const given = special(at, bad);
	if (given) return given;
	const b = (numberBounds as Record<string, NumberBounds>)[at];
	if (b) return bad ? numberFor(b) : numberFor(b, false);
	if (typeof value === 'boolean') return mix(fc.boolean(), bad);
	if (typeof value === 'string') return mix(goodString, bad, fc.oneof(garbage, fc.constant('')));
	if (Array.isArray(value)) return mix(goodList, bad);
	const model = Object.fromEntries(
		Object.entries(value as Record<string, unknown>).map(([k, v]) => [
			k,
			shaped(v, at ? `${at}.${k}` : k, bad),
		]),
	);
	const known = fc.record(model, {requiredKeys: []});
	if (!bad) return known;
	const extra = fc.array(fc.tuple(key, garbage), {maxLength: 1});
	return mix(
		fc.tuple(known, extra).map(([object, pairs]) => withKeys(object, pairs)),
		bad,
	);
}

/** Own enumerable keys, "__proto__" too (as JSON.parse makes them). */
function withKeys<T extends object>(object: T, pairs: Array<[string, unknown]>): T {
	for (const [k, v] of pairs)
		Object.defineProperty(object, k, {
			value: v,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	return object;
}

const goodConfig = shaped(defaultConfig(), '', false);
const anyConfig = shaped(defaultConfig(), '', true);

const flagValue = (examples: string[]) =>
	fc.oneof(
		{weight: 4, arbitrary: fc.constantFrom(...examples)},
		{weight: 1, arbitrary: fc.constantFrom('', ' ', '-', '--')},
		{weight: 1, arbitrary: fc.string({maxLength: 10})},
		{weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 6})},
	);

const flags: fc.Arbitrary<ConfigFlags> = fc
	.record(
		{
			config: fc.oneof(
				flagValue(['missing.json', '/dev/zero', '/dev/null', '.', 'mcptop.config.json']),
				fc.constant('FIFO'),
				fc.constant('GOOD'),
			),
			interval: flagValue(['1000', '500ms', '2s', '1', '3000000000', '-5', 'NaN', '1.5s', '3600s']),
			endpoint: flagValue(['http://127.0.0.1:1', 'ws://x:2/ws', 'localhost:6277', 'ftp://x']),
			transport: flagValue([...transportSettings, 'SSE', 'grpc']),
			port: fc.array(
				flagValue(['6277', '1:a', '8080:b:clients', '0', '65536', '1:a:b', '1:a:clients:x']),
				{
					maxLength: 3,
				},
			),
			match: flagValue(['server', '(', 'a{2}', '*x']),
			log: fc.array(flagValue(['a.log', '~/x.log', '/tmp/*.log']), {maxLength: 3}),
			projectDir: flagValue(['.', '~/p', '/abs']),
			stateDir: flagValue(['.', '~/s', '/abs']),
			readOnly: fc.boolean(),
			color: fc.boolean(),
		},
		{requiredKeys: []},
	)
	.map((f) => ({
		...f,
		...(f.config === 'FIFO' ? {config: fifo} : {}),
		...(f.config === 'GOOD' ? {config: path.join(dir, 'good.json')} : {}),
	}));

function leafPaths(value: unknown, at = ''): Array<[string, unknown]> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return [[at, value]];
	return Object.entries(value).flatMap(([k, v]) => leafPaths(v, at ? `${at}.${k}` : k));
}
function objectPaths(value: unknown, at = ''): string[] {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
	return [at, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, at ? `${at}.${k}` : k))];
}
/** The object at `at` (a dotted path, "" for the top), made when missing. */
function objectAt(object: Record<string, unknown>, at: string): Record<string, unknown> {
	let target = object;
	for (const part of at ? at.split('.') : []) {
		const next = target[part];
		target = (typeof next === 'object' && next !== null ? next : (target[part] = {})) as Record<
			string,
			unknown
		>;
	}
	return target;
}
function setAt(object: Record<string, unknown>, at: string, value: unknown): void {
	const parts = at.split('.');
	const last = parts.pop() ?? '';
	withKeys(objectAt(object, parts.join('.')), [[last, value]]);
}

/** A value the key at `at` (whose default is `value`) must refuse. */
function wrongFor(at: string, value: unknown): fc.Arbitrary<unknown> {
	const b = (numberBounds as Record<string, NumberBounds>)[at];
	if (b)
		return fc
			.oneof(
				oddNumbers,
				fc.constant(b.min - 1),
				fc.constant(b.max + 1),
				fc.constant(b.min + 0.5),
				garbage,
			)
			.filter(
				(v) =>
					typeof v !== 'number' ||
					!(v >= b.min && v <= b.max && (!b.integer || Number.isInteger(v))),
			);
	if (typeof value === 'boolean') return garbage.filter((v) => typeof v !== 'boolean');
	if (typeof value === 'string') return garbage.filter((v) => typeof v !== 'string');
	return fc.oneof(garbage, fc.constant([''])).filter((v) => !Array.isArray(v) || v.includes(''));
}

const mutableLeaves = leafPaths(defaultConfig()).filter(
	([at]) =>
		!['ports', 'alerts.rules', 'endpoint.url', 'endpoint.transport', 'process.match'].includes(at),
);

function keyPath(prefix: string, field: string): string {
	if (/^[A-Za-z]\w*$/.test(field)) return prefix ? `${prefix}.${field}` : field;
	// Escaped: a control in a key (a C1 OSC introducer) would swallow the rest of the message.
	return `${prefix || 'config'}[${safeJson(field)}]`;
}

test('every valid config is accepted, and stays the same when checked or loaded again', () => {
	fc.assert(
		fc.property(goodConfig, (input) => {
			assertStable(checkConfig(mergeConfig(defaultConfig(), input, '/base')));
		}),
		{numRuns: runs},
	);
});

test('one wrong value in a valid config is refused with a message naming that key', () => {
	const mutation = fc
		.constantFrom(...mutableLeaves)
		.chain(([at, value]) => fc.tuple(fc.constant(at), wrongFor(at, value)));
	fc.assert(
		fc.property(goodConfig, mutation, (input, [at, wrong]) => {
			const object = structuredClone(input) as Record<string, unknown>;
			setAt(object, at, wrong);
			assert.equal(
				accepted(() => checkConfig(mergeConfig(defaultConfig(), object, '/base'))),
				null,
			);
			try {
				checkConfig(mergeConfig(defaultConfig(), object, '/base'));
			} catch (error) {
				assert.match((error as Error).message, new RegExp(`^${at.replace(/\./g, '\\.')}[:\\[]`));
			}
		}),
		{numRuns: runs},
	);
});

test('one stray key (a typo, a prototype name, anything) is refused as that unknown key', () => {
	const where = fc.constantFrom(...objectPaths(defaultConfig()));
	fc.assert(
		fc.property(goodConfig, where, key, garbage, (input, at, field, value) => {
			const defaults = (at ? at.split('.') : []).reduce<unknown>(
				(o, k) => (o as Record<string, unknown>)[k],
				defaultConfig(),
			) as Record<string, unknown>;
			fc.pre(!Object.hasOwn(defaults, field));
			const object = structuredClone(input) as Record<string, unknown>;
			withKeys(objectAt(object, at), [[field, value]]);
			try {
				mergeConfig(defaultConfig(), JSON.parse(JSON.stringify(object)) as unknown, '/base');
				// JSON drops an undefined value, and with it the stray key.
				assert.equal(value, undefined, 'accepted');
			} catch (error) {
				assert.ok(error instanceof ConfigError, String(error));
				// The message is sanitised: a C1 or bidi control in the key shows as a placeholder.
				assert.ok(
					error.message.startsWith(`${sanitizeText(keyPath(at, field))}: unknown key`),
					error.message,
				);
			}
		}),
		{numRuns: runs},
	);
});

test('random config-shaped garbage never crashes mergeConfig or checkConfig', () => {
	let ok = 0;
	let refused = 0;
	fc.assert(
		fc.property(anyConfig, (input) => {
			const config = accepted(() => checkConfig(mergeConfig(defaultConfig(), input, '/base')));
			if (config) {
				assertStable(config);
				ok++;
			} else refused++;
		}),
		{numRuns: runs},
	);
	assert.ok(refused > 0 && ok + refused === runs);
});

test('loadConfig: random config files and flag lists never crash it', () => {
	const work = path.join(dir, 'work');
	const file = path.join(work, 'mcptop.config.json');
	let ok = 0;
	fc.assert(
		fc.property(
			fc.option(fc.oneof(goodConfig, anyConfig), {nil: undefined}),
			fc.option(fc.string({unit: 'binary', maxLength: 20}), {freq: 8, nil: undefined}),
			flags,
			(input, text, given) => {
				fs.rmSync(file, {force: true});
				const json = text ?? (input === undefined ? undefined : JSON.stringify(input));
				if (json !== undefined) fs.writeFileSync(file, json);
				const config = accepted(() => loadConfig(given, work).config);
				const empty = Object.values(given).some(
					(v) => v === '' || (Array.isArray(v) && v.includes('')),
				);
				if (empty) assert.equal(config, null, 'an empty flag value is refused');
				if (config) {
					assertStable(config);
					ok++;
				}
			},
		),
		{numRuns: runs},
	);
	// Random lists are mostly refused (any one bad value refuses the list): that the property is not
	// vacuous is checked on a list known to be good, not left to the luck of 300 draws.
	void ok;
	fs.rmSync(file, {force: true});
	const good = accepted(
		() =>
			loadConfig({interval: '2s', port: ['6277', '8080:b:clients'], match: 'server'}, work).config,
	);
	assert.ok(good, 'a good flag list is accepted');
	assertStable(good);
});
