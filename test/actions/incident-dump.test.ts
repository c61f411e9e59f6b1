import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {runIncidentDump, writeIncidentDump} from '../../source/actions/incident-dump.js';
import {alert, snapshot} from '../helpers/snapshot.js';

test('an incident dump holds the alert, the last lines, the last alerts and the metrics, private', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-dump-'));
	try {
		const context = {
			alert: alert({severity: 'critical', text: 'CRITICAL - Server crash'}),
			lastLines: Array.from({length: 20}, (_, i) => `line ${i}`),
			lastAlerts: [alert()],
			snapshot: snapshot(),
		};
		const file = await writeIncidentDump(dir, context);
		const stat = fs.statSync(file);
		assert.equal(stat.mode & 0o777, 0o600);
		assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
		const body = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & {
			alert: {text: string};
			lastLines: string[];
			metrics: {ports: unknown[]};
		};
		assert.equal(body['kind'], 'mcptop-incident');
		assert.equal(body.alert.text, 'CRITICAL - Server crash');
		assert.equal(body.lastLines.length, 20);
		assert.equal(body.metrics.ports.length, 2);
		const steps: string[] = [];
		const result = await runIncidentDump(dir, context, (s) => steps.push(`${s.status} ${s.label}`));
		assert.equal(result.ok, true);
		assert.deepEqual(steps, ['running Write the incident dump', 'ok Write the incident dump']);
		assert.equal(
			fs.readdirSync(path.dirname(file)).length,
			2,
			'a second dump never overwrites the first',
		);
		// Written whole elsewhere and linked in: no partial file is left beside them.
		assert.deepEqual(fs.readdirSync(dir), ['incidents']);
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});
