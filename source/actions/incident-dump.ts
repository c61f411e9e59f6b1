import {existsSync} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {safeJson} from '../lib/sanitize.js';
import {isErrno, tempSiblingPath, writeNewFile} from './fs-safe.js';
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
	// Written whole beside the folder (fs-safe's exclusive, fsynced write), then linked in under its
	// name, as validation reports are: whoever watches the folder (a collector, a test) never reads a
	// half-written dump. A link fails on an existing name, so two dumps of one moment get their own
	// files and a dump never overwrites another.
	const partial = tempSiblingPath(path.join(stateDir, base), 'partial');
	await writeNewFile(partial, safeJson(body, 2) + '\n', 0o600);
	try {
		for (let n = 0; n <= 100; n++) {
			const file = path.join(dir, n === 0 ? `${base}.json` : `${base}-${n}.json`);
			try {
				await fs.link(partial, file);
				return file;
			} catch (error) {
				if (isErrno(error, 'EEXIST')) continue;
				// File systems without hard links: a rename is still atomic, just not exclusive.
				if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP')) throw error;
				if (existsSync(file)) continue;
				await fs.rename(partial, file);
				return file;
			}
		}
		throw new Error(`too many incident dumps named ${base}`);
	} finally {
		await fs.rm(partial, {force: true});
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
