import {
	boundText,
	linearRegExp,
	LiteralSet,
	literalSearch,
	matchWindow,
	patternProblem,
	requiredLiterals,
} from '../lib/safe-regex.js';
import type {AlertRuleConfig, Severity} from '../types.js';

/** Decides the severity of one log line, or null when the line is not an alert. */
export type AlertClassifier = {
	classify(line: string): Severity | null;
	readonly rules: readonly AlertRuleConfig[];
};

export type AlertClassifierOptions = {
	/** Let Unreal Editor log lines' own verbosity decide (default true). */
	unrealVerbosity?: boolean;
	/** Rules decide before a line's own level; the level only classifies lines no rule matches. */
	patternFirst?: boolean;
};

/** What a line says about itself: an alert severity, 'info' (DEBUG, INFO, Display, …), or null. */
export type DeclaredLevel = Severity | 'info';

// Case-insensitive as SPEC 4 says; 'u' so that emoji and other non-BMP characters in a pattern are
// single characters (a character class like [💀⚠] then means what it says).
const ruleFlags = 'iu';

const severities: readonly Severity[] = ['critical', 'error', 'warning'];

// `[2025.09.17-10.00.00:123][  0]LogUnrealBlueprintMCP: Error: ...`. Lines the editor writes
// before its clock is set have no timestamp; those are only trusted with a `Log...` category.
const unrealLine =
	/^(?:\[\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d:\d{3}\]\[\s*\d+\][A-Za-z_][\w.]*|Log[\w.]*): (Fatal|Error|Warning|Display|Log|Verbose|VeryVerbose):/;

const unrealSeverity: Record<string, DeclaredLevel> = {
	Fatal: 'critical',
	Error: 'error',
	Warning: 'warning',
	Display: 'info',
	Log: 'info',
	Verbose: 'info',
	VeryVerbose: 'info',
};

// Python logging puts its levelname after the asctime, optionally after the logger name:
// "2025-09-17 10:00:00,123 - ERROR - msg", "… - mcp.server - ERROR - msg", "… [ERROR] msg".
// Levelnames are upper case: "… - Error connecting" is a message, not a level.
const pythonLevel =
	/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s*(?:-\s*)?(?:[\w.-]+\s+-\s+)?\[?(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|NOTSET)\]?(?=[\s:\]-]|$)/;
// Without a timestamp only the "LEVEL:" forms count (logging.basicConfig's "ERROR:root:msg", uvicorn's
// "INFO:     127.0.0.1:…"): "ERROR while …" may be a sentence.
const bareLevel = /^(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL):/;

const pythonSeverity: Record<string, DeclaredLevel> = {
	DEBUG: 'info',
	INFO: 'info',
	NOTSET: 'info',
	WARNING: 'warning',
	WARN: 'warning',
	ERROR: 'error',
	CRITICAL: 'critical',
	FATAL: 'critical',
};

/** The level a Python logging or Unreal Editor line declares itself, else null (SPEC 4). */
export function declaredLevel(line: string, unreal = true): DeclaredLevel | null {
	const first = line.charCodeAt(0);
	if (first >= 0x30 && first <= 0x39) {
		// The default format without a regex: "2025-09-17 10:00:00,123 - ERROR - ".
		if (line.startsWith(' - ', 23)) {
			const end = line.indexOf(' ', 26);
			const level = end === -1 ? undefined : pythonSeverity[line.slice(26, end)];
			if (level && line.startsWith(' - ', end) && line.charCodeAt(4) === 0x2d) return level;
		}
		const match = pythonLevel.exec(line);
		return match ? pythonSeverity[match[1]!]! : null;
	}
	if (unreal && (first === 0x5b || first === 0x4c)) {
		const match = unrealLine.exec(line);
		if (match) return unrealSeverity[match[1]!]!;
	}
	if (first >= 0x43 && first <= 0x57) {
		const match = bareLevel.exec(line);
		if (match) return pythonSeverity[match[1]!]!;
	}
	return null;
}

/** The severity an Unreal Editor log line declares itself (Fatal, Error, Warning), else null. */
export function unrealVerbosity(line: string): Severity | null {
	const first = line.charCodeAt(0);
	// '[' or 'L': everything else (Python's "2025-09-17 ..." lines) is rejected without a regex.
	if (first !== 0x5b && first !== 0x4c) return null;
	const match = unrealLine.exec(line);
	const level = match ? unrealSeverity[match[1]!]! : null;
	return level === 'info' ? null : level;
}

/**
 * Checks one alert rule pattern; returns a one-line message for the operator, or null when the
 * pattern is usable. Patterns are JavaScript regular expressions, matched case-insensitively, in
 * linear time (lib/safe-regex.ts): backreferences and lookahead are refused.
 */
