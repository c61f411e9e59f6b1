import fs from 'node:fs/promises';
import path from 'node:path';
import {safeJson} from '../lib/sanitize.js';
import type {IncidentContext} from '../monitor/store.js';
import type {ActionResult, StepReporter} from '../types.js';

function stamp(time: number): string {
	return new Date(time).toISOString().replace(/[:.]/g, '-');
}

/**
 * The context of an incident as JSON: the alert, the last 20 log lines, the last 10 alerts and the
 * current metrics. Written 0600 in a 0700 folder: logs can hold secrets.
 */
export async function writeIncidentDump(
	stateDir: string,
	context: IncidentContext,
): Promise<string> {
	const dir = path.join(stateDir, 'incidents');
	await fs.mkdir(dir, {recursive: true, mode: 0o700});
	const base = `incident-${stamp(context.snapshot.time)}-${process.pid}`;
	const body = {
		kind: 'mcptop-incident',
		version: 1,
		time: new Date(context.snapshot.time).toISOString(),
		alert: context.alert,
		lastLines: context.lastLines,
		lastAlerts: context.lastAlerts,
		metrics: context.snapshot,
	};
	// Two dumps of one moment get their own files: a dump never overwrites another.
	for (let n = 0; ; n++) {
		const file = path.join(dir, n === 0 ? `${base}.json` : `${base}-${n}.json`);
		let handle: fs.FileHandle;
		try {
			handle = await fs.open(file, 'wx', 0o600);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue;
			throw error;
		}
		try {
			await handle.writeFile(safeJson(body, 2) + '\n');
			await handle.sync();
		} finally {
			await handle.close();
		}
		return file;
	}
}

export async function runIncidentDump(
	stateDir: string,
	context: IncidentContext,
	report: StepReporter,
): Promise<ActionResult> {
	report({id: 'write', label: 'Write the incident dump', status: 'running'});
	const file = await writeIncidentDump(stateDir, context);
	report({id: 'write', label: 'Write the incident dump', status: 'ok', detail: file});
	return {ok: true, summary: `incident dump saved: ${file}`, data: {file}};
}
