import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {KeyBar} from '../../source/components/KeyBar.js';

const keys = [
	{key: 'q', label: 'quit'},
	{key: '?', label: 'help'},
	{key: 'p', label: 'pause'},
	{key: 'r', label: 'restart', disabled: true},
	{key: 'v', label: 'validate'},
	{key: 'c', label: 'concurrency'},
];

test('every key with its label when the line fits, disabled ones marked (off)', () => {
	const {lastFrame} = render(<KeyBar keys={keys} width={120} />);
	assert.equal(lastFrame(), 'q quit  ? help  p pause  r restart(off)  v validate  c concurrency');
});

test('a narrow terminal keeps every working key: disabled left out, later keys lose their labels', () => {
	assert.equal(
		render(<KeyBar keys={keys} width={40} />).lastFrame(),
		'q quit  ? help  p pause  v validate  c',
	);
	assert.equal(render(<KeyBar keys={keys} width={20} />).lastFrame(), 'q quit  ? p v c');
});
