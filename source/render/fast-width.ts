// string-width and slice-ansi, the same answers sooner for text made of characters that stand alone.
//
// Both are exact and slow on anything but printable ASCII: every call runs a grapheme segmenter and
// Unicode property regexes over each cluster, and mcptop's screen is full of box lines, block-element
// sparklines, "·" and "…", which miss their ASCII fast paths. After the line cache (line-cache.ts),
// they were the largest cost of an idle frame (BENCHMARKS.md, part 8).
//
// A character "stands alone" when no neighbour can join it into a larger grapheme cluster: not a
// control, not a surrogate, and (tried once per character with the same segmenter) it breaks from a
// letter before and after it and from a copy of itself. Those three tries rule out every joining
// rule of Unicode's grapheme clusters (UAX #29): Prepend, Extend, ZWJ and SpacingMark join a letter;
// Hangul L, V and T join a copy of themselves, and every Hangul pair that joins has one of them on
// its right; CR LF are controls; regional indicators and emoji modifiers are outside the BMP. So in a
// string of such characters each character is one cluster, and string-width, which sums over
// clusters, gives the sum of each character's own width, which is asked of the real function once
// per character and kept. Anything else is handed to the real function, so the answers are the
// same for every input (test/render/fast-width.test.ts checks every BMP character and random text).
//
// The bundle (scripts/bundle.mjs) gives every import of string-width and slice-ansi these wrappers
// around the real package; Ink and the other packages are untouched.

import ansiStyles from 'ansi-styles';

// The packages' signatures; options, whatever their type, are passed through untouched.
type Width = (text: string, options?: never) => number;
type Slice = (text: string, start: number, end?: number) => string;

// 0: not yet known; 1 + the character's width when it stands alone; `joins` when it does not.
const joins = 255;
const segmenter = new Intl.Segmenter();

function clusters(text: string): number {
	let count = 0;
	for (const _ of segmenter.segment(text)) count++;
	return count;
}

function standsAlone(code: number): boolean {
	if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff))
		return false;
	const c = String.fromCharCode(code);
	return clusters(`${c}a`) === 2 && clusters(`a${c}`) === 2 && clusters(c + c) === 2;
}

// One table per string-width function: the string-width wrapper and the slice-ansi wrapper built on
// the same package share it, so each character is tried once.
const tables = new WeakMap<Width, (code: number) => number>();

/** Per character: 1 + its width by `width` when it stands alone, else `joins`; filled as asked. */
function characterTable(width: Width): (code: number) => number {
	const known = tables.get(width);
	if (known) return known;
	const table = new Uint8Array(0x10000);
	const entry = (code: number) => {
		let e = table[code]!;
		if (e === 0) {
			e = standsAlone(code) ? Math.min(width(String.fromCharCode(code)), joins - 2) + 1 : joins;
			table[code] = e;
		}
		return e;
	};
	tables.set(width, entry);
	return entry;
}

/**
 * Per UTF-16 code unit (charCodeAt), by `width`: its width when it stands alone (so in any string it
 * is a grapheme cluster of its own), else -1 (surrogates among them). The same table as
 * fastStringWidth's.
 */
export function standAloneWidths(width: Width): (code: number) => number {
	const entry = characterTable(width);
	return (code) => {
		const e = entry(code);
		return e === joins ? -1 : e - 1;
	};
}

/** Where an SGR sequence (ESC [ digits and semicolons m) starting at `start` ends, or -1. */
export function sgrEnd(line: string, start: number): number {
	if (line.charCodeAt(start + 1) !== 0x5b) return -1;
	for (let i = start + 2; i < line.length; i++) {
		const c = line.charCodeAt(i);
		if (c === 0x6d) return i;
		if (c === 0x3b || (c >= 0x30 && c <= 0x39)) continue;
		return -1;
	}
	return -1;
}

/**
 * string-width with the same answers: a string of characters that stand alone is a sum. An SGR
 * sequence (the colours Ink and mcptop paint with) is zero columns: string-width strips it whole
 * (ansi-regex's CSI: ESC [, parameter bytes, a final byte) before it counts, and the characters it
 * separated, standing alone, do not join once it is gone. Any other escape goes to the package.
 */
export function fastStringWidth(width: Width): Width {
	const entry = characterTable(width);
	return (text, options) => {
		if (options !== undefined || typeof text !== 'string') return width(text, options);
		let sum = 0;
		for (let i = 0; i < text.length; i++) {
			const code = text.charCodeAt(i);
			if (code >= 0x20 && code < 0x7f) {
				sum++;
				continue;
			}
			if (code === 0x1b) {
				const end = sgrEnd(text, i);
				if (end < 0) return width(text);
				i = end;
				continue;
			}
			const e = entry(code);
			if (e === joins) return width(text);
			sum += e - 1;
		}
		return sum;
	};
}

// The table slice-ansi reads SGR numbers with (ansi-styles, the copy it and Ink resolve to): which
// numbers open a style (ansiStyles.codes, opening to closing) and which close one.
const closeNumbers = new Set<number>(ansiStyles.codes.values());

type Fragment =
	{type: 'reset'} | {type: 'end'; endCode: string} | {type: 'start'; code: string; endCode: string};

const sgr = (values: string[]) => `\u001b[${values.join(';')}m`;