export function validateRule(pattern: unknown): string | null {
	if (typeof pattern !== 'string') return 'pattern must be a string';
	if (pattern === '') return 'pattern is empty';
	const error = patternProblem(pattern, ruleFlags);
	if (error) return `invalid regular expression ${JSON.stringify(pattern)}: ${error}`;
	if (linearRegExp(pattern, ruleFlags).test('')) {
		return `pattern ${JSON.stringify(pattern)} matches every line (it matches empty text)`;
	}
	return null;
}

type CompiledRule = {
	severity: Severity;
	regex: RegExp;
	/** Per alternative, the literals it needs (null: none known, every line goes to RE2). */
	alternatives: string[][] | null;
	/** The literals are the whole pattern: one found is a match, RE2 is not asked. */
	exact: boolean;
};

function compileRule(rule: AlertRuleConfig, index: number): CompiledRule {
	if (!severities.includes(rule.severity)) {
		throw new Error(`alert rule ${index + 1}: unknown severity ${JSON.stringify(rule.severity)}`);
	}
	let regex: RegExp;
	try {
		regex = linearRegExp(rule.pattern, ruleFlags);
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(
			`alert rule ${index + 1}: invalid regular expression ${JSON.stringify(rule.pattern)}: ${reason}`,
		);
	}
	const literals = requiredLiterals(rule.pattern, ruleFlags);
	return {
		severity: rule.severity,
		regex,
		alternatives: literals?.alternatives ?? null,
		exact: literals?.exact ?? false,
	};
}

const longest = (runs: string[]) => runs.reduce((a, b) => (b.length > a.length ? b : a));

/**
 * Compiles alert rules (SPEC 4) into a classifier: a line's own level first (Python levelname, Unreal
 * verbosity: an INFO line that says "failed" is not an error), then for lines without one the rules in
 * the order given, first match wins, case-insensitive. With patternFirst the rules decide first and the
 * level classifies only lines no rule matches. Throws an Error naming the bad pattern when a
 * rule does not compile (the config loader reports these earlier via validateRule).
 *
 * The rules see the first 4 KiB of a line (matchWindow; the caller counts and keeps the whole line)
 * and run on RE2, linear in that text whatever the pattern. RE2 reads every character in JavaScript,
 * several times slower than V8's literal search, so a line first meets native searches made of the
 * rules' required literals only (lib/safe-regex.ts; nothing there can backtrack): most lines
 * contain none, and RE2 runs only for a rule whose literals are all there.
 */
export function compileRules(
	rules: AlertRuleConfig[],
	options: AlertClassifierOptions = {},
): AlertClassifier {
	const useUnreal = options.unrealVerbosity ?? true;
	const patternFirst = options.patternFirst ?? false;
	const compiled = rules.map(compileRule);
	const known = compiled.flatMap((rule) => rule.alternatives ?? []);
	const literals = new LiteralSet(known.flat(), ruleFlags);
	const needs = compiled.map(
		(rule) => rule.alternatives?.map((runs) => runs.map((run) => literals.idOf(run))) ?? null,
	);
	// The longest literal of each alternative of every rule: a line with none matches no rule.
	const prefilter = compiled.every((rule) => rule.alternatives)
		? literalSearch(
				known.map((runs) => runs[runs.length - 1]!),
				ruleFlags,
			)
		: null;
	const seen = new Uint32Array(literals.literals.length);
	let mark = 0;
	const frozen = Object.freeze(rules.map((rule) => Object.freeze({...rule})));

	function present(alternatives: number[][]): boolean {
		for (const ids of alternatives) {
			let all = true;
			for (const id of ids) if (seen[id] !== mark) all = false;
			if (all) return true;
		}
		return false;
	}

	function classify(line: string): Severity | null {
		const text = boundText(line, matchWindow);
		const declared = declaredLevel(text, useUnreal);
		if (patternFirst) {
			const matched = byRules(text);
			return matched ?? (declared === 'info' ? null : declared);
		}
		if (declared) return declared === 'info' ? null : declared;
		return byRules(text);
	}

	function byRules(text: string): Severity | null {
		if (compiled.length === 0 || (prefilter && !prefilter.test(text))) return null;
		if (++mark === 0xffffffff) {
			seen.fill(0);
			mark = 1;
		}
		literals.scan(text, seen, mark);
		for (let i = 0; i < compiled.length; i++) {
			const rule = compiled[i]!;
			const ids = needs[i]!;
			if (ids && !present(ids)) continue;
			if (rule.exact || rule.regex.test(text)) return rule.severity;
		}
		return null;
	}

	return {classify, rules: frozen};
}
