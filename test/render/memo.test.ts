import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {memoByText, TwoGenerationMap} from '../../source/render/memo.js';

test('memoByText: the same answers as the function, computed once per text while it is remembered', () => {
	fc.assert(
		fc.property(
			fc.array(
				fc.constantFrom(
					'',
					'a',
					'─ Ports ──',
					'▁▂█',
					'界😀',
					'x\ny',
					'·…',
					'\u001b[31mred\u001b[39m',
				),
				{
					maxLength: 60,
				},
			),
			fc.integer({min: 1, max: 4}),
			(texts, max) => {
				const computed: string[] = [];
				const width = memoByText((text: string) => {
					computed.push(text);
					return stringWidth(text);
				}, max);
				for (const [i, text] of texts.entries()) {
					assert.equal(width(text), stringWidth(text));
					// Asked again at once: remembered, not computed again.
					const before = computed.length;
					assert.equal(width(text), stringWidth(text));
					assert.equal(computed.length, before, `text ${i} computed twice in a row`);
				}
				// Never more computations than asks, and at least one per distinct text.
				assert.ok(computed.length <= texts.length);
				assert.ok(computed.length >= new Set(texts).size);
			},
		),
	);
});

test('memoByText: a screen of texts asked frame after frame is computed once', () => {
	let computations = 0;
	const width = memoByText((text: string) => {
		computations++;
		return stringWidth(text);
	}, 64);
	const screen = Array.from({length: 48}, (_, i) => `row ${i} ─────── ▁▂▃`);
	for (let frame = 0; frame < 100; frame++) for (const row of screen) width(row);
	assert.equal(computations, 48);
});

test('TwoGenerationMap: bounded however many keys pass, and a key in use is kept', () => {
	const map = new TwoGenerationMap<string, number>(100);
	map.set('header', 1);
	for (let tick = 0; tick < 10_000; tick++) {
		// A clock's text every tick, and the header asked for every tick: the one stays, the rest go.
		map.set(`17:${tick}`, tick);
		assert.equal(map.get('header'), 1, `tick ${tick}`);
		assert.ok(map.size <= 200, `size ${map.size} at tick ${tick}`);
	}
	assert.equal(map.get('17:9999'), 9999);
	assert.equal(map.get('17:0'), undefined);
});
