import type {AlertRuleConfig, Severity} from '../types.js';

/** Decides the severity of one log line, or null when the line is not an alert. */
export type AlertClassifier = {
	classify(line: string): Severity | null;
	readonly rules: readonly AlertRuleConfig[];
};

export type AlertClassifierOptions = {
	/** Let Unreal Editor log lines' own verbosity decide first (default true). */
	unrealVerbosity?: boolean;
};

// Case-insensitive as SPEC 4 says; 'u' so that emoji and other non-BMP characters in a pattern are
// single characters (a character class like [💀⚠] then means what it says).
const ruleFlags = 'iu';

const severities: readonly Severity[] = ['critical', 'error', 'warning'];

// `[2025.09.17-10.00.00:123][  0]LogUnrealBlueprintMCP: Error: ...`. Lines the editor writes
// before its clock is set have no timestamp; those are only trusted with a `Log...` category.
const unrealLine =
	/^(?:\[\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d:\d{3}\]\[\s*\d+\][A-Za-z_][\w.]*|Log[\w.]*): (Fatal|Error|Warning):/;

const unrealSeverity: Record<string, Severity> = {
	Fatal: 'critical',
	Error: 'error',
	Warning: 'warning',
};

/** The severity an Unreal Editor log line declares itself (Fatal, Error, Warning), else null. */
export function unrealVerbosity(line: string): Severity | null {
	const first = line.charCodeAt(0);
	// '[' or 'L': everything else (Python's "2025-09-17 ..." lines) is rejected without a regex.
	if (first !== 0x5b && first !== 0x4c) return null;
	const match = unrealLine.exec(line);
	return match ? unrealSeverity[match[1]!]! : null;
}

function regexError(pattern: string): string | null {
	try {
		new RegExp(pattern, ruleFlags);
		return null;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		// V8 says "Invalid regular expression: /(/iu: Unterminated group"; keep the reason only.
		const reason = /\/[a-z]*: ([^:]+)$/.exec(message)?.[1] ?? message;
		return reason.charAt(0).toLowerCase() + reason.slice(1);
	}
}

/**
 * Checks one alert rule pattern; returns a one-line message for the operator, or null when the
 * pattern is usable. Patterns are JavaScript regular expressions, matched case-insensitively.
 */
export function validateRule(pattern: unknown): string | null {
	if (typeof pattern !== 'string') return 'pattern must be a string';
	if (pattern === '') return 'pattern is empty';
	const error = regexError(pattern);
	if (error) return `invalid regular expression ${JSON.stringify(pattern)}: ${error}`;
	if (new RegExp(pattern, ruleFlags).test('')) {
		return `pattern ${JSON.stringify(pattern)} matches every line (it matches empty text)`;
	}
	return null;
}

// Numbered or named backreferences change meaning when patterns are joined into one expression.
const backreference = /\\[1-9]|\\k</;

function combinedPrefilter(rules: readonly AlertRuleConfig[]): RegExp | null {
	if (rules.length < 2 || rules.some((rule) => backreference.test(rule.pattern))) return null;
	try {
		return new RegExp(rules.map((rule) => `(?:${rule.pattern})`).join('|'), ruleFlags);
	} catch {
		// e.g. the same named group in two patterns: fine alone, an error together.
		return null;
	}
}

/**
 * Compiles alert rules (SPEC 4) into a classifier: Unreal verbosity first, then the rules in the
 * order given, first match wins, case-insensitive. Throws an Error naming the bad pattern when a
 * rule does not compile (the config loader reports these earlier via validateRule).
 */
export function compileRules(
	rules: AlertRuleConfig[],
	options: AlertClassifierOptions = {},
): AlertClassifier {
	const useUnreal = options.unrealVerbosity ?? true;
	const compiled = rules.map((rule, index) => {
		if (!severities.includes(rule.severity)) {
			throw new Error(`alert rule ${index + 1}: unknown severity ${JSON.stringify(rule.severity)}`);
		}
		const error = regexError(rule.pattern);
		if (error) {
			throw new Error(
				`alert rule ${index + 1}: invalid regular expression ${JSON.stringify(rule.pattern)}: ${error}`,
			);
		}
		return {severity: rule.severity, regex: new RegExp(rule.pattern, ruleFlags)};
	});
	// Most lines match no rule: one combined test rejects them; only hits walk the ordered list.
	const prefilter = combinedPrefilter(rules);
	const frozen = Object.freeze(rules.map((rule) => Object.freeze({...rule})));

	function classify(line: string): Severity | null {
		if (useUnreal) {
			const declared = unrealVerbosity(line);
			if (declared) return declared;
		}
		if (prefilter && !prefilter.test(line)) return null;
		for (const rule of compiled) {
			if (rule.regex.test(line)) return rule.severity;
		}
		return null;
	}

	return {classify, rules: frozen};
}
