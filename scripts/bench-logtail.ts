// Log tail throughput: classify 1,000,000 realistic lines appended to a followed file, and compare
// with `grep -c -E -i` over the same file and patterns.
// Run: node --import tsx scripts/bench-logtail.ts [lines]
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {defaultConfig} from '../source/config.js';
import {compileRules} from '../source/monitor/alert-rules.js';
import {LogTail} from '../source/probes/log-tail.js';
import type {Severity} from '../source/types.js';

/**
 * Python-logging lines: mostly INFO, some WARNING/ERROR, a few CRITICAL, ~1 % of 2 KB. `counts` is
 * what the default rules must find: the INFO lines match no rule.
 */
export function realisticLog(
	count: number,
	seed = 1,
): {text: string; expected: number; counts: Record<Severity, number>} {
	let state = seed;
	const random = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	const info = [
		'Processing tools/call get_server_status id=',
		'Client connected from 127.0.0.1:',
		'Heartbeat ok seq=',
		'Blueprint compiled in ms=',
		'Sent response to request ',
		'Cache hit ratio percent=',
	];
	const parts: string[] = [];
	const counts: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
	for (let i = 0; i < count; i++) {
		const r = random();
		const time = `2025-09-17 10:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')}`;
		let line: string;
		if (r < 0.05) {
			line = `${time} - WARNING - Slow response from bridge: ${i} ms`;
			counts.warning++;
		} else if (r < 0.07) {
			line = `${time} - ERROR - WebSocket error: connection reset ${i}`;
			counts.error++;
		} else if (r < 0.0702) {
			line = `${time} - CRITICAL - Memory usage exceeded limit ${i}`;
			counts.critical++;
		} else line = `${time} - INFO - ${info[i % info.length]}${i}`;
		if (random() < 0.01) line += ' payload=' + 'abcdefghij'.repeat(200);
		parts.push(line);
	}
	return {text: parts.join('\n') + '\n', expected: count, counts};
}

export type LogTailReport = Awaited<ReturnType<typeof measureLogTail>>;

/** In-process LogTail (no UI): classification alone, then the followed-file path, then grep. */
export async function measureLogTail(total: number) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-bench-'));
	const file = path.join(dir, 'unreal_blueprint_mcp.log');
	try {
		const rules = defaultConfig().alerts.rules;
		const classifier = compileRules(rules);
		const {text} = realisticLog(total);
		const bytes = Buffer.from(text);

		// Classification alone, on strings already in memory.
		const lines = text.slice(0, -1).split('\n');
		let start = performance.now();
		let alertsInMemory = 0;
		for (const line of lines) if (classifier.classify(line)) alertsInMemory++;
		const classifyMs = performance.now() - start;

		// The whole path: append to a followed file, wait until the totals are exact.
		fs.writeFileSync(file, '');
		const counts: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
		let read = 0;
		let batches = 0;
		let done: () => void = () => undefined;
		const finished = new Promise<void>((resolve) => (done = resolve));
		const tail = new LogTail({
			path: file,
			classifier,
			onBatch: (batch) => {
				batches++;
				read += batch.lines;
				for (const severity of ['critical', 'error', 'warning'] as const) {
					counts[severity] += batch.counts[severity];
				}
				if (read >= total) done();
			},
		});
		tail.start();
		for (let i = 0; i < 500 && tail.status().state !== 'following'; i++) {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		// A separate writer process floods the file as fast as `cat` can append.
		const source = path.join(dir, 'source.log');
		fs.writeFileSync(source, bytes);
		// Longest gap between timer ticks while the tail works: how long the event loop was held.
		let maxGap = 0;
		let last = performance.now();
		const ticker = setInterval(() => {
			const now = performance.now();
			maxGap = Math.max(maxGap, now - last);
			last = now;
		}, 5);
		start = performance.now();
		const writer = spawn('sh', ['-c', 'cat "$1" >> "$2"', 'sh', source, file], {stdio: 'ignore'});
		const written = new Promise<number>((resolve) =>
			writer.on('exit', () => resolve(performance.now() - start)),
		);
		const timeout = setTimeout(() => done(), 120_000);
		await finished;
		const tailMs = performance.now() - start;
		const writtenMs = await written;
		clearTimeout(timeout);
		clearInterval(ticker);
		await tail.stop();

		// grep over the same file with the same patterns (one alternation of all rules).
		const pattern = rules.map((rule) => `(${rule.pattern})`).join('|');
		const grep = (locale: string) => {
			const began = performance.now();
			const result = spawnSync('grep', ['-c', '-E', '-i', pattern, file], {
				encoding: 'utf8',
				env: {...process.env, LC_ALL: locale},
			});
			return {ms: performance.now() - began, count: Number(result.stdout.trim())};
		};
		const grepUtf8 = grep('C.UTF-8');
		const grepC = grep('C');

		const alerts = counts.critical + counts.error + counts.warning;
		const report = {
			lines: total,
			megabytes: +(bytes.length / 1e6).toFixed(1),
			classifyOnly: {
				ms: Math.round(classifyMs),
				linesPerSec: Math.round(total / (classifyMs / 1000)),
			},
			tail: {
				writerMs: Math.round(writtenMs),
				untilExactMs: Math.round(tailMs),
				linesPerSec: Math.round(read / (tailMs / 1000)),
				exact: read === total && alerts === alertsInMemory,
				read,
				counts,
				batches,
				maxEventLoopGapMs: Math.round(maxGap),
			},
			grepUtf8: {ms: Math.round(grepUtf8.ms), count: grepUtf8.count},
			grepC: {ms: Math.round(grepC.ms), count: grepC.count},
			ratioTailToGrepUtf8: +(tailMs / grepUtf8.ms).toFixed(2),
			ratioTailToGrepC: +(tailMs / grepC.ms).toFixed(2),
		};
		return {...report, grepAgrees: grepUtf8.count === alerts};
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

// Run directly (not imported by scripts/bench.ts).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const report = await measureLogTail(Number(process.argv[2] ?? 1_000_000));
	console.log(JSON.stringify(report, null, 2));
	if (!report.tail.exact || !report.grepAgrees) process.exitCode = 1;
}
