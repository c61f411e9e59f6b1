import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {after, test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {analyseLogs, rotatedSiblings, type HistoryOptions} from '../../source/logs/history.js';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {at, line, multiDayLog, multiDayNow, traceback} from './log-fixtures.js';

after(removeTempDirs);

const options = (files: string[], extra: Partial<HistoryOptions> = {}): HistoryOptions => ({
	files,
	rules: defaultConfig().alerts.rules,
	patternFirst: false,
	maxBytes: 1 << 30,
	days: 7,
	now: multiDayNow,
	...extra,
});

const hourly = (
	day: number,
	hour: number,
	counts: Partial<Record<'critical' | 'error' | 'warning' | 'info', number>> = {},
) => {
	const start = at(2026, 11, day, hour).getTime();
	return {
		hour: `2026-11-${day} ${String(hour).padStart(2, '0')}:00`,
		start,
		critical: 0,
		error: 0,
		warning: 0,
		info: 0,
		...counts,
	};
};

test('mcptop logs --json: a multi-day log gives known counts per category, hour and severity, empty hours included', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	fs.writeFileSync(file, multiDayLog());
	const result = await runCli(
		['logs', file, '--json', '--since', '2026-11-22', '--until', '2026-11-29 12:00'],
		{cwd: dir},
	);
	assert.equal(result.status, 0, result.stderr);
	const report = JSON.parse(result.stdout);
	assert.equal(report.records, 16);
	assert.deepEqual(report.severities, {critical: 1, error: 3, warning: 2, info: 10});
	assert.deepEqual(report.categories, {
		error: {count: 4, percent: 25},
		warning: {count: 2, percent: 12.5},
		connection: {count: 4, percent: 25},
		memory: {count: 1, percent: 6.3},
		performance: {count: 2, percent: 12.5},
		security: {count: 0, percent: 0},
	});
	// The same exception from two places: two types.
	assert.deepEqual(
		report.topErrorTypes.map((t: {type: string; frame: string | null; count: number}) => [
			t.type,
			t.frame,
			t.count,
		]),
		[
			['KeyError', 'tools.py:7 in run', 2],
			['KeyError', 'server.py:42 in get_item', 1],
			['Out of memory: worker killed', null, 1],
		],
	);
	const expected = [];
	for (let h = 10; h < 24; h++) expected.push(hourly(28, h));
	for (let h = 0; h < 10; h++) expected.push(hourly(29, h));
	expected[0] = hourly(28, 10, {error: 1, warning: 2, info: 5});
	expected[2] = hourly(28, 12, {critical: 1, info: 3});
	// Two errors, the INFO 400 line and the bare-connect handshake failure (no alert).
	expected[23] = hourly(29, 9, {error: 2, info: 2});
	assert.deepEqual(report.hourly, expected);
	assert.deepEqual(report.peakHour, {
		hour: '2026-11-28 10:00',
		start: expected[0]!.start,
		alerts: 3,
		records: 8,
	});
	assert.deepEqual(report.last24h, {records: 8, errors: 3, errorRatePercent: 37.5, level: 'high'});
	assert.equal(report.probeEchoes, 1);
	assert.match(report.recommendations[0], /^high error rate: 37\.5%/);
	assert.equal(report.lines, 42);
});

test('mcptop logs as text fits 80 columns and shows every hour', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	fs.writeFileSync(file, multiDayLog());
	const result = await runCli(
		['logs', file, '--since', '2026-11-22', '--until', '2026-11-29 12:00'],
		{cwd: dir},
	);
	assert.equal(result.status, 0, result.stderr);
	const lines = result.stdout.trimEnd().split('\n');
	for (const l of lines) assert.ok([...l].length <= 80, l);
	assert.ok(lines.some((l) => l.startsWith('2026-11-28 11:00 |') && l.endsWith('C0 E0 W0 ·0')));
	assert.ok(
		lines.some((l) => /^ +2 {2}KeyError {2}at tools\.py:7 in run$/.test(l)),
		result.stdout,
	);
	assert.ok(lines.some((l) => l.startsWith('24 h error rate 37.5% HIGH')));
});

test('bad --since and --until are one line and exit 2', async () => {
	const dir = tempDir();
	const bad = await runCli(['logs', '--since', 'yesterday-ish'], {cwd: dir});
	assert.equal(bad.status, 2);
	assert.equal(bad.stderr.trim().split('\n').length, 1);
	assert.match(bad.stderr, /--since: "yesterday-ish" is not a time/);
	const reversed = await runCli(['logs', '--since', '2026-12-02', '--until', '2026-12-01'], {
		cwd: dir,
	});
	assert.equal(reversed.status, 2);
	assert.match(reversed.stderr, /--since: is after --until/);
});

test('pattern-first matching from the config makes an INFO "failed" line an error in the history too', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	fs.writeFileSync(file, line(at(2026, 11, 29, 9), 'INFO', 'Blueprint upload failed, retrying'));
	const args = ['logs', file, '--json', '--since', '2026-11-22'];
	const levelFirst = JSON.parse((await runCli(args, {cwd: dir})).stdout);
	assert.deepEqual(levelFirst.severities, {critical: 0, error: 0, warning: 0, info: 1});
	fs.writeFileSync(
		path.join(dir, 'mcptop.config.json'),
		JSON.stringify({alerts: {patternFirst: true}}),
	);
	const patternFirst = JSON.parse((await runCli(args, {cwd: dir})).stdout);
	assert.deepEqual(patternFirst.severities, {critical: 0, error: 1, warning: 0, info: 0});
});

