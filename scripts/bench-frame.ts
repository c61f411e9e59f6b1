// What one frame costs Ink in-process, without a terminal: a 160×47 screen of coloured rows
// re-rendered N times into a stream that drops the bytes, CPU time per frame (process.cpuUsage), with
// Ink's own Output#get and with mcptop's line cache (source/render/line-cache.ts); every row changing,
// or only the first (a clock). Prints one JSON line. Run: NODE_ENV=production node --import tsx
// scripts/bench-frame.ts [frames]
import {PassThrough} from 'node:stream';
import React from 'react';
import {Box, Text, render} from 'ink';
import {installLineCache, uninstallLineCache} from '../source/render/line-cache.js';

export type FrameReading = {
	screen: 'all rows change' | 'one row changes';
	cache: boolean;
	msPerFrame: number;
};

const h = React.createElement;

function Screen({n, mode}: {n: number; mode: 'all' | 'one'}) {
	const rows = [];
	for (let i = 0; i < 46; i++) {
		const t = mode === 'one' ? (i === 0 ? n : 0) : n;
		rows.push(
			h(
				Text,
				{key: i, wrap: 'truncate-end'},
				h(Text, {color: 'cyan'}, String(i).padEnd(8)),
				h(Text, {color: 'green', bold: true}, String((t * 7 + i) % 1000).padStart(6) + '  '),
				h(Text, {dimColor: true}, 'node'.padEnd(30)),
				h(Text, null, `row ${i} tick ${t} `.padEnd(110, '.')),
			),
		);
	}
	return h(Box, {flexDirection: 'column', width: 160, height: 47, overflow: 'hidden'}, rows);
}

function measure(mode: 'all' | 'one', cache: boolean, frames: number): number {
	if (cache) installLineCache();
	else uninstallLineCache();
	const stdout = Object.assign(new PassThrough(), {columns: 160, rows: 48, isTTY: true});
	stdout.resume();
	const app = render(h(Screen, {n: 0, mode}), {
		stdout: stdout as unknown as NodeJS.WriteStream,
		patchConsole: false,
		exitOnCtrlC: false,
		maxFps: 1_000_000,
	});
	const warm = 20;
	for (let i = 1; i < warm; i++) app.rerender(h(Screen, {n: i, mode}));
	const before = process.cpuUsage();
	for (let i = warm; i < warm + frames; i++) app.rerender(h(Screen, {n: i, mode}));
	const used = process.cpuUsage(before);
	app.unmount();
	return (used.user + used.system) / 1000 / frames;
}

export function measureFrames(frames: number): FrameReading[] {
	const out: FrameReading[] = [];
	for (const mode of ['all', 'one'] as const) {
		for (const cache of [false, true]) {
			out.push({
				screen: mode === 'all' ? 'all rows change' : 'one row changes',
				cache,
				msPerFrame: measure(mode, cache, frames),
			});
		}
	}
	return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	process.stdout.write(JSON.stringify(measureFrames(Number(process.argv[2] ?? 200))) + '\n');
}
