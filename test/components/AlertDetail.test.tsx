import {test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {Box} from 'ink';
import {render} from 'ink-testing-library';
import {
	AlertDetail,
	alertDetailLines,
	alertDetailMax,
} from '../../source/components/AlertDetail.js';
import type {Alert} from '../../source/types.js';
import {alert} from '../helpers/snapshot.js';

function frame(a: Alert, width: number, height: number, scroll = 0): string[] {
	// In a box of that width that cuts, as App places it (the view stretches to the box around it).
	const {lastFrame} = render(
		<Box width={width} overflow="hidden">
			<AlertDetail alert={a} width={width} height={height} scroll={scroll} />
		</Box>,
	);
	return stripVTControlCharacters(lastFrame() ?? '').split('\n');
}

const traceback = [
	'Traceback (most recent call last):',
	'  File "/srv/unreal_blueprint_mcp_server.py", line 210, in handle',
	'    result = compile_blueprint(name)',
	'ValueError: node has no valid target',
];
const withContext = alert({
	text: '2026-11-24 10:00:00,123 - ERROR - compile failed',
	errorType: 'ValueError',
	frame: 'server.py:210 in handle',
	traceback,
	context: {
		before: ['2026-11-24 09:59:59,000 - INFO - compiling BP_Enemy'],
		after: ['2026-11-24 10:00:01,000 - INFO - next request', '2026-11-24 10:00:02,000 - INFO - ok'],
	},
	count: 3,
});

for (const width of [80, 100]) {
	test(`at ${width} columns: the lines before, the line, its traceback, the lines after`, () => {
		const lines = frame(withContext, width, 16);
		assert.match(lines[0]!, /▶ Alert .*Esc closes/);
		assert.match(
			lines[1]!,
			/^ERROR {2}ValueError at server\.py:210 in handle {2}unreal_blueprint_mcp\.log {2}seen 3×/,
		);
		assert.deepEqual(lines.slice(2, 13), [
			'── 1 line before',
			'  2026-11-24 09:59:59,000 - INFO - compiling BP_Enemy',
			'› 2026-11-24 10:00:00,123 - ERROR - compile failed',
			'── traceback, 4 lines',
			...traceback.map((l) => `  ${l}`),
			'── 2 lines after',
			'  2026-11-24 10:00:01,000 - INFO - next request',
			'  2026-11-24 10:00:02,000 - INFO - ok',
		]);
		for (const l of lines) assert.ok([...l].length <= width, JSON.stringify(l));
		assert.doesNotMatch(lines.join('\n'), /no context/);
	});
}

test('without kept context it says so plainly; a long line wraps under its marker', () => {
	const lines = frame(alert({text: `ERROR ${'x'.repeat(100)}`}), 60, 8);
	assert.equal(lines[2], `› ERROR ${'x'.repeat(52)}`);
	assert.equal(lines[3], `  ${'x'.repeat(48)}`);
	assert.equal(lines[4], 'no context lines were kept for this alert');
	for (const l of lines) assert.ok([...l].length <= 60, JSON.stringify(l));
});

test('a long traceback scrolls: the title says which rows show; the scroll stops at the end', () => {
	const long = alert({
		traceback: Array.from({length: 1000}, (_, i) => `  frame ${i}`),
		tracebackLines: 1500,
	});
	const total = alertDetailLines(long, 80).length;
	assert.equal(total, 1 + 1 + 1000 + 1);
	assert.equal(alertDetailMax(long, 80, 12), total - 10);
	const top = frame(long, 80, 12);
	assert.equal(top[3], '── traceback, 1500 lines (1000 kept)');
	assert.match(top[0]!, /rows 1-10 of 1003/);
	const middle = frame(long, 80, 12, 500);
	assert.equal(middle[2], '    frame 498');
	const end = frame(long, 80, 12, 10_000);
	assert.match(end[0]!, /rows 994-1003 of 1003/);
	assert.equal(end.at(-1), 'no context lines were kept for this alert');
});

test('what the log wrote cannot drive the terminal; a huge line shows its start only', () => {
	const hostile = alert({
		traceback: ['\u001B]0;owned\u0007\u001B[2Jboom\u202Eevil'],
		context: {before: ['\u001B[31mred'], after: []},
	});
	const text = alertDetailLines(hostile, 80)
		.map((l) => l.text)
		.join('\n');
	assert.doesNotMatch(text, /[\u001B\u0007\u202E]/);
	assert.match(text, /boomevil/);
	const huge = alertDetailLines(alert({text: 'y'.repeat(5_000_000)}), 100);
	assert.ok(huge.length <= 42, `${huge.length} rows`);
});