/** slice-ansi's reading of one ESC [ digits-and-semicolons m sequence, fragment by fragment. */
function fragmentsOf(code: string): Fragment[] {
	const fragments: Fragment[] = [];
	const parameters = code.slice(2, -1);
	const raw = parameters.length === 0 ? ['0'] : parameters.split(';');
	let index = 0;
	while (index < raw.length) {
		const n = Number.parseInt(raw[index]!, 10);
		if (Number.isNaN(n)) {
			index++;
			continue;
		}
		if (n === 0) {
			fragments.push({type: 'reset'});
			index++;
			continue;
		}
		if (n === 38 || n === 48) {
			const endCode = sgr([n === 38 ? '39' : '49']);
			const kind = Number.parseInt(raw[index + 1]!, 10);
			const length = kind === 5 ? 3 : kind === 2 ? 5 : 1;
			const whole = length > 1 && index + length - 1 < raw.length;
			const taken = whole ? length : 1;
			fragments.push({type: 'start', code: sgr(raw.slice(index, index + taken)), endCode});
			index += taken;
			continue;
		}
		if (closeNumbers.has(n)) {
			fragments.push({type: 'end', endCode: sgr([String(n)])});
			index++;
			continue;
		}
		const close = ansiStyles.codes.get(n);
		fragments.push({
			type: 'start',
			code: sgr([raw[index]!]),
			endCode: close === undefined ? ansiStyles.reset.open : sgr([String(close)]),
		});
		index++;
	}
	if (fragments.length === 0) fragments.push({type: 'reset'});
	return fragments;
}

// A screen paints with a handful of sequences; anything past this many is read afresh each time.
const knownFragments = new Map<string, Fragment[]>();
function fragments(code: string): Fragment[] {
	let known = knownFragments.get(code);
	if (known === undefined) {
		known = fragmentsOf(code);
		if (knownFragments.size < 256) knownFragments.set(code, known);
	}
	return known;
}

/** slice-ansi's rule for a style sequence met after the last column: kept when it only closes. */
function closesAfterEnd(list: Fragment[], active: Map<string, string>): boolean {
	let closes = false;
	for (const fragment of list) {
		if (fragment.type === 'start') return false;
		if (fragment.type === 'reset' ? active.size > 0 : active.has(fragment.endCode)) closes = true;
	}
	return closes;
}

function apply(list: Fragment[], active: Map<string, string>): void {
	for (const fragment of list) {
		if (fragment.type === 'reset') active.clear();
		else {
			active.delete(fragment.endCode);
			if (fragment.type === 'start') active.set(fragment.endCode, fragment.code);
		}
	}
}

// Per character: 1 + its width when it stands alone and slice-ansi counts it as string-width does,
// else `joins`. slice-ansi measures a cluster its own way (is-fullwidth-code-point, emoji
// presentation), which differs from string-width for some characters (a zero-width space is one
// column to it); one probe with the real slice-ansi per character settles it.
const sliceTables = new WeakMap<Slice, Uint8Array>();

/**
 * slice-ansi, worked the way it works, for a line of characters that stand alone and SGR sequences
 * (the colours Ink and mcptop paint with): undefined for anything else, which the caller hands to
 * slice-ansi itself. Characters are single tokens (standing alone, no escape can split a cluster);
 * styles are kept as slice-ansi keeps them: opened before the first column are re-emitted in its
 * order, past the last column only sequences that close something, and whatever is still open is
 * closed at the end.
 */
function sliceStyled(
	slice: Slice,
	entry: (code: number) => number,
	text: string,
	start: number,
	end: number | undefined,
): string | undefined {
	let table = sliceTables.get(slice);
	if (!table) {
		table = new Uint8Array(0x10000);
		sliceTables.set(slice, table);
	}
	const active = new Map<string, string>();
	let position = 0;
	let out = '';
	let include = false;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 0x1b) {
			const last = sgrEnd(text, i);
			if (last < 0) return undefined;
			const sequence = text.slice(i, last + 1);
			const list = fragments(sequence);
			i = last;
			if (end !== undefined && position >= end && !closesAfterEnd(list, active)) continue;
			apply(list, active);
			if (include) out += sequence;
			continue;
		}
		let w: number;
		if (code >= 0x20 && code < 0x7f) w = 1;
		else {
			let e = table[code]!;
			if (e === 0) {
				const alone = entry(code);
				const expected = alone === joins ? 0 : alone - 1;
				const c = String.fromCharCode(code);
				e =
					(expected === 1 || expected === 2) && slice(`a${c}b`, 1 + expected, 2 + expected) === 'b'
						? expected + 1
						: joins;
				table[code] = e;
			}
			if (e === joins) return undefined;
			w = e - 1;
		}
		if (end !== undefined && position >= end) break;
		if (!include && position >= start) {
			include = true;
			out = '';
			for (const value of active.values()) out += value;
		}
		if (include) out += text[i];
		position += w;
	}
	if (!include) return '';
	// Closed newest first, as slice-ansi's undoAnsiCodes does.
	let closes = '';
	for (const close of active.keys()) closes = close + closes;
	return out + closes;
}

/**
 * slice-ansi with the same answers: in a string without escape codes whose characters all stand
 * alone and are one column wide, columns are code units, so a slice is String#slice; a line of
 * such characters, wide ones and colours is cut as slice-ansi cuts it (sliceStyled).
 */
export function fastSliceAnsi(slice: Slice, width: Width): Slice {
	const entry = characterTable(width);
	return (text, start, end) => {
		if (
			typeof text !== 'string' ||
			!Number.isInteger(start) ||
			start < 0 ||
			(end !== undefined && (!Number.isInteger(end) || end < 0))
		)
			return slice(text, start, end);
		for (let i = 0; i < text.length; i++) {
			const code = text.charCodeAt(i);
			if (code >= 0x20 && code < 0x7f) continue;
			if (entry(code) !== 2)
				return sliceStyled(slice, entry, text, start, end) ?? slice(text, start, end);
		}
		return text.slice(start, end);
	};
}
