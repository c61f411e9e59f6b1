// History analysis and live traceback grouping (issue 10): `mcptop logs` throughput in MB/s beside
// `grep -c` over the same file, its peak memory (flat: counts only, no lines kept), and the live
// tail's lines/s with traceback grouping on (LogTail → AlertFeed → AlertBook) beside the tail alone.
// Run: node --import tsx scripts/bench-history.ts [MB] [runs]
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {defaultConfig} from '../source/config.js';
import {analyseLogs} from '../source/logs/history.js';
import {AlertFeed} from '../source/logs/live-feed.js';
import {AlertBook} from '../source/monitor/alert-book.js';
import {compileRules} from '../source/monitor/alert-rules.js';
import {LogTail} from '../source/probes/log-tail.js';

export type HistoryBenchRun = {
	mb: number;
	historyMbPerSec: number;
	historyPeakRssMb: number;
	baseRssMb: number;
	grepMbPerSec: number;
	grepRulesMbPerSec: number;
	tailLines: number;
	tailGroupedLinesPerSec: number;
	tailPlainLinesPerSec: number;
	exact: boolean;
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Python logging over several days: INFO, WARNING, ERROR (half with a 12-line traceback), CRITICAL. */
function writeLog(file: string, bytes: number): {lines: number; errors: number} {
	const fd = fs.openSync(file, 'w');
	let state = 7;
	const random = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	let written = 0;
	let counted = 0;
	let errors = 0;
	let t = new Date(2026, 10, 20, 0, 0, 0).getTime();
	try {
		while (written < bytes) {
			let chunk = '';
			for (let i = 0; i < 5000; i++) {
				t += 200;
				const d = new Date(t);
				const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(t % 1000, 3)}`;
				const r = random();
				if (r < 0.05) chunk += `${stamp} - WARNING - Slow response from bridge: ${i} ms\n`;
				else if (r < 0.09) {
					errors++;
					chunk += `${stamp} - ERROR - Unhandled error in tool call ${i}\n`;
					if (r < 0.07) {
						chunk += 'Traceback (most recent call last):\n';
						for (let f = 0; f < 5; f++)
							chunk += `  File "/srv/mcp/layer${f}.py", line ${f + 10}, in call${f}\n    return next_layer()\n`;
						chunk += `KeyError: 'bp_${i % 50}'\n`;
					}
				} else if (r < 0.0901) chunk += `${stamp} - CRITICAL - Memory usage exceeded limit ${i}\n`;
				else chunk += `${stamp} - INFO - Processing tools/call get_server_status id=${i}\n`;
			}
			for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) counted++;
			written += fs.writeSync(fd, chunk);
		}
	} finally {
		fs.closeSync(fd);
	}
	return {lines: counted, errors};
}

function timeGrep(args: string[], file: string): number {
	const started = performance.now();
	const r = spawnSync('grep', [...args, file], {
		encoding: 'utf8',
		env: {...process.env, LC_ALL: 'C'},
	});
	if (r.status !== 0 && r.status !== 1) throw new Error(`grep failed: ${r.stderr}`);
	return performance.now() - started;
}

async function tailRate(
	file: string,
	lines: number,
	grouped: boolean,
): Promise<{perSec: number; exact: boolean}> {
	const followed = `${file}.follow`;
	fs.writeFileSync(followed, '');
	const rules = defaultConfig().alerts.rules;
	const classifier = compileRules(rules);
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	let read = 0;
	let done: () => void = () => undefined;
	const finished = new Promise<void>((resolve) => (done = resolve));
	const count = (n: number) => {
		read += n;
		if (read >= lines) done();
	};
	const feed = new AlertFeed({
		source: 'bench.log',
		classifier,
		contextLines: defaultConfig().alerts.contextLines,
		ingest: (batch) => {
			for (const change of batch.changes) book.apply(change);
			count(batch.lines);
		},
	});
	const tail = new LogTail({
		path: followed,
		classifier: grouped ? feed.classifier : classifier,
		pollMs: 20,
		onBatch: grouped
			? feed.onBatch
			: (batch) => {
					for (const line of batch.alerts) book.add(line);
					count(batch.lines);
				},
	});
	tail.start();
	for (let i = 0; i < 200 && tail.status().state !== 'following'; i++)
		await new Promise((resolve) => setTimeout(resolve, 10));
	// The first `lines` lines of the generated log, appended in one go.
	const text = fs.readFileSync(file, 'utf8');
	let end = 0;
	for (let i = 0; i < lines; i++) end = text.indexOf('\n', end) + 1;
	// The tail's timers do not hold the process open: this does, with a bound.
	const keepAlive = setTimeout(() => done(), 120_000);
	const started = performance.now();
	fs.appendFileSync(followed, text.slice(0, end));
	await finished;
	clearTimeout(keepAlive);
	const seconds = (performance.now() - started) / 1000;
	await tail.stop();
	fs.rmSync(followed);
	return {perSec: lines / seconds, exact: read === lines};
}

/** One run over a fresh `mb` MB log. */
export async function measureHistory(mb: number, tailLines = 1_000_000): Promise<HistoryBenchRun> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-bench-history-'));
	const file = path.join(dir, 'unreal_blueprint_mcp.log');
	try {
		const {lines} = writeLog(file, mb * 1024 * 1024);
		const size = fs.statSync(file).size;
		globalThis.gc?.();
		const baseRss = process.memoryUsage().rss;
		let peak = baseRss;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
		const started = performance.now();
		const report = await analyseLogs({
			files: [file],
			rules: defaultConfig().alerts.rules,
			patternFirst: false,
			maxBytes: size,
			days: 3650,
			since: 0,
		});
		const historyMs = performance.now() - started;
		clearInterval(sampler);
		peak = Math.max(peak, process.memoryUsage().rss);
		const pattern = defaultConfig()
			.alerts.rules.map((r) => r.pattern)
			.join('|');
		const grepMs = timeGrep(['-c', 'ERROR'], file);
		const grepRulesMs = timeGrep(['-c', '-E', '-i', pattern], file);
		const grouped = await tailRate(file, Math.min(tailLines, lines), true);
		const plain = await tailRate(file, Math.min(tailLines, lines), false);
		const sizeMb = size / 1024 / 1024;
		return {
			mb: sizeMb,
			historyMbPerSec: sizeMb / (historyMs / 1000),
			historyPeakRssMb: peak / 1024 / 1024,
			baseRssMb: baseRss / 1024 / 1024,
			grepMbPerSec: sizeMb / (grepMs / 1000),
			grepRulesMbPerSec: sizeMb / (grepRulesMs / 1000),
			tailLines: Math.min(tailLines, lines),
			tailGroupedLinesPerSec: grouped.perSec,
			tailPlainLinesPerSec: plain.perSec,
			exact: report.lines === lines && report.bytesRead === size && grouped.exact && plain.exact,
		};
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const mb = Number(process.argv[2] ?? 256);
	const runs = Number(process.argv[3] ?? 3);
	for (let i = 0; i < runs; i++) {
		const r = await measureHistory(mb);
		process.stdout.write(
			`run ${i + 1}: history ${r.historyMbPerSec.toFixed(0)} MB/s over ${r.mb.toFixed(0)} MB (peak RSS ${r.historyPeakRssMb.toFixed(0)} MB, ${r.baseRssMb.toFixed(0)} MB before); grep -c ERROR ${r.grepMbPerSec.toFixed(0)} MB/s; grep -c -E -i <rules> ${r.grepRulesMbPerSec.toFixed(0)} MB/s; live tail ${r.tailLines.toLocaleString('en-US')} lines: ${r.tailGroupedLinesPerSec.toFixed(0)} lines/s with traceback grouping, ${r.tailPlainLinesPerSec.toFixed(0)} lines/s without${r.exact ? '' : ' (NOT EXACT)'}\n`,
		);
	}
}
