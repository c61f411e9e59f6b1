import assert from 'node:assert/strict';
import {test} from 'node:test';
import {plural} from '../../source/lib/format.js';

test('plural: one noun, otherwise its plural', () => {
	assert.equal(plural(1, 'file'), '1 file');
	assert.equal(plural(0, 'file'), '0 files');
	assert.equal(plural(4, 'process', 'processes'), '4 processes');
});
