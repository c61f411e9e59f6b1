import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {ConfigError, defaultConfig, loadConfig} from '../../source/config.js';
import {compileRules, unrealVerbosity, validateRule} from '../../source/monitor/alert-rules.js';
import {matchWindow} from '../../source/lib/safe-regex.js';
import {filterAlerts} from '../../source/components/AlertsPane.js';
import {alert} from '../helpers/snapshot.js';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import type {Severity} from '../../source/types.js';
import {isolated} from '../helpers/isolated.js';

const defaults = compileRules(defaultConfig().alerts.rules);

function check(
	classify: (line: string) => Severity | null,
	cases: Array<[string, Severity | null]>,
) {
	for (const [line, expected] of cases) {
		assert.equal(classify(line), expected, JSON.stringify(line));
	}
}

test('default rules: each SPEC pattern, case-insensitive', () => {
	check(defaults.classify, [
		['2025-09-17 10:00:00,123 - CRITICAL - disk on fire', 'critical'],
		['fatal: cannot continue', 'critical'],
		['💀 worker died', 'critical'],
		['Memory usage exceeded 2 GB', 'critical'],
		['out of memory', 'critical'],
		['Server process crashed', 'critical'],
		['system crash detected', 'critical'],
		['2025-09-17 10:00:00,123 - ERROR - message', 'error'],
		['❌ tool call', 'error'],
		['ValueError exception raised', 'error'],
		['Failed to connect', 'error'],
		['request failed', 'error'],
		['Connection to editor lost', 'error'],
		['websocket protocol error', 'error'],
		['Security policy violation', 'error'],
		['2025-09-17 10:00:00,123 - WARNING - careful', 'warning'],
		['warn: deprecated', 'warning'],
		['⚠️ slow', 'warning'],
		['High memory usage', 'warning'],
		['possible memory leak', 'warning'],
		['Performance has degraded', 'warning'],
		['connection timeout after 5 s', 'warning'],
		['Slow response from bridge', 'warning'],
		['2025-09-17 10:00:00,123 - INFO - Client connected', null],
		['', null],
		['DEBUG heartbeat ok', null],
	]);
});

test('first matching rule wins, in the order given, not by position in the line', () => {
	const patternFirst = compileRules(defaultConfig().alerts.rules, {patternFirst: true});
	check(patternFirst.classify, [
		['WARNING: Server crash imminent', 'critical'],
		['ERROR while handling: out of memory', 'critical'],
		['WARN: validation failed', 'error'],
		['Slow response, then connection lost', 'error'],
	]);
	const custom = compileRules([
		{severity: 'warning', pattern: 'disk'},
		{severity: 'critical', pattern: 'disk full'},
		{severity: 'error', pattern: 'disk'},
	]);
	assert.equal(custom.classify('DISK FULL'), 'warning');
	assert.equal(custom.classify('memory full'), null);
});

test("a line's own level decides first: an INFO line that says failed is no error", () => {
	check(defaults.classify, [
		['2026-12-02 00:59:05,833 - INFO - connection failed (400 Bad Request)', null],
		['2026-12-02 00:59:05,833 - websockets.server - INFO - connection failed', null],
		['2026-12-02 00:59:05,833 [INFO] Out of memory? no: fine', null],
		['2026-12-02 00:59:05,833 - DEBUG - Exception raised and handled', null],
		['2026-12-02 00:59:05,833 - WARNING - Server crash imminent', 'warning'],
		['2026-12-02 00:59:05,833 - ERROR - out of memory', 'error'],
		['2026-12-02 00:59:05,833 - mcp.server - CRITICAL - bye', 'critical'],
		['2026-12-02T00:59:05.833Z ERROR boom', 'error'],
		['INFO:     127.0.0.1:51234 - "POST /mcp HTTP/1.1" 500 Internal Server Error', null],
		['ERROR:root:Failed to do it', 'error'],
		['WARNING:root:Exception swallowed', 'warning'],
		// No level: the patterns decide, as before.
		['2026-12-02 00:59:05,833 - Error connecting to editor', 'error'],
		['2026-12-02 00:59:05,833 connection failed', 'error'],
		['ERROR while handling: out of memory', 'critical'],
	]);
	const patternFirst = compileRules(defaultConfig().alerts.rules, {patternFirst: true});
	check(patternFirst.classify, [
		['2026-12-02 00:59:05,833 - INFO - connection failed (400 Bad Request)', 'error'],
		['2026-12-02 00:59:05,833 - ERROR - out of memory', 'critical'],
		['2026-12-02 00:59:05,833 - ERROR - something odd', 'error'],
		['2026-12-02 00:59:05,833 - INFO - all fine', null],
	]);
});

