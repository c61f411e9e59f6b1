import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {InkOutputClass as Output, inkOutputGet} from '../../source/render/line-cache.js';
import {buildRow, type RowPiece} from '../../source/render/row-builder.js';

/** Ink's own text for a one-row Output with these writes. */
function inkRow(width: number, pieces: RowPiece[]): string {
	const output = new Output({width, height: 1});
	for (const p of pieces) output.write(p.x, 0, p.line, {transformers: []});
	return inkOutputGet(output).output;
}

// What lines on mcptop's screen are made of, and what a log or a server could put there: ASCII,
// box lines and sparklines, wide characters, emoji and flags, combining marks, controls, every kind
// of SGR sequence (compound, 8-bit and 24-bit colours, resets, ends, intensity pairs), broken
// sequences, a CSI that is not SGR, an OSC 8 link, and the C1 CSI.
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
