import React from 'react';
import {Box, Text} from 'ink';
import {clip, fit, formatMb, formatMs} from '../lib/format.js';
import type {TrendPoint} from '../monitor/reports.js';
import {usePaint} from './theme.js';

export type TrendLinesProps = {
	/** ReportCollector.getHistory().points: a point a minute, oldest first. */
	points: TrendPoint[];
	width: number;
	/** Lines available (one per trend, the most useful first); 0 shows nothing. */
	rows: number;
};

const blocks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * One character per point. Percentages are drawn on 0–100 so 40 % never looks like a peak; other
 * figures from 0 to their own maximum. A minute without data is a space (never a made-up level).
 */
export function trendLine(
	values: Array<number | null>,
	width: number,
	scale: {max?: number} = {},
): string {
	const shown = values.slice(Math.max(0, values.length - width));
	const known = shown.filter((v): v is number => v !== null);
	const top = scale.max ?? Math.max(0, ...known);
	return shown
		.map((v) => {
			if (v === null) return ' ';
			if (top <= 0) return blocks[0];
			const level = Math.floor((Math.max(0, v) / top) * blocks.length);
			return blocks[Math.min(blocks.length - 1, level)];
		})
		.join('');
}

type Trend = {
	label: string;
	values: Array<number | null>;
	max?: number;
	show: (v: number) => string;
	warn?: (v: number) => boolean;
};

/**
 * The last hour as small trend lines (CPU, memory, server RSS, latency p95, loss, alerts), from the
 * health reports' history. Pure: props in, text out.
 */
export function TrendLines({points, width, rows}: TrendLinesProps) {
	const p = usePaint();
	if (rows <= 0) return null;
	const trends: Trend[] = [
		{
			label: 'p95',
			values: points.map((p) => p.latencyP95Ms),
			show: (v) => formatMs(v),
			warn: (v) => v >= 500,
		},
		{
			label: 'RSS',
			values: points.map((p) => p.serverRssMb),
			show: (v) => `${formatMb(v)}MB`,
		},
		{
			label: 'CPU',
			values: points.map((p) => p.cpuPercent),
			max: 100,
			show: (v) => `${v.toFixed(0)}%`,
			warn: (v) => v > 70,
		},
		{
			label: 'loss',
			values: points.map((p) => p.lossPercent),
			max: 100,
			show: (v) => `${v.toFixed(1)}%`,
			warn: (v) => v > 0,
		},
		{
			label: 'alerts',
			values: points.map((p) => p.alerts),
			show: (v) => `${v}/min`,
			warn: (v) => v > 0,
		},
		{
			label: 'mem',
			values: points.map((p) => p.memoryPercent),
			max: 100,
			show: (v) => `${v.toFixed(0)}%`,
			warn: (v) => v > 80,
		},
	];
	if (points.length === 0) {
		return (
			<Text wrap="truncate-end">
				{p(clip('trends: the first minute is still being collected', width), {dim: true})}
			</Text>
		);
	}
	const labelWidth = 7;
	const valueWidth = 10;
	const lineWidth = Math.max(1, Math.min(60, width - labelWidth - valueWidth - 1));
	return (
		<Box flexDirection="column">
			{trends.slice(0, rows).map((t) => {
				const last = [...t.values].reverse().find((v): v is number => v !== null) ?? null;
				const bad = last !== null && t.warn?.(last) === true;
				return (
					<Text key={t.label} wrap="truncate-end">
						{`${fit(t.label, labelWidth - 1)} ${p(
							fit(
								trendLine(t.values, lineWidth, t.max === undefined ? {} : {max: t.max}),
								lineWidth,
							),
							{color: bad ? 'yellow' : 'cyan'},
						)} ${p(last === null ? '—' : t.show(last), {bold: bad})}${bad ? ' WARN' : ''}`}
					</Text>
				);
			})}
		</Box>
	);
}
