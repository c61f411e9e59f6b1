// An unchanged line costs next to nothing: Ink 6.8 builds every frame from scratch (a cell object for
// every column of every row, each line tokenised for its ANSI codes, each cell measured, each row
// joined again), so a 160×47 screen costs the same whether one character changed or none. This
// replaces Output#get, the step that does that, with one that works out what lands on each row first
// (the same clipping and transforms, in the same order) and reuses last frame's row string when a
// row's writes are the same; a changed row is built as Ink's get() builds a one-row Output, to the
// byte, with less work (row-builder.ts). Nothing else of Ink changes: panes stay React components,
// Yoga lays them out, log-update writes the frame. test/render/line-cache.test.ts checks the result against Ink's
// get() for random frames. Written to be offered upstream as a cache inside Output.
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
// Not in Ink's package exports: the class Ink's renderer uses, reached by its path (the bundle
// resolves it to the same module, so the prototype patched here is the one Ink calls).
import Output from '../../node_modules/ink/build/output.js';
import {memoByText, TwoGenerationMap} from './memo.js';
import {buildRow} from './row-builder.js';

type Transformer = (line: string, index: number) => string;
type Clip = {x1?: number; x2?: number; y1?: number; y2?: number};
type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]}
	| {type: 'clip'; clip: Clip}
	| {type: 'unclip'};
type InkOutput = {width: number; height: number; operations: Operation[]};
type Get = (this: unknown) => {output: string; height: number};

const originalGet = (Output.prototype as unknown as {get: Get}).get;

/** One write that lands on a row, after clipping and transforms: where and what. */
type Piece = {x: number; line: string};

// Last frame's rows by position, the writes that made each and its text: a row whose writes are
// the same as last frame's is last frame's text, found without a key to build or hash.
let previous: {width: number; rows: Array<{pieces: Piece[]; text: string}>} = {width: -1, rows: []};
// Rows of one write (most of a screen: a <Text> is one write) by that write's text, in two
// generations: a row that moved (a list scrolled) is found where it was. The text itself is the key.
const maxRows = 1024;
let rows = new TwoGenerationMap<string, {x: number; width: number; text: string}>(maxRows);
// Cutting a line to its box (slice-ansi) is most of what is left once rows are reused: cut lines
// by line and cut, in two generations like the rows.
const maxCuts = 2048;
let cuts = new TwoGenerationMap<string, string>(maxCuts);

function cut(line: string, from: number, to: number): string {
	const key = `${from}:${to}:${line}`;
	let text = cuts.get(key);
	if (text === undefined) {
		text = sliceAnsi(line, from, to);
		cuts.set(key, text);
	}
	return text;
}

const widthOf = memoByText(stringWidth);

// A clipped write's text is the same from frame to frame: one lookup, not a split and a width a line.
const widestLine = memoByText((text: string) => {
	let widest = 0;
	for (const line of text.split('\n')) widest = Math.max(widest, widthOf(line));
	return widest;
});

/** What lands on each row, in Ink's order; null when a transform returned more than one line. */
function piecesByRow(output: InkOutput): Piece[][] | null {
	const byRow: Piece[][] = Array.from({length: output.height}, () => []);
	const clips: Clip[] = [];
	for (const operation of output.operations) {
		if (operation.type === 'clip') {
			clips.push(operation.clip);
			continue;
		}
		if (operation.type === 'unclip') {
			clips.pop();
			continue;
		}
		if (!operation.text) continue;
		let {x, y} = operation;
		let lines = operation.text.split('\n');
		const clip = clips.at(-1);
		if (clip) {
			const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
			const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
			if (clipHorizontally) {
				const width = widestLine(operation.text);
				if (x + width < clip.x1! || x > clip.x2!) continue;
			}
			if (clipVertically) {
				if (y + lines.length < clip.y1! || y > clip.y2!) continue;
			}
			if (clipHorizontally) {
				const from = x < clip.x1! ? clip.x1! - x : 0;
				lines = lines.map((line) => {
					const width = widthOf(line);
					const to = x + width > clip.x2! ? clip.x2! - x : width;
					return cut(line, from, to);
				});
				if (x < clip.x1!) x = clip.x1!;
			}
			if (clipVertically) {
				const from = y < clip.y1! ? clip.y1! - y : 0;
				const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
				lines = lines.slice(from, to);
				if (y < clip.y1!) y = clip.y1!;
			}
		}
		let offsetY = 0;
		// Index loops: an iterator and an [index, value] pair per line is garbage every frame.
		for (let index = 0; index < lines.length; index++) {
			let line = lines[index]!;
			const row = byRow[y + offsetY];
			if (!row) continue;
			for (const transformer of operation.transformers) line = transformer(line, index);
			if (line.includes('\n')) return null;
			row.push({x, line});
			offsetY++;
		}
	}
	return byRow;
}

function samePieces(a: Piece[], b: Piece[]): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++)
		if (a[i]!.x !== b[i]!.x || a[i]!.line !== b[i]!.line) return false;
	return true;
}

function rowText(width: number, pieces: Piece[]): string {
	if (pieces.length === 0) return '';
	if (pieces.length > 1) return buildRow(width, pieces);
	const {x, line} = pieces[0]!;
	const known = rows.get(line);
	if (known !== undefined && known.x === x && known.width === width) return known.text;
	const text = buildRow(width, pieces);
	rows.set(line, {x, width, text});
	return text;
}

function cachedGet(this: InkOutput): {output: string; height: number} {
	const byRow = piecesByRow(this);
	if (!byRow) return originalGet.call(this);
	const last = previous.width === this.width ? previous.rows : [];
	const next: Array<{pieces: Piece[]; text: string}> = [];
	for (let y = 0; y < byRow.length; y++) {
		const pieces = byRow[y]!;
		const was = last[y];
		next.push(
			was && samePieces(was.pieces, pieces) ? was : {pieces, text: rowText(this.width, pieces)},
		);
	}
	previous = {width: this.width, rows: next};
	return {output: next.map((row) => row.text).join('\n'), height: byRow.length};
}

/** Ink's own Output#get, for comparison in tests and the bench. */
export function inkOutputGet(output: unknown): {output: string; height: number} {
	return originalGet.call(output);
}

/** Output#get with the row cache; the same text as Ink's. */
export function cachedOutputGet(output: unknown): {output: string; height: number} {
	return cachedGet.call(output as InkOutput);
}

let installed = false;

/** Makes every Ink frame from now on reuse unchanged rows. Idempotent. */
export function installLineCache(): void {
	if (installed) return;
	installed = true;
	(Output.prototype as unknown as {get: Get}).get = cachedGet as Get;
}

/** Back to Ink's own get (tests, and the bench's side-by-side of both). */
export function uninstallLineCache(): void {
	if (!installed) return;
	installed = false;
	(Output.prototype as unknown as {get: Get}).get = originalGet;
	previous = {width: -1, rows: []};
	rows = new TwoGenerationMap(maxRows);
	cuts = new TwoGenerationMap(maxCuts);
}

export {Output as InkOutputClass};