test('Unreal Editor lines use their verbosity before the patterns', () => {
	const prefix = '[2025.09.17-10.00.00:123][  0]';
	check(defaults.classify, [
		[`${prefix}LogUnrealBlueprintMCP: Error: Blueprint compile failed`, 'error'],
		[`${prefix}LogUnrealBlueprintMCP: Warning: Server crash detected`, 'warning'],
		[`${prefix}LogWindows: Fatal: assertion`, 'critical'],
		[`${prefix}LogOutputDevice: Error: CRITICAL thing`, 'error'],
		[`${prefix}LogUnrealBlueprintMCP: Display: Connection lost to MCP`, null],
		[`${prefix}LogUnrealBlueprintMCP: Display: all fine`, null],
		[`${prefix}LogTemp: all fine`, null],
		[`[2025.09.17-10.00.00:123][412]LogNet: Warning: packet dropped`, 'warning'],
		['LogInit: Warning: config missing', 'warning'],
		['LogConfig: Display: Server crash test harness', null],
		[`${prefix}LogTemp: Log: failed, but only a Log line`, null],
		[`${prefix}LogTemp: no verbosity, so the patterns decide: failed`, 'error'],
	]);
	assert.equal(unrealVerbosity(`${prefix}LogTemp: Fatal: x`), 'critical');
	assert.equal(unrealVerbosity('2025-09-17 10:00:00,123 - ERROR - x'), null);
	assert.equal(unrealVerbosity('Something: Error: not unreal'), null);
	assert.equal(unrealVerbosity(`${prefix}LogTemp: error: lower case is not a verbosity`), null);
	const patternsOnly = compileRules(defaultConfig().alerts.rules, {unrealVerbosity: false});
	assert.equal(
		patternsOnly.classify(`${prefix}LogMCP: Warning: Server crash detected`),
		'critical',
	);
});

test('patterns that need backtracking (backreferences, lookahead) are refused, naming the rule', () => {
	assert.throws(
		() =>
			compileRules([
				{severity: 'warning', pattern: 'ok'},
				{severity: 'warning', pattern: '(ab)\\1'},
			]),
		{
			message:
				'alert rule 2: invalid regular expression "(ab)\\\\1": backreference \\1 is not supported: patterns run on RE2, a linear-time engine without backreferences',
		},
	);
	assert.match(validateRule('(?<w>foo)-\\k<w>') ?? '', /backreference \\k<w> is not supported/);
	assert.match(validateRule('error(?!.*retrying)') ?? '', /lookahead \(\?!…\) is not supported/);
	// Lookbehind has a linear-time form in RE2: kept.
	const rules = compileRules([{severity: 'error', pattern: '(?<!no )error'}]);
	assert.equal(rules.classify('an ERROR'), 'error');
	assert.equal(rules.classify('no error'), null);
});

test('repeated group names without backreferences still classify in order', () => {
	const rules = compileRules([
		{severity: 'warning', pattern: '(?<what>foo)'},
		{severity: 'error', pattern: '(?<what>bar)'},
	]);
	check(rules.classify, [
		['BAR', 'error'],
		['bar foo', 'warning'],
		['baz', null],
	]);
});

test('emoji in patterns are single characters', () => {
	const rules = compileRules([{severity: 'critical', pattern: '^[💀🔥]'}]);
	assert.equal(rules.classify('🔥 fire'), 'critical');
	assert.equal(rules.classify('\ud83d only half'), null);
});

test('an empty rule list only uses Unreal verbosity', () => {
	const rules = compileRules([]);
	assert.equal(rules.classify('ERROR plain'), null);
	assert.equal(rules.classify('LogTemp: Error: x'), 'error');
	assert.deepEqual(rules.rules, []);
});

test('validateRule explains bad patterns in one line', () => {
	for (const rule of defaultConfig().alerts.rules) assert.equal(validateRule(rule.pattern), null);
	assert.equal(validateRule('Connection.*(lost|reset)'), null);
	assert.equal(validateRule('ERROR|('), 'invalid regular expression "ERROR|(": unterminated group');
	assert.match(validateRule('[z-a]') ?? '', /^invalid regular expression "\[z-a\]": .*range/i);
	assert.match(validateRule('a{2,1}') ?? '', /^invalid regular expression/);
	assert.equal(validateRule(''), 'pattern is empty');
	assert.equal(validateRule(42), 'pattern must be a string');
	assert.equal(
		validateRule('ERROR|'),
		'pattern "ERROR|" matches every line (it matches empty text)',
	);
	for (const message of [validateRule('('), validateRule('x**')]) {
		assert.ok(message && !message.includes('\n'), String(message));
	}
});

