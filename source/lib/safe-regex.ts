// Configured patterns (alert rules, process.match) are JavaScript regular expressions, but they never
// run on V8's backtracking engine: one pattern like `(a+)+$` and one matching log line or command
// line would hold the event loop for good. They run on RE2 (re2js, pure JavaScript), which matches in
// time linear in the text, whatever the pattern. RE2 has no backreferences and no lookahead; a
// pattern that needs them is refused with a one-line reason when the config loads.
// translate() keeps JavaScript's meaning where RE2 spells or means it differently (\s, `.`, [^],
// \uXXXX, (?<name>…)); what is left: without the u flag RE2 still takes a non-BMP character (an
// emoji) as one character, where JavaScript sees two halves.
//
// RE2 reads every character, which costs several times V8's literal search on the common log line
// that matches no rule. So the alert classifier also asks, before RE2, whether a line contains one of
// the literals a pattern cannot match without (requiredLiterals): that test is a regular expression
// we build from escaped literals only (no quantifier, no group), which cannot backtrack.
import {RE2JS} from 're2js';

/** How much of one line the alert rules see (UTF-16 code units): the first 4 KiB. */
export const matchWindow = 4096;

/** The first `max` code units of `text`, not cutting a surrogate pair in two. */
export function boundText(text: string, max = matchWindow): string {
	if (text.length <= max) return text;
	const last = text.charCodeAt(max - 1);
	return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** A pattern that is not valid JavaScript, or that the linear-time engine cannot run. */
export class PatternError extends SyntaxError {
	override name = 'PatternError';
}

const onRe2 = 'patterns run on RE2, a linear-time engine';

/** What JavaScript's \s matches (WhiteSpace and LineTerminator), as RE2 class ranges. */
const spaceRanges: Array<[number, number]> = [
	[0x09, 0x0d],
	[0x20, 0x20],
	[0xa0, 0xa0],
	[0x1680, 0x1680],
	[0x2000, 0x200a],
	[0x2028, 0x2029],
	[0x202f, 0x202f],
	[0x205f, 0x205f],
	[0x3000, 0x3000],
	[0xfeff, 0xfeff],
];

function classItems(ranges: Array<[number, number]>): string {
	const hex = (cp: number) => `\\x{${cp.toString(16)}}`;
	return ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');
}

function complement(ranges: Array<[number, number]>): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	let next = 0;
	for (const [a, b] of ranges) {
		if (a > next) out.push([next, a - 1]);
		next = b + 1;
	}
	if (next <= 0x10ffff) out.push([next, 0x10ffff]);
	return out;
}

const spaces = classItems(spaceRanges);
const nonSpaces = classItems(complement(spaceRanges));
// JavaScript's `.` without the s flag: anything but a line terminator (RE2's stops at \n only).
const dot = '[^\\n\\r\\x{2028}\\x{2029}]';
const anything = '\\x{0}-\\x{10ffff}';
const syntaxCharacters = '^$\\.*+?()[]{}|/';

type Branch = {runs: string[]; run: string; lastIsLiteral: boolean; plain: boolean};

type Translation = {
	/** The pattern in RE2's syntax, with JavaScript's meaning. */
	source: string;
	lookbehind: boolean;
	/** Per top-level alternative: the literals it cannot match without (null: unknown). */
	branches: Branch[];
};

