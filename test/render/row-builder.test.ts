import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {InkOutputClass as Output, inkOutputGet} from '../../source/render/line-cache.js';
import {buildRow, buildRuns, type RowPiece} from '../../source/render/row-builder.js';

/** Ink's own text for a one-row Output with these writes. */
function inkRow(width: number, pieces: RowPiece[]): string {
	const output = new Output({width, height: 1});
	for (const p of pieces) output.write(p.x, 0, p.line, {transformers: []});
	return inkOutputGet(output).output;
}

// Every kind of SGR sequence: compound, 8-bit and 24-bit colours, resets, ends, intensity pairs.
const sgr = [
	'\u001B[31m',
	'\u001B[39m',
	'\u001B[1m',
	'\u001B[2m',
	'\u001B[22m',
	'\u001B[7m',
	'\u001B[27m',
	'\u001B[0m',
	'\u001B[m',
	'\u001B[1;3;31m',
	'\u001B[38;5;208m',
	'\u001B[48;2;10;20;30m',
	'\u001B[49m',
];
// What lines on mcptop's screen are made of, and what a log or a server could put there: ASCII,
// box lines and sparklines, wide characters, emoji and flags, combining marks, controls, the SGR
// sequences above, broken sequences, a CSI that is not SGR, an OSC 8 link, and the C1 CSI.
const part = fc.constantFrom(
	'a',
	'Z',
	' ',
	'·',
	'…',
	'─',
	'▁',
	'█',
	'界',
	'ｱ',
	'😀',
	'🇫🇷',
	'❤\uFE0F',
	'e\u0301',
	'\u0301',
	'\u200D',
	'\t',
	'\r',
	...sgr,
	'\u001B[',
	'\u001B[3',
	'\u001B[2K',
	'\u001B',
	'\u001B]8;;https://example.test\u0007',
	'\u001B]8;;\u0007',
	'\u009B31m',
);
const line = fc.array(part, {maxLength: 16}).map((parts) => parts.join(''));
const piece = fc.record({x: fc.integer({min: -3, max: 30}), line});

test('a row is the text Ink builds for it, for random writes that overlap, cut and style', () => {
	fc.assert(
		fc.property(fc.integer({min: 1, max: 28}), fc.array(piece, {maxLength: 6}), (width, pieces) => {
			assert.equal(buildRow(width, pieces), inkRow(width, pieces));
		}),
		{numRuns: 3000},
	);
});

test('rows like mcptop draws are the text Ink builds', () => {
	const rows: Array<[number, RowPiece[]]> = [
		[40, []],
		[40, [{x: 0, line: '\u001B[1m\u001B[36mmcptop\u001B[39m\u001B[22m 10:00:01'}]],
		[
			40,
			[
				{x: 0, line: '\u001B[32mOK\u001B[39m'},
				{x: 2, line: '\u001B[32m  6277\u001B[39m'},
				{x: 12, line: '▁▂▃▅▇█ 12 ms · p95 40 ms…'},
			],
		],
		// Styles that meet without a gap: the codes between them are a diff, not a close and open.
		[
			20,
			[
				{x: 0, line: '\u001B[31mab\u001B[39m'},
				{x: 2, line: '\u001B[31m\u001B[1mcd'},
			],
		],
		// A wide character cut by a later write, and one past the right edge.
		[
			6,
			[
				{x: 0, line: '界界界'},
				{x: 1, line: 'x'},
				{x: 5, line: '界y'},
			],
		],
		[10, [{x: -2, line: '\u001B[7mabcdef\u001B[27m'}]],
		[10, [{x: 14, line: 'far'}]],
	];
	for (const [width, pieces] of rows) assert.equal(buildRow(width, pieces), inkRow(width, pieces));
	// And the result is not trivially empty: the text and its codes are there.
	assert.equal(buildRow(10, [{x: 2, line: '\u001B[31mab\u001B[39m'}]), '  \u001B[31mab\u001B[39m');
});

// The common row (buildRuns: no cells): writes left to right with gaps or none, of characters
// that stand alone, wide ones among them, and SGR sequences.
const simplePart = fc.constantFrom('a', ' ', '·', '─', '█', '界', ...sgr);
const simpleRow = fc
	.array(
		fc.record({gap: fc.integer({min: 0, max: 4}), parts: fc.array(simplePart, {maxLength: 10})}),
		{maxLength: 5},
	)
	.map((writes) => {
		const pieces: RowPiece[] = [];
		let x = 0;
		for (const w of writes) {
			x += w.gap;
			const line = w.parts.join('');
			pieces.push({x, line});
			x += w.parts.reduce((n, p) => n + (p === '界' ? 2 : p.startsWith('\u001B') ? 0 : 1), 0);
		}
		return pieces;
	});

test('the common row is built without cells, and is the text Ink builds', () => {
	fc.assert(
		fc.property(fc.integer({min: 1, max: 40}), simpleRow, (width, pieces) => {
			const ends = pieces.map((p) => p.x);
			// Within the cells Ink initialises (or right after the last write): the run path's domain.
			fc.pre(ends.every((x) => x <= width) || pieces.length <= 1);
			const runs = buildRuns(width, pieces);
			if (pieces.every((p) => p.x <= width)) assert.notEqual(runs, null);
			if (runs !== null) assert.equal(runs, inkRow(width, pieces));
			assert.equal(buildRow(width, pieces), inkRow(width, pieces));
		}),
		{numRuns: 3000},
	);
});
