import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {
	pruneReports,
	ReportCollector,
	reportsDir,
	type HealthReport,
} from '../../source/monitor/reports.js';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {latency, port, proc, snapshot, system, t0} from '../helpers/snapshot.js';

const minute = 60_000;

function collector(dir: string | null, clock: {now: number}, extra: Partial<{keep: number}> = {}) {
	return new ReportCollector({
		host: 'build-07',
		profile: 'unreal-blueprint-mcp',
		everyMs: 5 * minute,
		historyMs: 60 * minute,
		dir,
		keep: extra.keep ?? 288,
		maxAgeMs: 7 * 86_400_000,
		now: () => clock.now,
	});
}

describe('health reports', () => {
	after(removeTempDirs);

	it('report the period: averages and maxima, latency percentiles and loss, services, alerts, worst reasons', async () => {
		const dir = reportsDir(tempDir());
		const clock = {now: t0};
		const c = collector(dir, clock);
		const cpu = [10, 30, 50, 90];
		cpu.forEach((value, i) => {
			const s = snapshot({
				time: t0 + i * 1000,
				health: i === 3 ? 'FAIL' : 'OK',
				reasons: i === 3 ? ['port 6277 (mcp) is not listening', 'system CPU 90% > 70%'] : [],
				system: system({cpuPercent: value, memoryPercent: 40 + i}),
				processes: [proc({cpuPercent: value / 10, rssMb: 100 + i * 10})],
				ports: [port({listening: i !== 3, health: i === 3 ? 'FAIL' : 'OK'})],
				latency: latency({reconnects: i === 3 ? 1 : 0}),
			});
			s.alerts = {
				...s.alerts,
				totals: {critical: 0, error: 1 + i, warning: i * 2},
				linesRead: 100 + i * 50,
			};
			c.addSnapshot(s);
		});
		for (const ms of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
			c.addProbe({time: t0, ms, error: null});
		for (let i = 0; i < 2; i++) c.addProbe({time: t0, ms: null, error: 'timeout'});
		clock.now = t0 + 5 * minute;
		const report = (await c.flush()) as HealthReport;
		assert.equal(report.period.snapshots, 4);
		assert.equal(report.period.startMs, t0);
		assert.deepEqual(report.system.cpuPercent, {avg: 45, max: 90});
		assert.deepEqual(report.system.memoryPercent, {avg: 41.5, max: 43});
		assert.deepEqual(report.server.cpuPercent, {avg: 4.5, max: 9});
		assert.deepEqual(report.server.rssMb, {avg: 115, max: 130});
		assert.equal(report.latency.probes, 12);
		assert.equal(report.latency.failures, 2);
		assert.equal(report.latency.lossPercent, 16.67);
		assert.equal(report.latency.maxMs, 100);
		assert.ok(
			report.latency.p50Ms !== null && report.latency.p50Ms >= 50 && report.latency.p50Ms <= 60,
		);
		assert.ok(report.latency.p99Ms !== null && report.latency.p99Ms >= 99);
		assert.equal(report.overall.health, 'FAIL');
		assert.equal(report.overall.okPercent, 75);
		assert.deepEqual(report.services.ports[0], {
			port: 6277,
			name: 'mcp',
			health: 'FAIL',
			listeningPercent: 75,
			clientsMax: 1,
		});
		assert.equal(report.services.endpoint.reconnects, 1);
		// Alerts that arrived in the period: the totals' increase, not the totals.
		assert.deepEqual(report.alerts, {critical: 0, error: 3, warning: 6, linesRead: 150});
		assert.deepEqual(report.worstReasons[0], {
			text: 'port 6277 (mcp) is not listening',
			health: 'FAIL',
			snapshots: 1,
		});
		const files = fs.readdirSync(dir);
		assert.equal(files.length, 1);
		assert.match(files[0] ?? '', /^health-20261124T100500Z\.json$/);
		assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, files[0] ?? ''), 'utf8')), report);
		assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
		assert.equal(fs.statSync(path.join(dir, files[0] ?? '')).mode & 0o777, 0o600);
		// The next period starts empty: a flush without snapshots writes nothing.
		clock.now += 5 * minute;
		assert.equal(await c.flush(), null);
		assert.equal(fs.readdirSync(dir).length, 1);
	});

	it('keeps one hour of history in memory: reports and a trend point a minute', async () => {
		const clock = {now: t0};
		const c = collector(null, clock);
		let changes = 0;
		c.subscribe(() => changes++);
		for (let m = 0; m < 90; m++) {
			clock.now = t0 + m * minute;
			c.addSnapshot(
				snapshot({
					time: clock.now,
					system: system({cpuPercent: m}),
					processes: [proc({rssMb: 100 + m})],
				}),
			);
			c.addProbe({time: clock.now, ms: m + 1, error: null});
			if (m % 5 === 4) await c.flush();
		}
		const history = c.getHistory();
		assert.ok(changes > 90);
		assert.ok(
			history.reports.length <= 12 && history.reports.length >= 11,
			`${history.reports.length}`,
		);
		assert.ok(history.reports.every((r) => r.period.endMs > clock.now - 60 * minute));
		assert.ok(
			history.points.length >= 59 && history.points.length <= 61,
			`${history.points.length}`,
		);
		const last = history.points.at(-1);
		assert.equal(last?.cpuPercent, 89);
		assert.equal(last?.serverRssMb, 189);
		assert.equal(last?.latencyP95Ms, 90);
		assert.equal(last?.lossPercent, 0);
		assert.ok((history.points[0]?.time ?? 0) > clock.now - 60 * minute);
		assert.notEqual(c.getHistory(), undefined);
		assert.equal(c.getHistory(), history, 'the same object until something changes');
	});

	it('prunes report files by count and by age, and only report files', async () => {
		const dir = tempDir();
		const now = Date.parse('2026-11-24T12:00:00Z');
		const names = [
			'health-20261124T115500Z.json',
			'health-20261124T115000Z.json',
			'health-20261124T115000Z-1.json',
			'health-20261124T114500Z.json',
			'health-20261110T120000Z.json',
		];
		for (const name of names) fs.writeFileSync(path.join(dir, name), '{}');
		fs.writeFileSync(path.join(dir, 'notes.json'), '{}');
		fs.writeFileSync(path.join(dir, 'health-latest.json'), '{}');
		const byAge = await pruneReports(dir, {keep: 100, maxAgeMs: 7 * 86_400_000, now});
		assert.deepEqual(byAge, ['health-20261110T120000Z.json']);
		const byCount = await pruneReports(dir, {keep: 2, maxAgeMs: 7 * 86_400_000, now});
		assert.deepEqual(byCount.sort(), [
			'health-20261124T114500Z.json',
			'health-20261124T115000Z.json',
		]);
		assert.deepEqual(fs.readdirSync(dir).sort(), [
			'health-20261124T115000Z-1.json',
			'health-20261124T115500Z.json',
			'health-latest.json',
			'notes.json',
		]);
	});

	it('flush prunes after writing: reports.keep files stay', async () => {
		const dir = tempDir();
		const clock = {now: t0};
		const c = collector(dir, clock, {keep: 3});
		for (let i = 0; i < 6; i++) {
			clock.now = t0 + i * 5 * minute;
			c.addSnapshot(snapshot({time: clock.now}));
			clock.now += 5 * minute - 1000;
			await c.flush();
		}
		assert.equal(fs.readdirSync(dir).length, 3);
	});
});
