import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import React from 'react';
import {render} from 'ink-testing-library';
import {TrendLines, trendLine} from '../../source/components/TrendLines.js';
import type {TrendPoint} from '../../source/monitor/reports.js';

const ansi = /\u001B\[[0-9;]*m/g;

function points(n: number, f: (i: number) => Partial<TrendPoint> = () => ({})): TrendPoint[] {
	return Array.from({length: n}, (_, i) => ({
		time: i * 60_000,
		cpuPercent: 40,
		memoryPercent: 50,
		serverRssMb: 100 + i,
		latencyP95Ms: 20,
		lossPercent: 0,
		alerts: 0,
		...f(i),
	}));
}

function frame(props: Parameters<typeof TrendLines>[0]): string {
	const {lastFrame, unmount} = render(<TrendLines {...props} />);
	const text = (lastFrame() ?? '').replace(ansi, '');
	unmount();
	return text;
}

describe('TrendLines', () => {
	it('draws percentages on 0–100 and other figures up to their maximum; no data is a space', () => {
		assert.equal(trendLine([40, 41, 40], 10, {max: 100}), '▄▄▄');
		assert.equal(trendLine([0, 50, 100], 10), '▁▅█');
		assert.equal(trendLine([10, null, 10], 10), '█ █');
		assert.equal(
			trendLine([1, 2, 3, 4], 2),
			'▇█',
			'the newest points when there are more than fit',
		);
	});

	for (const width of [40, 100]) {
		it(`at ${width} columns: one line per trend with the latest value, warnings in words`, () => {
			const text = frame({
				points: points(60, (i) => (i === 59 ? {lossPercent: 5, latencyP95Ms: 650} : {})),
				width,
				rows: 4,
			});
			const lines = text.split('\n');
			assert.equal(lines.length, 4);
			assert.ok(
				lines.every((l) => [...l].length <= width),
				text,
			);
			assert.match(lines[0] ?? '', /^p95\s+[▁-█]+\s+650ms WARN$/);
			assert.match(lines[1] ?? '', /^RSS\s+[▁-█]+\s+159MB$/);
			assert.match(lines[2] ?? '', /^CPU\s+▄+\s+40%$/);
			assert.match(lines[3] ?? '', /^loss\s+[▁-█]+\s+5\.0% WARN$/);
		});
	}

	it('says the first minute is being collected, and shows nothing with no rows', () => {
		assert.match(frame({points: [], width: 80, rows: 3}), /first minute is still being collected/);
		assert.equal(frame({points: points(3), width: 80, rows: 0}), '');
	});
});
