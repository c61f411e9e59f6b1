import path from 'node:path';
import process from 'node:process';
import {safeJson} from '../lib/sanitize.js';
import type {Config} from '../types.js';
import {analyseLogs, historyOptions, type HistoryProgress} from './history.js';
import {historyLines, parseTimeBound, progressLine} from './history-text.js';

export type LogsCommandOptions = {json: boolean; since?: string; until?: string};

// Progress shows only when the analysis takes longer than this, on a terminal.
const progressAfterMs = 500;

/**
 * `mcptop logs [FILE...]`: the history analysis of the given files (default: the configured logs)
 * as text or JSON. Exit 0 when analysed, 1 when nothing could be read, 2 for a bad --since/--until.
 */
export async function runLogsCommand(
	files: string[],
	config: Config,
	opts: LogsCommandOptions,
): Promise<number> {
	const now = Date.now();
	const bounds: {since?: number; until?: number} = {};
	for (const key of ['since', 'until'] as const) {
		const text = opts[key];
		if (text === undefined) continue;
		const parsed = parseTimeBound(text, `--${key}`, now);
		if ('error' in parsed) {
			process.stderr.write(`mcptop: ${parsed.error}\n`);
			return 2;
		}
		bounds[key] = parsed.value;
	}
	if (bounds.since !== undefined && bounds.until !== undefined && bounds.since > bounds.until) {
		process.stderr.write('mcptop: --since: is after --until\n');
		return 2;
	}
	const showProgress = process.stderr.isTTY === true;
	let shown = false;
	const onProgress = (p: HistoryProgress) => {
		if (!showProgress || p.elapsedMs < progressAfterMs) return;
		shown = true;
		process.stderr.write(`\r\u001b[2K${progressLine(p)}`);
	};
	const report = await analyseLogs(
		historyOptions(config, {
			files: files.length > 0 ? files.map((f) => path.resolve(f)) : config.logs,
			now,
			onProgress,
			...bounds,
		}),
	);
	if (shown) process.stderr.write('\r\u001b[2K');
	if (opts.json) process.stdout.write(safeJson(report, 2) + '\n');
	else {
		const width = process.stdout.isTTY ? (process.stdout.columns ?? 80) : 80;
		for (const line of historyLines(report, width)) process.stdout.write(`${line.text}\n`);
	}
	const readAny = report.files.some((f) => f.bytesRead > 0 || (!f.skipped && f.bytes === 0));
	return readAny ? 0 : 1;
}