/** Rewrites a (valid) JavaScript pattern into RE2 syntax; throws PatternError for what RE2 lacks. */
function translate(pattern: string, unicode: boolean): Translation {
	const namedGroups = /\(\?<[^=!]/.test(pattern);
	let i = 0;
	let depth = 0;
	let lookbehind = false;
	let source = '';
	const newBranch = (): Branch => ({runs: [], run: '', lastIsLiteral: false, plain: true});
	const branches = [newBranch()];
	const branch = () => branches[branches.length - 1]!;

	const next = (): string => {
		const ch = String.fromCodePoint(pattern.codePointAt(i)!);
		i += ch.length;
		return ch;
	};
	const hexAt = (count: number) =>
		new RegExp(`^[0-9a-fA-F]{${count}}$`).test(pattern.slice(i, i + count));
	const literal = (b: Branch, ch: string) => {
		b.run += ch;
		b.lastIsLiteral = true;
	};
	const breakRun = (b: Branch) => {
		if (b.run !== '') b.runs.push(b.run);
		b.run = '';
		b.lastIsLiteral = false;
		b.plain = false;
	};
	const quoted = (ch: string) =>
		/^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(ch) ? '\\' + ch : ch;
	const codePoint = (cp: number) => ({
		re2: `\\x{${cp.toString(16)}}`,
		text: String.fromCodePoint(cp),
	});

	/** One escape after its backslash: its RE2 form and, when it is one literal character, that. */
	function escape(inClass: boolean): {re2: string; text: string | null} {
		const start = i - 1;
		const c = next();
		switch (c) {
			case 'd':
			case 'D':
			case 'w':
			case 'W':
			case 'f':
			case 'n':
			case 'r':
			case 't':
			case 'v':
				return {re2: '\\' + c, text: null};
			case 'b':
				return inClass ? codePoint(8) : {re2: '\\b', text: null};
			case 'B':
				return inClass ? {re2: 'B', text: 'B'} : {re2: '\\B', text: null};
			case 's':
				return {re2: inClass ? spaces : `[${spaces}]`, text: null};
			case 'S':
				return {re2: inClass ? nonSpaces : `[^${spaces}]`, text: null};
			case '0':
				if (!/[0-9]/.test(pattern[i] ?? '')) return codePoint(0);
				throw new PatternError(`octal escape ${pattern.slice(start, i + 1)} is not supported`);
			case 'k':
				if (!unicode && !namedGroups) return {re2: 'k', text: 'k'};
				throw new PatternError(
					`backreference ${pattern.slice(start, pattern.indexOf('>', i) + 1 || i)} is not supported: ${onRe2} without backreferences`,
				);
			case 'x':
				if (!hexAt(2)) return {re2: 'x', text: 'x'};
				i += 2;
				return codePoint(parseInt(pattern.slice(i - 2, i), 16));
			case 'u': {
				if (unicode && pattern[i] === '{') {
					const end = pattern.indexOf('}', i);
					const cp = parseInt(pattern.slice(i + 1, end), 16);
					i = end + 1;
					return codePoint(cp);
				}
				if (!hexAt(4)) return {re2: 'u', text: 'u'};
				let cp = parseInt(pattern.slice(i, i + 4), 16);
				i += 4;
				if (cp >= 0xd800 && cp <= 0xdbff && pattern.startsWith('\\u', i)) {
					const low = parseInt(pattern.slice(i + 2, i + 6), 16);
					if (low >= 0xdc00 && low <= 0xdfff) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
						i += 6;
					}
				}
				if (cp >= 0xd800 && cp <= 0xdfff) {
					throw new PatternError(`lone surrogate ${pattern.slice(start, i)} is not supported`);
				}
				return codePoint(cp);
			}
			case 'c':
				if (/[a-zA-Z]/.test(pattern[i] ?? '')) return codePoint(next().charCodeAt(0) % 32);
				return {re2: '\\\\c', text: '\\c'};
			case 'p':
			case 'P': {
				if (!unicode) return {re2: c, text: c};
				const end = pattern.indexOf('}', i);
				i = end + 1;
				return {re2: pattern.slice(start, i), text: null};
			}
			default:
				if (/[1-9]/.test(c)) {
					while (/[0-9]/.test(pattern[i] ?? '')) i++;
					throw new PatternError(
						`backreference ${pattern.slice(start, i)} is not supported: ${onRe2} without backreferences`,
					);
				}
				// `\.`, `\/`, `\-`, and (without the u flag) identity escapes like `\e`: the character.
				return {re2: syntaxCharacters.includes(c) || c === '-' ? '\\' + c : quoted(c), text: c};
		}
	}

	function charClass(): string {
		let out = '[';
		const negated = pattern[i] === '^';
		if (negated) {
			out += '^';
			i++;
		}
		// JavaScript's [] matches nothing and [^] anything; RE2 has neither spelling.
		if (pattern[i] === ']') {
			i++;
			return negated ? `[${anything}]` : `[^${anything}]`;
		}
		while (i < pattern.length) {
			const c = next();
			if (c === ']') return out + ']';
			if (c === '\\') out += escape(true).re2;
			// A `[` inside a class is a character in JavaScript; RE2 reads `[:alpha:]` there.
			else out += c === '[' ? '\\[' : c;
		}
		throw new PatternError('unterminated character class');
	}

	while (i < pattern.length) {
		const c = next();
		const top = depth === 0 ? branch() : null;
		if (c === '\\') {
			const e = escape(false);
			source += e.re2;
			if (top) {
				if (e.text !== null) literal(top, e.text);
				else breakRun(top);
			}
		} else if (c === '[') {
			source += charClass();
			if (top) breakRun(top);
		} else if (c === '(') {
			if (pattern.startsWith('?=', i) || pattern.startsWith('?!', i)) {
				throw new PatternError(
					`lookahead (${pattern.slice(i, i + 2)}…) is not supported: ${onRe2} without lookahead`,
				);
			}
			let prefix = '';
			if (pattern.startsWith('?:', i)) prefix = '?:';
			else if (pattern.startsWith('?<=', i) || pattern.startsWith('?<!', i)) {
				prefix = pattern.slice(i, i + 3);
				lookbehind = true;
			} else if (pattern.startsWith('?<', i))
				prefix = pattern.slice(i, pattern.indexOf('>', i) + 1);
			i += prefix.length;
			// RE2 spells a named group (?P<name>…).
			source += '(' + (prefix.startsWith('?<') && !lookbehind ? '?P' + prefix.slice(1) : prefix);
			if (top) breakRun(top);
			depth++;
		} else if (c === ')') {
			source += ')';
			depth--;
		} else if (c === '|') {
			source += '|';
			if (top) branches.push(newBranch());
		} else if (
			c === '*' ||
			c === '+' ||
			c === '?' ||
			(c === '{' && /^\d+(,\d*)?\}/.test(pattern.slice(i)))
		) {
			let q = c;
			if (c === '{') {
				const end = pattern.indexOf('}', i);
				q += pattern.slice(i, end + 1);
				i = end + 1;
			}
			if (pattern[i] === '?') q += next();
			source += q;
			if (top) {
				// The quantifier applies to the last character only, which may then be absent.
				if (top.lastIsLiteral) top.run = Array.from(top.run).slice(0, -1).join('');
				breakRun(top);
			}
		} else if (c === '.') {
			source += dot;
			if (top) breakRun(top);
		} else if (c === '^' || c === '$') {
			source += c;
			if (top) breakRun(top);
		} else {
			source += quoted(c);
			if (top) literal(top, c);
		}
	}
	for (const b of branches) if (b.run !== '') b.runs.push(b.run);
	return {source, lookbehind, branches};
}

