import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import React from 'react';
import {render} from 'ink-testing-library';
import stripAnsi from 'strip-ansi';
import {HistoryView, historyLineCount} from '../../source/components/HistoryView.js';
import {defaultConfig} from '../../source/config.js';
import {analyseLogs, type HistoryReport} from '../../source/logs/history.js';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {at, line, multiDayLog, multiDayNow} from './log-fixtures.js';

after(removeTempDirs);

async function report(text = multiDayLog()): Promise<HistoryReport> {
	const file = path.join(tempDir(), 'server.log');
	fs.writeFileSync(file, text);
	return analyseLogs({
		files: [file],
		rules: defaultConfig().alerts.rules,
		patternFirst: false,
		maxBytes: 1 << 30,
		days: 7,
		now: multiDayNow,
	});
}

function frame(element: React.ReactElement): string[] {
	const view = render(element);
	const lines = stripAnsi(view.lastFrame() ?? '').split('\n');
	view.unmount();
	return lines;
}

test('the history fits 80 columns and more, with every hour shown, empty ones too', async () => {
	const r = await report();
	for (const width of [80, 120]) {
		const lines = frame(
			<HistoryView report={r} progress={null} error={null} width={width} height={60} />,
		);
		assert.equal(lines[0], 'History of the logs');
		for (const l of lines) assert.ok([...l].length <= width, `${width}: ${l}`);
		const hours = lines.filter((l) => /^2026-11-2\d \d\d:00 \|/.test(l));
		assert.equal(hours.length, 24, `${width} columns`);
		assert.ok(hours.some((l) => l.startsWith('2026-11-28 11:00 |') && l.endsWith('C0 E0 W0 ·0')));
		assert.ok(lines.some((l) => l.includes('KeyError  at tools.py:7 in run')));
		// Bars scale to the room: the busiest hour's bar is longer at 120 columns.
		const busiest = hours.find((l) => l.startsWith('2026-11-28 10:00'))!;
		assert.ok((busiest.match(/[▓▒]/g) ?? []).length > (width === 80 ? 30 : 60), busiest);
	}
});

test('the view keeps to its height and scrolls', async () => {
	const r = await report();
	const top = frame(<HistoryView report={r} progress={null} error={null} width={80} height={8} />);
	assert.equal(top.length, 8);
	assert.ok(top[1]!.startsWith('History: 1 file'));
	const total = historyLineCount(r, 80);
	const bottom = frame(
		<HistoryView report={r} progress={null} error={null} width={80} height={8} scroll={10_000} />,
	);
	assert.equal(bottom.length, 8);
	assert.ok(bottom.at(-1)!.startsWith('2026-11-29 09:00 |'), bottom.at(-1));
	assert.ok(total > 30);
});

test('progress, failure and hostile text', async () => {
	const progress = frame(
		<HistoryView
			report={null}
			progress={{
				bytesRead: 50 * 1024 * 1024,
				bytesPlanned: 200 * 1024 * 1024,
				file: '/var/log/server.log.1',
				elapsedMs: 900,
			}}
			error={null}
			width={80}
			height={5}
		/>,
	);
	assert.equal(progress[1], 'analysing… reading server.log.1: 25% (50 MB of 200 MB)');
	const failed = frame(
		<HistoryView report={null} progress={null} error="EACCES" width={80} height={5} />,
	);
	assert.equal(failed[1], 'history failed: EACCES');
	const r = await report(
		line(at(2026, 11, 29, 9), 'ERROR', 'evil \u001b]0;owned\u0007 \u001b[2J KeyError here'),
	);
	const lines = frame(
		<HistoryView report={r} progress={null} error={null} width={80} height={40} />,
	);
	assert.ok(!lines.join('\n').includes('\u001b'), 'no escape reaches the terminal');
	assert.ok(lines.some((l) => l.includes('KeyError')));
});
