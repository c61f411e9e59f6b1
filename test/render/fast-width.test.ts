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
		for (const t of [c, `x${c}${c}y`, `${c}a`]) {
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

test('fastSliceAnsi: every BMP character, cut around and through', () => {
	for (let code = 0; code < 0x10000; code++) {
		const c = String.fromCharCode(code);
		const t = `x${c}${c}y`;
		for (const [start, end] of [
			[1, 2],
			[0, 3],
			[2, undefined],
			[1, 1],
		] as const) {
			if (slice(t, start, end) !== sliceAnsi(t, start, end))
				assert.fail(`U+${code.toString(16)}: slice(${start}, ${end})`);
		}
	}
});
