import assert from 'node:assert/strict';
import {test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {compileRules, unrealVerbosity, validateRule} from '../../source/monitor/alert-rules.js';
import type {Severity} from '../../source/types.js';

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
	check(defaults.classify, [
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

test('Unreal Editor lines use their verbosity before the patterns', () => {
	const prefix = '[2025.09.17-10.00.00:123][  0]';
	check(defaults.classify, [
		[`${prefix}LogUnrealBlueprintMCP: Error: Blueprint compile failed`, 'error'],
		[`${prefix}LogUnrealBlueprintMCP: Warning: Server crash detected`, 'warning'],
		[`${prefix}LogWindows: Fatal: assertion`, 'critical'],
		[`${prefix}LogOutputDevice: Error: CRITICAL thing`, 'error'],
		[`${prefix}LogUnrealBlueprintMCP: Display: Connection lost to MCP`, 'error'],
		[`${prefix}LogUnrealBlueprintMCP: Display: all fine`, null],
		[`${prefix}LogTemp: all fine`, null],
		[`[2025.09.17-10.00.00:123][412]LogNet: Warning: packet dropped`, 'warning'],
		['LogInit: Warning: config missing', 'warning'],
		['LogConfig: Display: Server crash test harness', 'critical'],
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

test('patterns with backreferences or repeated group names keep their meaning', () => {
	const rules = compileRules([
		{severity: 'warning', pattern: '(ab)\\1'},
		{severity: 'error', pattern: 'x(y)\\1'},
		{severity: 'critical', pattern: '(?<word>foo)-\\k<word>'},
		{severity: 'error', pattern: '(?<word>bar)'},
	]);
	check(rules.classify, [
		['ABAB', 'warning'],
		['xyy', 'error'],
		['xyab', null],
		['foo-FOO', 'critical'],
		['bar', 'error'],
		['foo-bar', 'error'],
		['nothing', null],
	]);
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
