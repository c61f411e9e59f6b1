import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {fastSliceAnsi, fastStringWidth} from '../../source/render/fast-width.js';

const width = fastStringWidth(stringWidth);
const slice = fastSliceAnsi(sliceAnsi, stringWidth);

// Every kind of character the screen or a hostile log can hold: ASCII, box lines and sparklines,
// punctuation, wide CJK, emoji with and without presentation selectors, combining marks, ZWJ,
// Hangul jamo that join, regional indicators, soft hyphen, controls and escape codes.
const pieces = [
	'a',
	'Z',
	' ',
	'~',
	'─',
	'│',
	'▁',
	'█',
	'▶',
	'·',
	'…',
	'°',
	'é',
	'ß',
	'→',
	'✓',
	'◽',
	'☀',
	'界',
	'한',
	'ｱ',
	'ﾞ',
	'😀',
	'👍🏽',
	'❤️',
	'👨‍👩‍👧',
	'1️⃣',
	'🇫🇷',
	'\u0301',
	'\u200d',
	'\u200b',
	'\u00ad',
	'\u1100',
	'\u1161',
	'\u11a8',
	'\u0e33',
	'\ufe0f',
	'\t',
	'\u001b[31m',
	'\u001b[39m',
	'\u001b[1m',
	'\u001b[22m',
	'\u001b[m',
	'\u001b[38;5;202m',
	'\u001b[1;31m',
	'\u001b[12345m',
	'\u001b[',
	'\u001b[3',
	'\u001b[?25l',
	'\u001bm',
	'm',
	'[',
	'\u001b]8;;http://x\u0007',
	'\u009b',
	'\ud800',
	'\u2028',
];
const text = fc.array(fc.constantFrom(...pieces), {maxLength: 40}).map((p) => p.join(''));

test('fastStringWidth: the same width as string-width for random text of every kind', () => {
	fc.assert(
		fc.property(text, (t) => {
			assert.equal(width(t), stringWidth(t));
		}),
		{numRuns: 3000},
	);
	assert.equal(width(''), 0);
	assert.equal(width('─ Ports ──── 2 ports'), stringWidth('─ Ports ──── 2 ports'));
});

test('fastStringWidth: every BMP character alone, doubled and between letters', () => {
	for (let code = 0; code < 0x10000; code++) {
		const c = String.fromCharCode(code);
		for (const t of [c, `x${c}${c}y`, `${c}a`, `\u001b[31m${c}\u001b[39m${c}\u001b[1m`]) {
			if (width(t) !== stringWidth(t))
				assert.fail(
					`U+${code.toString(16)} in ${JSON.stringify(t)}: ${width(t)} vs ${stringWidth(t)}`,
				);
		}
	}
});

test('fastSliceAnsi: the same slice as slice-ansi for random text and columns', () => {
	fc.assert(
		fc.property(
			text,
			fc.integer({min: 0, max: 45}),
			fc.option(fc.integer({min: 0, max: 45}), {nil: undefined}),
			(t, start, end) => {
				assert.equal(slice(t, start, end), sliceAnsi(t, start, end));
			},
		),
		{numRuns: 3000},
	);
});

// What a painted screen line is made of: characters that stand alone (narrow and wide, and a few
// that slice-ansi measures its own way) between SGR sequences of every shape slice-ansi reads:
// single numbers that open, close, reset or mean nothing to it, several numbers at once, 256-colour
// and true-colour forms whole and cut short, empty and stray parameters.
const sgrNumber = fc.integer({min: 0, max: 110}).map(String);
const sgrSequence = fc
	.oneof(
		sgrNumber.map((n) => [n]),
		fc.array(sgrNumber, {minLength: 2, maxLength: 3}),
		fc.constantFrom(
			['38', '5', '202'],
			['48', '5', '17'],
			['38', '2', '10', '20', '30'],
			['48', '2', '1', '2'],
			['38', '5'],
			['38'],
			[''],
			['', ''],
			['01'],
		),
	)
	.map((values) => `\u001b[${values.join(';')}m`);
const painted = fc
	.array(
		fc.oneof(
			{
				weight: 3,
				arbitrary: fc.constantFrom(
					'a',
					' ',
					'─',
					'│',
					'▁',
					'█',
					'·',
					'…',
					'→',
					'✓',
					'界',
					'ｱ',
					'\u200b',
					'\u00ad',
					'◽',
					'☀',
				),
			},
			{weight: 2, arbitrary: sgrSequence},
		),
		{maxLength: 30},
	)
	.map((p) => p.join(''));

test('fastSliceAnsi: a painted line cut as slice-ansi cuts it, styles and all', () => {
	fc.assert(
		fc.property(
			painted,
			fc.integer({min: 0, max: 30}),
			fc.option(fc.integer({min: 0, max: 30}), {nil: undefined}),
			(t, start, end) => {
				assert.equal(slice(t, start, end), sliceAnsi(t, start, end));
			},
		),
		{numRuns: 5000},
	);
	// The lines the screen is drawn with: a chalk-painted title, a bold-and-dim word, a stray close.
	for (const line of [
		'\u001b[1m\u001b[36m─ Ports ─\u001b[39m\u001b[22m 2 ports',
		'\u001b[7m\u001b[1m\u001b[31m\u001b[2mDOWN\u001b[22m\u001b[39m\u001b[22m\u001b[27m',
		'\u001b[39ma',
	])
		for (const [start, end] of [
			[0, stringWidth(line)],
			[1, 4],
			[0, 0],
			[3, undefined],
		] as const)
			assert.equal(slice(line, start, end), sliceAnsi(line, start, end), JSON.stringify(line));
});

test('fastSliceAnsi: every BMP character, plain and between colours, cut around and through', () => {
	for (let code = 0; code < 0x10000; code++) {
		const c = String.fromCharCode(code);
		for (const t of [`x${c}${c}y`, `\u001b[31mx${c}\u001b[1m${c}\u001b[22;39my\u001b[0m`]) {
			for (const [start, end] of [
				[1, 2],
				[0, 3],
				[2, undefined],
				[1, 1],
				[0, 6],
			] as const) {
				if (slice(t, start, end) !== sliceAnsi(t, start, end))
					assert.fail(`U+${code.toString(16)} in ${JSON.stringify(t)}: slice(${start}, ${end})`);
			}
		}
	}
});