test('rotated siblings, plain and gzip, are read oldest first: a traceback split across a rotation is one record', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	const tb = traceback(20, {file: 'server.py', line: 42, fn: 'get_item'}, 'KeyError', "'x'");
	const cut = tb.indexOf('layer10.py');
	fs.writeFileSync(
		`${file}.2.gz`,
		zlib.gzipSync(line(at(2026, 11, 27, 8), 'WARNING', 'High memory usage')),
	);
	fs.writeFileSync(
		`${file}.1`,
		line(at(2026, 11, 28, 8), 'INFO', 'started') +
			line(at(2026, 11, 28, 8, 1), 'ERROR', 'Unhandled error') +
			tb.slice(0, cut),
	);
	fs.writeFileSync(file, tb.slice(cut) + line(at(2026, 11, 28, 9), 'INFO', 'recovered'));
	fs.writeFileSync(`${file}.bak`, line(at(2026, 11, 28, 9), 'ERROR', 'not a rotation'));
	assert.deepEqual(await rotatedSiblings(file), [`${file}.1`, `${file}.2.gz`]);
	const report = await analyseLogs(options([file]));
	assert.deepEqual(report.severities, {critical: 0, error: 1, warning: 1, info: 2});
	assert.deepEqual(
		report.topErrorTypes.map((t) => [t.type, t.frame, t.count]),
		[['KeyError', 'server.py:42 in get_item', 1]],
	);
	assert.deepEqual(
		report.files.map((f) => [path.basename(f.path), f.compressed, f.skipped]),
		[
			['server.log', false, null],
			['server.log.1', false, null],
			['server.log.2.gz', true, null],
		],
	);
	assert.equal(report.first, at(2026, 11, 27, 8).getTime());
});

test('the size bound reads the newest bytes only: older siblings are left out and said so', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	const newest = line(at(2026, 11, 29, 8), 'ERROR', 'newest');
	fs.writeFileSync(`${file}.1`, line(at(2026, 11, 28, 8), 'ERROR', 'older').repeat(100));
	fs.writeFileSync(file, line(at(2026, 11, 29, 7), 'ERROR', 'cut away').repeat(50) + newest);
	const report = await analyseLogs(options([file], {maxBytes: Buffer.byteLength(newest) + 10}));
	assert.equal(report.severities.error, 1, 'the partial line before it is skipped');
	assert.equal(report.files[1]!.skipped, 'beyond the size bound');
	assert.equal(report.files[1]!.bytesRead, 0);
	assert.ok(report.bytesRead <= Buffer.byteLength(newest) + 10);
});

test('the time bound leaves out older records and siblings last written before it', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	fs.writeFileSync(`${file}.1`, line(at(2026, 11, 1, 8), 'ERROR', 'a month ago'));
	const old = at(2026, 11, 1, 9);
	fs.utimesSync(`${file}.1`, old, old);
	fs.writeFileSync(
		file,
		line(at(2026, 11, 20, 8), 'ERROR', 'nine days ago') +
			line(at(2026, 11, 29, 8), 'ERROR', 'today'),
	);
	const report = await analyseLogs(options([file]));
	assert.equal(report.severities.error, 1);
	assert.equal(report.files[1]!.skipped, 'older than the time bound');
	assert.equal(report.first, at(2026, 11, 29, 8).getTime());
});

test('a 500 MB log is analysed within the bound: only the last part is read, never the whole file', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'huge.log');
	// Sparse: 500 MB on paper, a few MB on disk. Only the tail holds lines; reading the head would
	// show up in bytesRead (and take seconds).
	const handle = fs.openSync(file, 'w');
	fs.ftruncateSync(handle, 500 * 1024 * 1024);
	fs.closeSync(handle);
	const block =
		line(at(2026, 11, 29, 8), 'INFO', 'request ok') +
		line(at(2026, 11, 29, 8), 'WARNING', 'Slow response');
	fs.appendFileSync(file, block.repeat(Math.ceil((6 * 1024 * 1024) / block.length)));
	const bound = 4 * 1024 * 1024;
	const seen: number[] = [];
	const report = await analyseLogs(
		options([file], {maxBytes: bound, onProgress: (p) => seen.push(p.bytesRead)}),
	);
	assert.equal(report.files[0]!.bytes > 500 * 1024 * 1024, true);
	assert.equal(report.bytesRead, bound);
	assert.equal(report.files[0]!.from, report.files[0]!.bytes - bound);
	assert.ok(seen.length >= 4, 'progress after each chunk');
	assert.equal(seen.at(-1), bound);
	// Whole records only: a line cut by the bound's start is not counted.
	assert.equal(report.severities.warning + report.severities.info, report.records);
	assert.ok(Math.abs(report.severities.warning - report.severities.info) <= 1);
});

test('an aborted analysis stops', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'server.log');
	fs.writeFileSync(file, multiDayLog());
	const controller = new AbortController();
	controller.abort();
	await assert.rejects(analyseLogs(options([file], {signal: controller.signal})), {
		name: 'AbortError',
	});
});