test('compileRules refuses what validateRule refuses, naming the rule', () => {
	assert.throws(
		() =>
			compileRules([
				{severity: 'error', pattern: 'ok'},
				{severity: 'warning', pattern: '(oops'},
			]),
		{message: 'alert rule 2: invalid regular expression "(oops": unterminated group'},
	);
	assert.throws(
		() => compileRules([{severity: 'info' as Severity, pattern: 'x'}]),
		/alert rule 1: unknown severity "info"/,
	);
});

test('the rules a classifier was built from are kept, frozen', () => {
	const input = [{severity: 'error' as const, pattern: 'boom'}];
	const rules = compileRules(input);
	input[0]!.pattern = 'changed';
	assert.deepEqual(rules.rules, [{severity: 'error', pattern: 'boom'}]);
	assert.equal(rules.classify('BOOM'), 'error');
	assert.ok(Object.isFrozen(rules.rules));
});

const fourKiB = (unit: string) => unit.repeat(Math.ceil(4096 / unit.length)).slice(0, 4096);

test('crafted 4 KB lines and a catastrophic rule: the classifier returns, with the right answer', async () => {
	const rulesModule = new URL('../../source/monitor/alert-rules.ts', import.meta.url).href;
	const configModule = new URL('../../source/config.ts', import.meta.url).href;
	const lines = [
		fourKiB('A'),
		fourKiB('Memory '),
		fourKiB('Connection Server System High Slow Validation Security Performance WebSocket '),
		fourKiB('a').slice(0, -1) + '!',
		'Memory '.repeat(500) + 'exceeded',
	];
	const answers = await isolated(
		`import {compileRules} from ${JSON.stringify(rulesModule)};
		import {defaultConfig} from ${JSON.stringify(configModule)};
		const lines = ${JSON.stringify(lines)};
		const defaults = compileRules(defaultConfig().alerts.rules);
		const custom = compileRules([
			{severity: 'critical', pattern: '^(a+)+$'},
			{severity: 'error', pattern: '(x|x)*y'},
			{severity: 'warning', pattern: '(\\\\w+\\\\s?)*!$'},
		]);
		console.log(JSON.stringify([lines.map((l) => defaults.classify(l)), lines.map((l) => custom.classify(l))]));`,
	);
	assert.deepEqual(answers, [
		[null, null, null, null, 'critical'],
		// Case-insensitive: 'AAAA…' is all a; `(x|x)*y` finds any y; the `aaaa…!` line is the one that
		// sends a backtracking engine through 2^4095 ways to split it.
		['critical', 'error', 'error', 'warning', 'error'],
	]);
});

test('the rules see the first 4 KiB of a line', () => {
	assert.equal(defaults.classify('x'.repeat(matchWindow - 5) + 'ERROR'), 'error');
	assert.equal(defaults.classify('x'.repeat(matchWindow - 4) + 'ERROR'), null);
	assert.equal(defaults.classify('Memory ' + 'x'.repeat(matchWindow) + ' exceeded'), null);
	assert.equal(defaults.classify('CRITICAL ' + 'x'.repeat(10 * matchWindow)), 'critical');
	const anchored = compileRules([{severity: 'error', pattern: 'x$'}]);
	assert.equal(anchored.classify('a'.repeat(matchWindow - 1) + 'x'), 'error');
	// The end of the window is the end the rules see.
	assert.equal(anchored.classify('a'.repeat(matchWindow - 1) + 'xyz'), 'error');
});

test('the classifier agrees with JavaScript on the rules, first match wins', () => {
	const ruleSets = [
		defaultConfig().alerts.rules,
		[
			{severity: 'warning' as const, pattern: 'disk.*(full|low)'},
			{severity: 'error' as const, pattern: '^\\[\\d+\\] fail(ed|ure)\\b'},
			{severity: 'critical' as const, pattern: 'k[e3]rnel panic|oops'},
			{severity: 'error' as const, pattern: '\\d{3,}ms'},
		],
	];
	const words = [
		'memory',
		'MEMORY',
		'exceed',
		'out of ',
		'server',
		'crash',
		'system',
		'error',
		'ERR',
		'failed',
		'connection',
		'lost',
		'websocket',
		'timeout',
		'slow',
		'response',
		'warn',
		'warning',
		'high',
		'leak',
		'performance',
		'degraded',
		'validation',
		'security',
		'violation',
		'critical',
		'fatal',
		'exception',
		'💀',
		'⚠️',
		'❌',
		'\u212a',
		'\u017f',
		'disk',
		'full',
		'low',
		'[12] ',
		'fail',
		'ure',
		'kernel',
		'k3rnel',
		' panic',
		'oops',
		'1234ms',
		'12ms',
		' ',
		'x',
		'-',
		'in',
		'S',
	];
	let seed = 11;
	const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	for (const rules of ruleSets) {
		const classifier = compileRules(rules, {unrealVerbosity: false});
		const reference = rules.map((rule) => ({...rule, regex: new RegExp(rule.pattern, 'iu')}));
		const hits = new Set<string | null>();
		for (let i = 0; i < 20_000; i++) {
			let line = '';
			for (let n = Math.floor(random() * 7); n > 0; n--) {
				line += words[Math.floor(random() * words.length)];
			}
			const expected = reference.find((rule) => rule.regex.test(line))?.severity ?? null;
			assert.equal(classifier.classify(line), expected, JSON.stringify(line));
			hits.add(expected);
		}
		assert.equal(hits.size, 4, 'every severity and no match were met');
	}
});

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true});
});

