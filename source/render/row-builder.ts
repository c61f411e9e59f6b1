// A changed row, built to the byte as Ink 6.8's Output#get builds it, for a fraction of the work.
//
// Ink's get makes an object for every cell of the row, runs a grapheme segmenter over every line it
// writes (@alcalzone/ansi-tokenize's tokenize) and copies the active styles into a new array for
// every character (styledCharsFromTokens), then joins the cells, working out the escape codes
// between each pair of neighbours (diffAnsiCodes: three Sets and two arrays a character). Once the
// line cache (line-cache.ts) reuses unchanged rows, that is most of an idle frame and of a busy one
// (BENCHMARKS.md, part 8). Here a row is two arrays, the characters and their styles; the styles
// are one array shared by every character between two escape codes; and the codes between two
// cells are worked out only where the styles change. The steps that decide the text are the
// library's own: its tokenize for every escape sequence (remembered by sequence) and for any line
// this does not read itself, its reduceAnsiCodesIncremental for the active styles, its diffAnsiCodes
// and ansiCodesToString between cells. A diff between equal styles is empty, so skipping it where
// the styles are the same array changes nothing. Most rows are simpler still (buildRuns): no cells
// at all. test/render/row-builder.test.ts checks the result against Ink's get for random rows.
import {
	ansiCodesToString,
	diffAnsiCodes,
	reduceAnsiCodesIncremental,
	styledCharsFromTokens,
	tokenize,
	type AnsiCode,
} from '@alcalzone/ansi-tokenize';
import stringWidth from 'string-width';
import {standAloneWidths} from './fast-width.js';
import {TwoGenerationMap} from './memo.js';

/** One write on the row: where it starts and its text (one line, transforms applied). */
export type RowPiece = {x: number; line: string};

const none: AnsiCode[] = [];
// A character's width, as Ink measures a cell: the same string-width, at least one column.
const aloneWidth = standAloneWidths(stringWidth as (text: string) => number);

// The codes of one escape sequence, as the library's tokenize reads it; a screen has a few dozen.
const sequences = new TwoGenerationMap<string, AnsiCode[]>(512);

function codesOf(sequence: string): AnsiCode[] {
	let codes = sequences.get(sequence);
	if (codes === undefined) {
		codes = tokenize(sequence).filter((t): t is AnsiCode => t.type === 'ansi');
		sequences.set(sequence, codes);
	}
	return codes;
}

/** Where an SGR sequence (ESC [ digits and semicolons m) starting at `start` ends, or -1. */
function sgrEnd(line: string, start: number): number {
	for (let i = start + 2; i < line.length; i++) {
		const c = line.charCodeAt(i);
		if (c === 0x6d) return i;
		if (c === 0x3b || (c >= 0x30 && c <= 0x39)) continue;
		return -1;
	}
	return -1;
}

class Row {
	values: string[] = [];
	styles: AnsiCode[][] = [];
	// The text's parts, joined once: a string grown a character at a time is a chain of pieces.
	private parts: string[] = [];

	/** Empties the row to `width` blank cells; one Row is reused for every row built. */
	reset(width: number): this {
		this.values.length = width;
		this.values.fill(' ');
		this.styles.length = width;
		this.styles.fill(none);
		return this;
	}

	/** Puts a character at x, and its width's empty cells after it, as Ink does; the next x. */
	put(x: number, value: string, styles: AnsiCode[], width: number): number {
		this.values[x] = value;
		this.styles[x] = styles;
		for (let k = 1; k < width; k++) {
			this.values[x + k] = '';
			this.styles[x + k] = styles;
		}
		return x + width;
	}

	/**
	 * Writes a line from x. The line is read here when it is characters that stand alone (each one
	 * grapheme cluster) and SGR sequences; anything else is the library's to read. False when it
	 * must be the library's, having written nothing.
	 */
	writeFast(x: number, line: string): boolean {
		// First a pass that only checks, so a line is never half written.
		for (let i = 0; i < line.length; i++) {
			const c = line.charCodeAt(i);
			if (c >= 0x20 && c < 0x7f) continue;
			if (c === 0x1b) {
				if (line.charCodeAt(i + 1) !== 0x5b) return false;
				const end = sgrEnd(line, i);
				if (end < 0) return false;
				i = end;
				continue;
			}
			if (aloneWidth(c) < 0) return false;
		}
		let styles = none;
		let offsetX = x;
		for (let i = 0; i < line.length; i++) {
			const c = line.charCodeAt(i);
			if (c === 0x1b) {
				const end = sgrEnd(line, i);
				styles = reduceAnsiCodesIncremental(styles, codesOf(line.slice(i, end + 1)));
				i = end;
				continue;
			}
			const width = c < 0x7f ? 1 : Math.max(1, aloneWidth(c));
			offsetX = this.put(offsetX, line[i]!, styles, width);
		}
		return true;
	}

