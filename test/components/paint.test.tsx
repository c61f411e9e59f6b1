import {test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';
import chalk from 'chalk';
import fc from 'fast-check';
import {C, ColorContext, paint, type Style} from '../../source/components/theme.js';
import {AlertsPane} from '../../source/components/AlertsPane.js';
import {alert, snapshot} from '../helpers/snapshot.js';

// Ink's <Text> colours through the same chalk as paint(); a test run has no terminal, so chalk would
// write no codes at all and every comparison would hold trivially. Every level is tried instead.
async function withLevel<T>(level: 0 | 1 | 2 | 3, run: () => T | Promise<T>): Promise<T> {
	const was = chalk.level;
	chalk.level = level;
	try {
		return await run();
	} finally {
		chalk.level = was;
	}
}

function frame(node: React.ReactElement, colour: boolean): string {
	const {lastFrame, unmount} = render(
		<ColorContext.Provider value={colour}>{node}</ColorContext.Provider>,
	);
	const text = lastFrame() ?? '';
	unmount();
	return text;
}

const colours = fc.constantFrom(
	undefined,
	'red',
	'green',
	'yellow',
	'cyan',
	'magenta',
	'gray',
	'#ff8800',
	'ansi256(202)',
	'rgb(10, 200, 30)',
	'notacolour',
);
const style: fc.Arbitrary<Style> = fc.record(
	{color: colours, bold: fc.boolean(), inverse: fc.boolean(), dim: fc.boolean()},
	{requiredKeys: []},
);
const text = fc.stringMatching(/^[a-z ×·─▶⚠界]{0,12}$/);

test('a painted line is byte for byte the line of <C> pieces Ink draws, at every colour level', async () => {
	for (const level of [0, 1, 2, 3] as const) {
		await withLevel(level, () =>
			fc.assert(
				fc.property(
					fc.array(fc.tuple(text, style), {maxLength: 6}),
					fc.boolean(),
					(pieces, colour) => {
						const nested = frame(
							<Text wrap="truncate-end">
								{pieces.map(([t, s], i) => (
									<C key={i} {...s}>
										{t}
									</C>
								))}
							</Text>,
							colour,
						);
						const painted = frame(
							<Text wrap="truncate-end">
								{pieces.map(([t, s]) => paint(t, s, colour)).join('')}
							</Text>,
							colour,
						);
						assert.equal(painted, nested);
					},
				),
				{numRuns: 150},
			),
		);
	}
});

test('paint drops colour and dim when colour is off, keeps bold and inverse', async () => {
	await withLevel(3, () => {
		assert.equal(paint('x', {color: 'red', dim: true}, false), 'x');
		assert.equal(paint('x', {bold: true}, false), '\u001B[1mx\u001B[22m');
		assert.equal(paint('x', {inverse: true}, false), '\u001B[7mx\u001B[27m');
		assert.equal(paint('x', {color: 'red'}, true), '\u001B[31mx\u001B[39m');
		assert.equal(paint('', {color: 'red', bold: true}, true), '');
	});
});

const alerts = (texts: string[]) => ({
	...snapshot().alerts,
	items: texts.map((t, i) =>
		alert({severity: i % 2 === 0 ? 'error' : 'warning', text: t, count: 1}),
	),
	totals: {critical: 0, error: 1, warning: 1},
});

function paneFrame(texts: string[], width: number): string {
	return frame(
		<AlertsPane
			alerts={alerts(texts)}
			width={width}
			height={6}
			focused
			selected={1}
			filter=""
			editingFilter={false}
		/>,
		true,
	);
}

test('alert rows drawn as one text are coloured and cut like rows drawn one by one', async () => {
	await withLevel(1, () => {
		const lines = paneFrame(['ERROR - disk full', 'WARNING - slow tick'], 60).split('\n');
		// Title, then the two rows: the first error in red and bold, the selected row marked inverse.
		assert.equal(lines.length, 3);
		assert.match(lines[1]!, /\u001B\[1m\u001B\[31mERROR \u001B\[39m\u001B\[22m/);
		assert.match(lines[2]!, /^\u001B\[7m›\u001B\[27m/);
		assert.match(stripVTControlCharacters(lines[2]!), /WARN +slow tick$/);
		for (const line of lines) assert.ok(stripVTControlCharacters(line).length <= 60, line);
	});
});

test('a row of wide characters wider than the pane is cut as Ink cuts a lone row, rows below it intact', async () => {
	await withLevel(1, () => {
		// 30 columns: the clip counts characters, so 界 (two columns each) would overflow the row.
		const wide = `ERROR - ${'界'.repeat(20)}`;
		const lines = paneFrame([wide, 'WARNING - after it'], 30).split('\n');
		assert.equal(lines.length, 3);
		const plain = lines.map((l) => stripVTControlCharacters(l));
		const alone = stripVTControlCharacters(
			frame(
				<Box width={30}>
					<Text wrap="truncate-end">{` 09:59:55 ERROR       ${'界'.repeat(6)}…`}</Text>
				</Box>,
				false,
			),
		);
		assert.ok(alone.endsWith('…'), alone);
		assert.equal(plain[1]!.replace(/\d\d:\d\d:\d\d/, '09:59:55'), alone);
		assert.match(plain[2]!, /^›\d\d:\d\d:\d\d WARN {8}after …$/);
	});
});