function configError(data: unknown): string | null {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-rules-'));
	dirs.push(dir);
	fs.writeFileSync(path.join(dir, 'mcptop.config.json'), JSON.stringify(data));
	try {
		loadConfig({}, dir);
		return null;
	} catch (error) {
		assert.ok(error instanceof ConfigError, String(error));
		return error.message;
	}
}

test('config: catastrophic rule patterns load (RE2 runs them); backtracking-only ones are refused', () => {
	const rules = (pattern: string) => ({
		alerts: {
			rules: [...defaultConfig().alerts.rules.slice(0, 3), {severity: 'error', pattern}],
		},
	});
	for (const harmless of ['(a+)+$', '(x|x)*y', '(\\w+\\s?)*$', '(.*a){12}']) {
		assert.equal(configError(rules(harmless)), null, harmless);
	}
	assert.equal(
		configError(rules('(a)\\1')),
		'alerts.rules[3].pattern: bad regular expression "(a)\\\\1" (backreference \\1 is not supported: patterns run on RE2, a linear-time engine without backreferences)',
	);
	assert.match(
		configError(rules('x(?=y)')) ?? '',
		/^alerts\.rules\[3\]\.pattern: bad regular expression "x\(\?=y\)" \(lookahead/,
	);
	// Checked with the flags rules run with (u): an escape JavaScript refuses there is refused here.
	assert.match(configError(rules('\\e')) ?? '', /^alerts\.rules\[3\]\.pattern: bad regular/);
	assert.match(
		configError({process: {match: 'a{1001}'}}) ?? '',
		/^process\.match: bad regular expression "a\{1001\}" \(invalid repeat count/,
	);
	assert.equal(configError({process: {match: '(a+)+$'}}), null);
});

test('the / filter is text: a bad or catastrophic regex finds itself, nothing else, and returns', () => {
	const items = [
		alert({text: 'ERROR (a+)+$ in the config'}),
		alert({text: 'ERROR ' + 'a'.repeat(matchWindow - 100) + '!'}),
		alert({text: 'ERROR unclosed ( here'}),
		alert({severity: 'warning', text: 'x'.repeat(matchWindow) + ' needle past 4 KiB'}),
	];
	assert.deepEqual(filterAlerts(items, '(a+)+$'), [items[0]]);
	assert.deepEqual(filterAlerts(items, '('), [items[0], items[2]]);
	assert.deepEqual(filterAlerts(items, '(x|x)*y'), []);
	assert.deepEqual(filterAlerts(items, 'A'.repeat(40) + '!'), [items[1]]);
	// It reads what the rules read: the first 4 KiB of a line (source and severity still count).
	assert.deepEqual(filterAlerts(items, 'needle'), []);
	assert.deepEqual(filterAlerts(items, 'warning'), [items[3]]);
	assert.equal(filterAlerts(items, '  ').length, items.length);
});

test('mcptop refuses a rule RE2 cannot run: exit 2, one line naming the key', async (t) => {
	t.after(removeTempDirs);
	const dir = tempDir();
	const rules = [
		...defaultConfig().alerts.rules.slice(0, 3),
		{severity: 'error', pattern: '(a)\\1'},
	];
	fs.writeFileSync(path.join(dir, 'mcptop.config.json'), JSON.stringify({alerts: {rules}}));
	const r = await runCli(['--once', '--json'], {cwd: dir});
	assert.equal(r.status, 2, r.stderr);
	const lines = r.stderr
		.trim()
		.split('\n')
		.filter((l) => !/nodedir|npm warn/.test(l));
	assert.deepEqual(lines, [
		'mcptop: alerts.rules[3].pattern: bad regular expression "(a)\\\\1" (backreference \\1 is not supported: patterns run on RE2, a linear-time engine without backreferences)',
	]);
});
