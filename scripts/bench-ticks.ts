// Per-tick CPU of the probes bench-probes.ts does not cover (the endpoint's ws ping, a log tail on a
// live log) and the floors a monitor cannot go below on this machine: an idle Node process and an
// Ink render loop in a pseudo-terminal.
import {setTimeout as sleep} from 'node:timers/promises';
import {defaultConfig} from '../source/config.js';
import {compileRules} from '../source/monitor/alert-rules.js';
import {EndpointProbe} from '../source/probes/endpoint.js';
import {LogTail} from '../source/probes/log-tail.js';
import {measure, type Result} from './bench-probes.js';
import {cpuPercent, sampleTree} from './bench-proc.js';
import {BenchTerminal, repoRoot} from './bench-terminal.js';

/**
 * CPU of one MCP ping on a persistent connection, as the store's tick calls it. A failed ping costs
 * next to nothing, so failures make the figure meaningless: they throw.
 */
export async function measureEndpoint(url: string, calls: number, gapMs: number): Promise<Result> {
	const probe = new EndpointProbe({url, timeoutMs: 5000});
	probe.start();
	const failures: string[] = [];
	const ping = async () => {
		const sample = await probe.probe();
		if (sample.ms === null) failures.push(sample.error ?? 'no reply');
	};
	try {
		await probe.ready();
		const result = await measure('EndpointProbe.probe (ws ping)', calls, ping, {gapMs});
		// The demo server drops a rare ping on purpose; more than that means no connection.
		if (failures.length > Math.max(2, calls / 10)) {
			throw new Error(
				`${failures.length} of ${calls + 5} pings to ${url} failed (${failures.at(-1)})`,
			);
		}
		return result;
	} finally {
		await probe.stop();
	}
}

/**
 * CPU per second of a LogTail following a live log (its 250 ms stat poll, the folder watch and
 * the lines that arrive). Nothing else runs in this process meanwhile.
 */
export async function measureLogTailIdle(file: string, seconds: number): Promise<Result> {
	const tail = new LogTail({
		path: file,
		classifier: compileRules(defaultConfig().alerts.rules),
		onBatch: () => undefined,
	});
	tail.start();
	try {
		await sleep(1000);
		const before = process.cpuUsage();
		await sleep(seconds * 1000);
		const used = process.cpuUsage(before);
		const ms = (used.user + used.system) / 1000 / seconds;
		const round = Math.round(ms * 1000) / 1000;
		return {
			probe: 'LogTail following the demo log',
			calls: seconds,
			medianMs: round,
			meanMs: round,
			childrenMeanMs: null,
		};
	} finally {
		await tail.stop();
	}
}

// An Ink app that re-renders once a second, as mcptop's store ticks, with Ink's default-ish options
// as mcptop uses them. "empty": one short line; "full": 46 rows of 160 columns, each row four
// coloured cells, the size of mcptop's screen in the benchmark's terminal; "static": the same rows,
// of which only the first (a clock) changes. A second argument: "cache" installs mcptop's line cache
// (dist/render/line-cache.js), "incremental" turns on Ink's incrementalRendering.
const inkFloorCode = `
import React from 'react';
import {render, Box, Text} from 'ink';
const mode = process.argv[1];
const variant = process.argv[2] ?? '';
if (variant === 'cache') (await import('./dist/render/line-cache.js')).installLineCache();
const h = React.createElement;
function App() {
	const [n, setN] = React.useState(0);
	React.useEffect(() => {
		const t = setInterval(() => setN((x) => x + 1), 1000);
		return () => clearInterval(t);
	}, []);
	if (mode !== 'full') return h(Text, null, 'tick ' + n);
	const rows = [];
	for (let i = 0; i < 46; i++) {
		const t = mode === 'static' ? (i === 0 ? n : 0) : n;
		rows.push(
			h(Text, {key: i, wrap: 'truncate-end'},
				h(Text, {color: 'cyan'}, String(i).padEnd(8)),
				h(Text, {color: 'green', bold: true}, String((t * 7 + i) % 1000).padStart(6) + '  '),
				h(Text, {dimColor: true}, 'node'.padEnd(30)),
				h(Text, null, ('row ' + i + ' tick ' + t + ' ').padEnd(110, '.')),
			),
		);
	}
	return h(Box, {flexDirection: 'column', width: 160, height: 47, overflow: 'hidden'}, rows);
}
process.stdout.write('\\u001B[?1049h');
render(h(App), {exitOnCtrlC: false, patchConsole: false, maxFps: 20, incrementalRendering: variant === 'incremental'});
`;

export type FloorKind =
	| 'node idle'
	| 'Ink empty loop'
	| 'Ink 160×47 frame loop'
	| 'Ink 160×47 frame loop, line cache'
	| 'Ink 160×47 frame loop, incrementalRendering'
	| 'Ink 160×47 static rows + clock'
	| 'Ink 160×47 static rows + clock, line cache';

export type FloorReading = {kind: FloorKind; cpuPercent: number; msPerTick: number; rssMb: number};

/**
 * The floors, each in its own 160×48 pseudo-terminal, measured at the same time (each needs well
 * under 1 % of a core, so they do not disturb one another on two cores).
 */
export async function measureFloors(
	seconds: number,
	env: Record<string, string>,
): Promise<FloorReading[]> {
	const kinds: Array<[FloorKind, string[]]> = [
		['node idle', ['-e', 'setInterval(() => {}, 1000)']],
		['Ink empty loop', ['--input-type=module', '-e', inkFloorCode, 'empty']],
		['Ink 160×47 frame loop', ['--input-type=module', '-e', inkFloorCode, 'full']],
		[
			'Ink 160×47 frame loop, line cache',
			['--input-type=module', '-e', inkFloorCode, 'full', 'cache'],
		],
		[
			'Ink 160×47 frame loop, incrementalRendering',
			['--input-type=module', '-e', inkFloorCode, 'full', 'incremental'],
		],
		['Ink 160×47 static rows + clock', ['--input-type=module', '-e', inkFloorCode, 'static']],
		[
			'Ink 160×47 static rows + clock, line cache',
			['--input-type=module', '-e', inkFloorCode, 'static', 'cache'],
		],
	];
	const sessions = kinds.map(
		([, command]) => new BenchTerminal([], {cols: 160, rows: 48, cwd: repoRoot, env, command}),
	);
	try {
		// Long enough for Ink and Yoga to load on a busy machine: start-up must stay out of the window.
		await sleep(8000);
		const first = sessions.map((s) => sampleTree(s.pid));
		await sleep(seconds * 1000);
		const last = sessions.map((s) => sampleTree(s.pid));
		return kinds.map(([kind], i) => {
			const a = first[i];
			const b = last[i];
			if (!a || !b) throw new Error(`the ${kind} floor process exited early`);
			const percent = cpuPercent(b.ownTicks - a.ownTicks, a.at, b.at);
			return {
				kind,
				cpuPercent: percent,
				msPerTick: percent * 10,
				rssMb: b.ownRssKb / 1024,
			};
		});
	} finally {
		await Promise.all(sessions.map((s) => s.kill()));
	}
}