/** V8 says "Invalid regular expression: /(/iu: Unterminated group"; keep the reason only. */
function syntaxReason(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	const reason = /\/[a-z]*: ([^:]+)$/.exec(message)?.[1] ?? message;
	return reason.charAt(0).toLowerCase() + reason.slice(1);
}

function validSyntax(pattern: string, flags: string): string {
	try {
		new RegExp(pattern, flags);
		return pattern;
	} catch (error) {
		throw new PatternError(syntaxReason(error));
	}
}

function engineFlags(flags: string): {caseless: boolean; unicode: boolean} {
	for (const f of flags) {
		if (f !== 'i' && f !== 'u') throw new PatternError(`flag ${f} is not supported`);
	}
	return {caseless: flags.includes('i'), unicode: flags.includes('u')};
}

function compileEngine(pattern: string, flags: string): {engine: RE2JS; translation: Translation} {
	const {caseless, unicode} = engineFlags(flags);
	const translation = translate(pattern, unicode);
	const re2Flags =
		(caseless ? RE2JS.CASE_INSENSITIVE : 0) | (translation.lookbehind ? RE2JS.LOOKBEHINDS : 0);
	try {
		return {engine: RE2JS.compile(translation.source, re2Flags), translation};
	} catch (error) {
		// "error parsing regexp: invalid repeat count: `{2000}`"
		const message = error instanceof Error ? error.message : String(error);
		throw new PatternError(`${message.replace(/^error parsing regexp: /, '')} (${onRe2})`);
	}
}

/**
 * A RegExp whose test() and exec() (and so String#match, #replace, #search) run on RE2 in linear
 * time. The native engine only checks the syntax, at construction, and never runs the pattern.
 * Flags: i and u only (no g or y: the probes test one line at a time).
 */
export class LinearRegExp extends RegExp {
	readonly #engine: RE2JS;

	constructor(pattern: string, flags = '') {
		super(validSyntax(pattern, flags), flags);
		this.#engine = compileEngine(pattern, flags).engine;
	}