	/** Writes a line from x as Ink does, with the library's styled characters. */
	writeSlow(x: number, line: string): void {
		let offsetX = x;
		for (const character of styledCharsFromTokens(tokenize(line))) {
			const width = Math.max(1, stringWidth(character.value));
			offsetX = this.put(offsetX, character.value, character.styles, width);
		}
	}

	/** The row's text: Ink's styledCharsToString over the cells, then trimEnd. */
	toString(): string {
		const {values, styles, parts} = this;
		parts.length = 0;
		let previous: AnsiCode[] | null = null;
		for (let k = 0; k < values.length; k++) {
			const value = values[k];
			// A cell skipped by a write past the end of the row is a hole, which Ink filters out.
			if (value === undefined) continue;
			const current = styles[k]!;
			if (previous === null) {
				if (current.length > 0) parts.push(ansiCodesToString(current));
			} else if (current !== previous && (current.length > 0 || previous.length > 0)) {
				parts.push(ansiCodesToString(diffAnsiCodes(previous, current)));
			}
			parts.push(value);
			previous = current;
		}
		if (previous !== null && previous.length > 0)
			parts.push(ansiCodesToString(diffAnsiCodes(previous, none)));
		const text = parts.join('').trimEnd();
		parts.length = 0;
		return text;
	}
}

const row = new Row();

/** The codes between a cell styled `from` and the next styled `to`: none between the same styles. */
function between(from: AnsiCode[], to: AnsiCode[]): string {
	if (from === to || (from.length === 0 && to.length === 0)) return '';
	return ansiCodesToString(diffAnsiCodes(from, to));
}

/**
 * The common row, without cells: writes left to right that do not overlap, of characters that
 * stand alone and SGR sequences. Between two escape codes a line's characters are cells of one
 * style, so their text is the line's own substring, and the cells between writes are unstyled
 * spaces; the codes are the same diffs Ink makes at the same places. Null when the row is not
 * such a row (the cells decide it then).
 */
export function buildRuns(width: number, pieces: readonly RowPiece[]): string | null {
	let text = '';
	let previous = none;
	let end = 0;
	for (const {x, line} of pieces) {
		// Past the end of the initialised cells a gap would be holes, which Ink drops, not spaces.
		if (!Number.isInteger(x) || x < end || x > Math.max(end, width)) return null;
		if (x > end) {
			text += between(previous, none) + ' '.repeat(x - end);
			previous = none;
		}
		let styles = none;
		let from = 0;
		let column = x;
		for (let i = 0; i < line.length; i++) {
			const c = line.charCodeAt(i);
			if (c >= 0x20 && c < 0x7f) {
				column++;
				continue;
			}
			if (c === 0x1b) {
				if (line.charCodeAt(i + 1) !== 0x5b) return null;
				const last = sgrEnd(line, i);
				if (last < 0) return null;
				if (i > from) {
					text += between(previous, styles) + line.slice(from, i);
					previous = styles;
				}
				styles = reduceAnsiCodesIncremental(styles, codesOf(line.slice(i, last + 1)));
				i = last;
				from = last + 1;
				continue;
			}
			const w = aloneWidth(c);
			if (w < 0) return null;
			column += Math.max(1, w);
		}
		if (line.length > from) {
			text += between(previous, styles) + line.slice(from);
			previous = styles;
		}
		end = column;
	}
	return (text + between(previous, none)).trimEnd();
}

/** The text Ink's Output#get gives for a one-row Output of `width` with these writes, in order. */
export function buildRow(width: number, pieces: readonly RowPiece[]): string {
	const runs = buildRuns(width, pieces);
	if (runs !== null) return runs;
	row.reset(width);
	for (const {x, line} of pieces) if (!row.writeFast(x, line)) row.writeSlow(x, line);
	return row.toString();
}
