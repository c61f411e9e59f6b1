import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {LogTailBatch} from '../../source/probes/log-tail.js';
import type {LogLine, Severity} from '../../source/types.js';

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. Bounded in time and count. */
export async function waitFor(
	check: () => boolean,
	what: string,
	timeoutMs = 10_000,
	intervalMs = 10,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 0; attempt < Math.ceil(timeoutMs / intervalMs) + 1; attempt++) {
		if (check()) return;
		if (Date.now() > deadline) break;
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
	if (!check()) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function makeTempDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
}

export function removeDir(dir: string): void {
	fs.rmSync(dir, {recursive: true, force: true});
}

/** Adds up what a LogTail delivers, the way the store would. */
export class BatchCollector {
	batches = 0;
	lines = 0;
	alerts: LogLine[] = [];
	counts: Record<Severity, number> = {critical: 0, error: 0, warning: 0};
	/** lastLines of every batch, in order: every line when batches hold at most 20 lines. */
	seen: string[] = [];
	largestBatch = 0;

	readonly onBatch = (batch: LogTailBatch): void => {
		this.batches++;
		this.lines += batch.lines;
		this.largestBatch = Math.max(this.largestBatch, batch.lines);
		this.alerts.push(...batch.alerts);
		for (const severity of ['critical', 'error', 'warning'] as const) {
			this.counts[severity] += batch.counts[severity];
		}
		this.seen.push(...batch.lastLines);
	};
}

/** Open descriptors of this process that point into `dir` (Linux only; null elsewhere). */
export function openFilesUnder(dir: string): number | null {
	const fdDir = '/proc/self/fd';
	if (!fs.existsSync(fdDir)) return null;
	let count = 0;
	for (const fd of fs.readdirSync(fdDir)) {
		try {
			if (fs.readlinkSync(path.join(fdDir, fd)).startsWith(dir)) count++;
		} catch {
			// The descriptor used by readdir itself is gone by now.
		}
	}
	return count;
}
