import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {clip, col, fit, plural} from '../../source/lib/format.js';

test('plural: one noun, otherwise its plural', () => {
	assert.equal(plural(1, 'file'), '1 file');
	assert.equal(plural(0, 'file'), '0 files');
	assert.equal(plural(4, 'process', 'processes'), '4 processes');
});

// The definition fit and clip keep: characters are what [...text] yields (code points; a lone
// surrogate is one).
function fitByArray(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	const chars = [...text];
	if (chars.length > width) return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
	const pad = ' '.repeat(width - chars.length);
	return align === 'left' ? text + pad : pad + text;
}

const anyText = fc
	.array(
		fc.oneof(
			fc.constantFrom('a', ' ', 'é', '界', '😀', '👍🏽', '\ud800', '\udc00', '\ud83d', '…', '─'),
			fc.string({unit: 'binary', maxLength: 4}),
		),
		{maxLength: 30},
	)
	.map((parts) => parts.join(''));

test('fit, clip and col: cut and padded by characters as [...text] counts them', () => {
	fc.assert(
		fc.property(anyText, fc.integer({min: -1, max: 40}), fc.boolean(), (text, width, right) => {
			const align = right ? 'right' : 'left';
			assert.equal(fit(text, width, align), fitByArray(text, width, align));
			const clipped = width <= 0 ? '' : [...text].length > width ? fitByArray(text, width) : text;
			assert.equal(clip(text, width), clipped);
			assert.equal(
				col(text, width, align),
				width <= 1 ? fitByArray(text, width) : fitByArray(text, width - 1, align) + ' ',
			);
		}),
		{numRuns: 5000},
	);
	assert.equal(fit('/usr/bin/node --require x', 10), '/usr/bin/…');
	assert.equal(fit('😀😀😀', 2), '😀…');
	assert.equal(fit('😀😀', 2), '😀😀');
	assert.equal(fit('ab', 4, 'right'), '  ab');
	assert.equal(clip('\ud83d\ud83d\ud83d', 2), '\ud83d…');
});
