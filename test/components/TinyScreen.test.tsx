import {test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {render} from 'ink-testing-library';
import type {DialogState} from '../../source/actions/runner.js';
import {TinyScreen, isTooSmall, tooSmallNotice} from '../../source/components/TinyScreen.js';
import {formatClock} from '../../source/lib/format.js';
import {snapshot, t0} from '../helpers/snapshot.js';

const keys = [
	{key: 'q', label: 'quit'},
	{key: '?', label: 'help'},
	{key: 'r', label: 'restart', disabled: true},
];
const idle: DialogState = {phase: 'idle', notice: null};

function frame(
	columns: number,
	rows: number,
	extra: {dialog?: DialogState; notice?: string | null} = {},
): string[] {
	const {lastFrame} = render(
		<TinyScreen
			columns={columns}
			rows={rows}
			snapshot={snapshot({health: 'WARN', reasons: ['latency p95 820ms > 500ms']})}
			dialog={extra.dialog ?? idle}
			keys={keys}
			notice={extra.notice ?? null}
		/>,
	);
	const text = stripVTControlCharacters(lastFrame() ?? '');
	return text === '' ? [] : text.split('\n');
}

test('below 40×12 is too small; 40×12 is not', () => {
	assert.equal(isTooSmall(40, 12), false);
	assert.equal(isTooSmall(39, 12), true);
	assert.equal(isTooSmall(40, 11), true);
	assert.equal(isTooSmall(1, 1), true);
	assert.equal(tooSmallNotice(20, 6), 'terminal too small 20×6: need 40×12');
});

test('the notice first, cut to the width; the health line; the reasons; the key bar last', () => {
	assert.deepEqual(frame(39, 8), [
		'terminal too small 39×8: need 40×12',
		`mcptop WARN ${formatClock(t0)} LIVE`,
		'latency p95 820ms > 500ms',
		'',
		'',
		'',
		'q quit  ? help  r restart(off)',
	]);
	assert.deepEqual(frame(12, 4), ['terminal to…', 'mcptop WARN…', 'q quit  ?']);
	assert.deepEqual(frame(5, 3), ['term…', 'mcpt…']);
	assert.deepEqual(frame(1, 2), ['…']);
});

test('a one-row terminal gets no line at all: a frame as tall as the terminal makes Ink clear it', () => {
	assert.deepEqual(frame(30, 1), []);
	assert.deepEqual(frame(1, 1), []);
});

test('a pending question says so, and the key bar gives way to a notice', () => {
	const confirm: DialogState = {
		phase: 'confirm',
		kind: 'restart',
		title: 'Restart server',
		plan: {lines: ['stop pid 4242'], problems: [], context: null},
	};
	const lines = frame(30, 6, {dialog: confirm, notice: 'an action is running: press q again'});
	assert.equal(lines[2], 'Restart server asks y/N: make…');
	assert.equal(lines.at(-1), 'an action is running: press q…');
	for (const line of lines) assert.ok([...line].length <= 30, JSON.stringify(line));
});
