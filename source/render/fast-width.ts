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

/** string-width with the same answers: a string of characters that stand alone is a sum. */
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
			const e = entry(code);
			if (e === joins) return width(text);
			sum += e - 1;
		}
		return sum;
	};
}

/**
 * slice-ansi with the same answers: in a string without escape codes whose characters all stand
 * alone and are one column wide, columns are code units, so a slice is String#slice.
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
			if (entry(code) !== 2) return slice(text, start, end);
		}
		return text.slice(start, end);
	};
}
