import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {KeyBar, sameKeyBarProps} from '../../source/components/KeyBar.js';

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

test('memo: a new list of the same hints is the same bar; a changed hint draws again', async () => {
	const copy = keys.map((k) => ({...k}));
	assert.equal(sameKeyBarProps({keys, width: 80}, {keys: copy, width: 80}), true);
	assert.equal(sameKeyBarProps({keys, width: 80}, {keys: copy, width: 81}), false);
	assert.equal(sameKeyBarProps({keys}, {keys, notice: 'note'}), false);
	assert.equal(sameKeyBarProps({keys}, {keys: keys.slice(1)}), false);
	const relabelled = copy.map((k) => (k.key === 'p' ? {...k, label: 'resume'} : k));
	assert.equal(sameKeyBarProps({keys}, {keys: relabelled}), false);
	const enabled = copy.map((k) => (k.key === 'r' ? {key: 'r', label: 'restart'} : k));
	assert.equal(sameKeyBarProps({keys}, {keys: enabled}), false);
	const {lastFrame, rerender} = render(<KeyBar keys={keys} width={120} />);
	rerender(<KeyBar keys={relabelled} width={120} />);
	await new Promise((r) => setTimeout(r, 0));
	assert.match(lastFrame() ?? '', /p resume/);
});
