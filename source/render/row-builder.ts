// A changed row, built to the byte as Ink 6.8's Output#get builds it, for a fraction of the work.
//
// Ink's get makes an object for every cell of the row, runs a grapheme segmenter over every line it
// writes (@alcalzone/ansi-tokenize's tokenize) and copies the active styles into a new array for
// every character (styledCharsFromTokens), then joins the cells, working out the escape codes
// between each pair of neighbours (diffAnsiCodes: three Sets and two arrays a character). Once the
// line cache (line-cache.ts) reuses unchanged rows, that is most of an idle frame and of a busy one
// (BENCHMARKS.md, part 8). The common row (buildRuns: writes left to right, of characters that
// stand alone and SGR sequences; every row mcptop draws, counted in the demo idle and busy) needs
// no cells at all: between two escape codes a line's characters share one style, so their text is
// the line's own substring. The steps that decide the text are the library's own: its tokenize for
// every escape sequence (remembered by sequence), its reduceAnsiCodesIncremental for the active
// styles, its diffAnsiCodes and ansiCodesToString where the styles change (a diff between equal
// styles is empty, so skipping it there changes nothing). Any other row (overlapping writes, text
// the segmenter must read) is built in cells from the library's styled characters, as Ink does,
// only with two arrays for the cells. test/render/row-builder.test.ts checks both against Ink's get.
import {
	ansiCodesToString,
	diffAnsiCodes,
	reduceAnsiCodesIncremental,
	styledCharsFromTokens,
	tokenize,
	type AnsiCode,
} from '@alcalzone/ansi-tokenize';
import stringWidth from 'string-width';
import {sgrEnd, standAloneWidths} from './fast-width.js';
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

	/** Writes a line from x as Ink does: the library's styled characters, a wide one's spare cells empty. */
	write(x: number, line: string): void {
		let offsetX = x;
		for (const {value, styles} of styledCharsFromTokens(tokenize(line))) {
			const width = Math.max(1, stringWidth(value));
			this.values[offsetX] = value;
			this.styles[offsetX] = styles;
			for (let k = 1; k < width; k++) {
				this.values[offsetX + k] = '';
				this.styles[offsetX + k] = styles;
			}
			offsetX += width;
		}
	}

	/** The row's text: Ink's styledCharsToString over the cells, then trimEnd. */
	toString(): string {
		const {values, styles, parts} = this;
		// Before the first cell nothing is styled: its codes are all of its styles, as Ink writes them.
		let previous = none;
		for (let k = 0; k < values.length; k++) {
			const value = values[k];
			// A cell skipped by a write past the end of the row is a hole, which Ink filters out.
			if (value === undefined) continue;
			const current = styles[k]!;
			parts.push(between(previous, current), value);
			previous = current;
		}
		parts.push(between(previous, none));
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
	for (const {x, line} of pieces) row.write(x, line);
	return row.toString();
}
