// Alert classification throughput (SPEC 4): the default rules on realistic lines and on crafted
// 4 KB lines that make a backtracking engine retry `A.*B` from every `A`, plus one configured
// catastrophic rule. Each case runs for about a second in a child process, so a case that never
// finishes (a backtracking engine on `(\w+\s?)*$`) is reported as such instead of hanging the bench.
// Rates are per CPU-second of that process, the best of three rounds.
// Run: node --import tsx scripts/bench-classify.ts [--json]
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {defaultConfig} from '../source/config.js';
import {compileRules} from '../source/monitor/alert-rules.js';
import type {AlertRuleConfig} from '../source/types.js';
import {realisticLog} from './bench-logtail.js';

export type ClassifyCase = {name: string; lines: () => string[]; rules?: AlertRuleConfig[]};

const fourKiB = (unit: string) => unit.repeat(Math.ceil(4096 / unit.length)).slice(0, 4096);

export const classifyCases: ClassifyCase[] = [
	{
		name: 'realistic lines (bench-logtail mix, 1 % of 2 KB)',
		lines: () => realisticLog(200_000).text.slice(0, -1).split('\n'),
	},
	{name: "crafted 4 KB 'AAAA…'", lines: () => [fourKiB('A')]},
	{name: "crafted 4 KB 'Memory Memory …' (Memory.*exceed)", lines: () => [fourKiB('Memory ')]},
	{
		name: "crafted 4 KB 'Connection Server … Slow …' (every A.*B rule)",
		lines: () => [
			fourKiB('Connection Server System High Slow Validation Security Performance WebSocket '),
		],
	},
	{
		name: "crafted 4 KB 'aaaa…!' with a rule (\\w+\\s?)*$",
		lines: () => [fourKiB('a').slice(0, -1) + '!'],
		rules: [{severity: 'error', pattern: '(\\w+\\s?)*$'}, ...defaultConfig().alerts.rules],
	},
];

export type ClassifyRow = {
	name: string;
	linesPerSec: number | null;
	usPerLine: number | null;
	note?: string;
};

/** CPU time of this process in ms: steadier than the wall clock on a busy machine. */
function cpuMs(): number {
	const {user, system} = process.cpuUsage();
	return (user + system) / 1000;
}

/** Runs one case in this process for about `ms` milliseconds of CPU, best of three rounds. */
function runCase(c: ClassifyCase, ms: number): {linesPerSec: number; usPerLine: number} {
	const classifier = compileRules(c.rules ?? defaultConfig().alerts.rules);
	const lines = c.lines();
	for (let i = 0; i < Math.min(lines.length, 5000); i++) classifier.classify(lines[i]!);
	let best = 0;
	for (let round = 0; round < 3; round++) {
		let count = 0;
		const start = cpuMs();
		do {
			for (const line of lines) classifier.classify(line);
			count += lines.length;
		} while (cpuMs() - start < ms / 3);
		best = Math.max(best, count / ((cpuMs() - start) / 1000));
	}
	return {linesPerSec: Math.round(best), usPerLine: +(1e6 / best).toFixed(2)};
}

const self = fileURLToPath(import.meta.url);

/** Every case in a child process of its own, each given `timeoutMs` to report. */
export function measureClassify(opts: {ms?: number; timeoutMs?: number} = {}): ClassifyRow[] {
	const ms = opts.ms ?? 1000;
	const timeoutMs = opts.timeoutMs ?? 20_000;
	return classifyCases.map((c, index) => {
		const child = spawnSync(
			process.execPath,
			[...process.execArgv, self, '--case', String(index), '--ms', String(ms)],
			{encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL'},
		);
		if (child.error || child.status !== 0) {
			const hung = child.signal === 'SIGKILL';
			return {
				name: c.name,
				linesPerSec: null,
				usPerLine: null,
				note: hung
					? `no result in ${timeoutMs / 1000} s (killed)`
					: (child.stderr.trim().split('\n').pop() ?? 'failed'),
			};
		}
		return {name: c.name, ...(JSON.parse(child.stdout) as Omit<ClassifyRow, 'name'>)};
	});
}

function flag(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
	const only = flag('case');
	if (only !== undefined) {
		process.stdout.write(JSON.stringify(runCase(classifyCases[Number(only)]!, Number(flag('ms')))));
	} else {
		const rows = measureClassify();
		if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
		else {
			for (const row of rows) {
				const figure =
					row.linesPerSec === null
						? row.note
						: `${row.linesPerSec.toLocaleString('en-US')} lines/s (${row.usPerLine} µs/line)`;
				console.log(`${row.name.padEnd(64)} ${figure}`);
			}
		}
	}
}
