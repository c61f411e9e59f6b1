import {test} from 'node:test';
import assert from 'node:assert/strict';
import {RingBuffer} from '../../source/lib/ring.js';

test('keeps the newest items in order and never grows past capacity', () => {
	const r = new RingBuffer<number>(3);
	for (let i = 1; i <= 10; i++) r.push(i);
	assert.deepEqual(r.toArray(), [8, 9, 10]);
	assert.equal(r.length, 3);
	assert.deepEqual(r.last(2), [9, 10]);
	assert.equal(r.newest(), 10);
	assert.equal(r.oldest(), 8);
	r.dropWhile((x) => x < 10);
	assert.deepEqual(r.toArray(), [10]);
	r.clear();
	assert.equal(r.newest(), undefined);
	assert.throws(() => new RingBuffer(0), /capacity/);
});