	override test(text: string): boolean {
		return this.#engine.test(String(text));
	}

	override exec(text: string): RegExpExecArray | null {
		return this.#engine.exec(String(text)) as RegExpExecArray | null;
	}
}

/** Compiles a configured pattern for the linear-time engine; throws PatternError (one line). */
export function linearRegExp(pattern: string, flags = ''): LinearRegExp {
	return new LinearRegExp(pattern, flags);
}

/** Why `pattern` cannot be used as a configured pattern, in one line; null when it can. */
export function patternProblem(pattern: string, flags = ''): string | null {
	try {
		linearRegExp(pattern, flags);
		return null;
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
}

/**
 * The literals a match of `pattern` cannot do without: for each top-level alternative, every literal
 * run it contains outside groups (a line matching that alternative contains all of them, same
 * flags). `exact` when each alternative is one literal and nothing else: finding one of them is
 * then the whole answer. Null when some alternative has no such literal. Only for the u flag
 * (literals are then whole code points).
 */
export function requiredLiterals(
	pattern: string,
	flags: string,
): {alternatives: string[][]; exact: boolean} | null {
	if (!flags.includes('u')) return null;
	let branches: Branch[];
	try {
		branches = compileEngine(pattern, flags).translation.branches;
	} catch {
		return null;
	}
	if (branches.some((b) => b.runs.length === 0)) return null;
	return {
		alternatives: branches.map((b) => b.runs),
		exact: branches.every((b) => b.plain && b.runs.length === 1),
	};
}

const escapeLiteral = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * A native RegExp that finds any of `literals`: an alternation of escaped text, with no quantifier or
 * group, so each position costs at most the longest literal and nothing backtracks further.
 */
export function literalSearch(literals: readonly string[], flags: string): RegExp {
	return new RegExp([...new Set(literals)].map(escapeLiteral).join('|'), flags);
}

/**
 * Tells which of a fixed list of literals occur in a text, with one native scan (literalSearch) that
 * reports each position once: literals are tried longest first, and a literal found at a position
 * also marks the shorter ones it contains (same flags), which the scan skipped there.
 */
export class LiteralSet {
	readonly literals: readonly string[];
	private readonly scanner: RegExp;
	private readonly byText = new Map<string, number>();
	private readonly whole: RegExp[];
	private readonly implied: number[][];

	constructor(literals: readonly string[], flags: string) {
		const distinct = [...new Set(literals)].sort((a, b) => b.length - a.length);
		this.literals = distinct;
		this.scanner = literalSearch(distinct, flags + 'g');
		this.whole = distinct.map((l) => new RegExp(`^(?:${escapeLiteral(l)})$`, flags));
		const inside = distinct.map((l) => literalSearch([l], flags));
		this.implied = distinct.map((outer) =>
			distinct.flatMap((_, id) => (inside[id]!.test(outer) ? [id] : [])),
		);
		distinct.forEach((l, id) => {
			if (!this.byText.has(l.toLowerCase())) this.byText.set(l.toLowerCase(), id);
		});
	}

	/** The index of `literal` in `literals` (-1 when it is not one of them). */
	idOf(literal: string): number {
		return this.literals.indexOf(literal);
	}

	/** Sets seen[id] = mark for every literal in `text`; returns whether there was any. */
	scan(text: string, seen: Uint32Array, mark: number): boolean {
		const scanner = this.scanner;
		if (this.literals.length === 0) return false;
		scanner.lastIndex = 0;
		let any = false;
		for (let m = scanner.exec(text); m !== null; m = scanner.exec(text)) {
			any = true;
			const id = this.identify(m[0]);
			// Unidentified (cannot happen): mark them all, RE2 then decides.
			for (const other of id >= 0 ? this.implied[id]! : this.literals.keys()) seen[other] = mark;
			// Next position, a whole code point on (the u flag would step back into a pair).
			scanner.lastIndex = m.index + ((m[0].charCodeAt(0) & 0xfc00) === 0xd800 ? 2 : 1);
		}
		return any;
	}

	/** Which literal the scanner matched: the longest one that matches this text. */
	private identify(found: string): number {
		const id = this.byText.get(found.toLowerCase());
		if (id !== undefined && this.whole[id]!.test(found)) return id;
		// Case folding beyond toLowerCase (the Kelvin sign for k, long s for s).
		return this.whole.findIndex((whole) => whole.test(found));
	}
}
