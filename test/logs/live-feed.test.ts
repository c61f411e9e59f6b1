import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {analyseLogs} from '../../source/logs/history.js';
import {AlertFeed, type AlertFeedBatch} from '../../source/logs/live-feed.js';
import {AlertBook} from '../../source/monitor/alert-book.js';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {LogTail} from '../../source/probes/log-tail.js';
import {makeTempDir, removeDir, waitFor} from '../helpers/logtail-support.js';
import {at, line, lineCount, multiDayLog, multiDayNow, traceback} from './log-fixtures.js';

let dir = '';
let file = '';
const stops: Array<() => Promise<void> | void> = [];

beforeEach(() => {
	dir = makeTempDir();
	file = path.join(dir, 'server.log');
});

afterEach(async () => {
	for (const stop of stops.splice(0)) await stop();
	removeDir(dir);
});

/** The live path as mcptop runs it: the real tail, the feed, the alert book. */
function follow(opts: {patternFirst?: boolean; contextLines?: number; backlogLines?: number} = {}) {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	const batches: AlertFeedBatch[] = [];
	const feed = new AlertFeed({
		source: path.basename(file),
		classifier: compileRules(defaultConfig().alerts.rules, {patternFirst: opts.patternFirst}),
		contextLines: opts.contextLines ?? 2,
		quietMs: 300,
		ingest: (batch) => {
			batches.push(batch);
			book.countLines(batch.lines);
			for (const change of batch.changes) book.apply(change);
		},
	});
	const tail = new LogTail({
		path: file,
		classifier: feed.classifier,
		backlogLines: opts.backlogLines ?? 0,
		pollMs: 20,
		rotationGraceMs: 200,
		onBatch: feed.onBatch,
	});
	const followed = feed.around(tail);
	followed.start();
	stops.push(() => followed.stop());
	const status = () => book.status(Date.now(), []);
	return {book, tail, batches, status};
}

async function following(tail: LogTail): Promise<void> {
	await waitFor(() => tail.status().state === 'following', 'the tail to open the file');
}

const t0 = at(2026, 12, 2, 1, 0);
const info = (i: number) => line(t0, 'INFO', `Processing request ${i}`);

test('tracebacks of 1, 30 and 1,000 lines, interleaved and split across writes and a rotation, each count once with their ERROR line', async () => {
	fs.writeFileSync(file, '');
	const {tail, status} = follow({contextLines: 2});
	await following(tail);
	const one = 'ValueError: bad blueprint name\n';
	const thirty = traceback(
		14,
		{file: 'bridge.py', line: 88, fn: 'send'},
		'ConnectionResetError',
		'peer gone',
	);
	const thousand = traceback(
		499,
		{file: 'compiler.py', line: 5, fn: 'compile'},
		'RecursionError',
		'too deep',
	);
	assert.equal(lineCount(one), 1);
	assert.equal(lineCount(thirty), 30);
	assert.equal(lineCount(thousand), 1000);
	const text =
		info(1) +
		line(t0, 'ERROR', 'bad name') +
		one +
		info(2) +
		line(t0, 'ERROR', 'bridge write failed') +
		thirty +
		info(3) +
		line(t0, 'CRITICAL', 'compiler crashed') +
		thousand +
		info(4) +
		info(5);
	// Written in uneven pieces, cutting lines in the middle; the rotation falls inside the long one.
	const rotateAt = text.indexOf('layer300.py');
	const pieces = [
		text.slice(0, 37),
		text.slice(37, 400),
		text.slice(400, rotateAt),
		text.slice(rotateAt),
	];
	for (const piece of pieces.slice(0, 3)) {
		fs.appendFileSync(file, piece);
		await new Promise((resolve) => setTimeout(resolve, 40));
	}
	fs.renameSync(file, `${file}.1`);
	fs.writeFileSync(file, pieces[3]!);
	await waitFor(
		() =>
			status().items.length === 3 &&
			status().items.every((a) => a.frame || a.errorType === 'ValueError'),
		'three closed alerts',
		10_000,
	);
	const s = status();
	assert.deepEqual(s.totals, {critical: 1, error: 2, warning: 0});
	const byType = new Map(s.items.map((a) => [a.errorType, a]));
	const value = byType.get('ValueError')!;
	assert.equal(value.tracebackLines, 1);
	assert.deepEqual(value.traceback, ['ValueError: bad blueprint name']);
	assert.equal(value.count, 1);
	const reset = byType.get('ConnectionResetError')!;
	assert.equal(reset.tracebackLines, 30);
	assert.equal(reset.traceback!.length, 30);
	assert.equal(reset.frame, 'bridge.py:88 in send');
	assert.equal(reset.traceback!.at(-1), 'ConnectionResetError: peer gone');
	const deep = byType.get('RecursionError')!;
	assert.equal(deep.severity, 'critical');
	assert.equal(deep.tracebackLines, 1000);
	assert.equal(deep.frame, 'compiler.py:5 in compile');
	// Capped: the first lines, a marker, and the last (innermost) ones.
	assert.ok(deep.traceback!.length <= 201, String(deep.traceback!.length));
	assert.equal(deep.traceback![0], 'Traceback (most recent call last):');
	assert.match(deep.traceback![20]!, /^… 800 more traceback lines …$/);
	assert.equal(deep.traceback!.at(-1), 'RecursionError: too deep');
	// Context: the lines before the ERROR line, and those after its traceback.
	assert.deepEqual(reset.context!.before.at(-1), info(2).trimEnd());
	assert.deepEqual(reset.context!.after, [
		info(3).trimEnd(),
		line(t0, 'CRITICAL', 'compiler crashed').trimEnd(),
	]);
	assert.deepEqual(deep.context!.after, [info(4).trimEnd(), info(5).trimEnd()]);
	// No traceback line became an alert of its own ("RecursionError", "ConnectionResetError" match the rules).
	assert.equal(s.items.length, 3);
});

test('the same exception from the same place collapses with a count; from another place it is another alert', async () => {
	fs.writeFileSync(file, '');
	const {tail, status} = follow();
	await following(tail);
	const tb = (file: string, n: number) =>
		traceback(2, {file, line: n, fn: 'get_item'}, 'KeyError', `'bp_${n}'`);
	fs.appendFileSync(
		file,
		line(at(2026, 12, 2, 1, 0), 'ERROR', 'Unhandled error in tool call') +
			tb('server.py', 42) +
			line(at(2026, 12, 2, 1, 1), 'ERROR', 'Unhandled error in tool call (retry)') +
			tb('server.py', 42) +
			line(at(2026, 12, 2, 1, 2), 'ERROR', 'Unhandled error in tool call') +
			tb('tools.py', 7) +
			info(9),
	);
	await waitFor(() => status().items.length === 2, 'two alerts', 10_000);
	const items = status().items;
	const at42 = items.find((a) => a.frame === 'server.py:42 in get_item')!;
	const at7 = items.find((a) => a.frame === 'tools.py:7 in get_item')!;
	assert.equal(at42.count, 2, 'different text, same type and innermost frame');
	assert.ok(at42.text.includes('(retry)'), 'the newest occurrence is shown');
	assert.ok(at42.firstTime <= at42.lastTime);
	assert.equal(at7.count, 1);
	assert.deepEqual(status().totals, {critical: 0, error: 3, warning: 0});
});

test('an INFO line that says "failed" is no alert by default and an error with pattern-first matching', async () => {
	const text =
		line(t0, 'INFO', 'Blueprint upload failed, retrying') +
		line(t0, 'INFO', 'connection failed (400 Bad Request)');
	fs.writeFileSync(file, '');
	const levelFirst = follow();
	const before = file;
	await following(levelFirst.tail);
	fs.appendFileSync(file, text);
	await waitFor(() => levelFirst.status().linesRead >= 2, 'both lines read');
	assert.deepEqual(levelFirst.status().totals, {critical: 0, error: 0, warning: 0});
	file = path.join(dir, 'other.log');
	fs.writeFileSync(file, '');
	const patternFirst = follow({patternFirst: true});
	await following(patternFirst.tail);
	fs.appendFileSync(file, text);
	await waitFor(() => patternFirst.status().linesRead >= 2, 'both lines read');
	await waitFor(() => patternFirst.status().totals.error === 1, 'one error');
	// The 400 line a bare connect causes is recognised even so: only the upload is an error.
	assert.deepEqual(patternFirst.status().totals, {critical: 0, error: 1, warning: 0});
	assert.ok(patternFirst.status().items[0]!.text.includes('upload failed'));
	assert.notEqual(before, file);
});

test('a websockets handshake failure from a bare connect is never an alert; one with another cause is', async () => {
	fs.writeFileSync(file, '');
	const {tail, status} = follow();
	await following(tail);
	const echo =
		line(t0, 'ERROR', 'opening handshake failed') +
		'Traceback (most recent call last):\n  File "/venv/websockets/asyncio/server.py", line 356, in conn_handler\n    await connection.handshake(\nwebsockets.exceptions.InvalidMessage: did not receive a valid HTTP request\n' +
		line(t0, 'INFO', 'connection rejected (400 Bad Request)');
	const real =
		line(t0, 'ERROR', 'opening handshake failed') +
		'Traceback (most recent call last):\n  File "/venv/websockets/asyncio/server.py", line 356, in conn_handler\n    await connection.handshake(\nwebsockets.exceptions.InvalidHeaderValue: invalid Sec-WebSocket-Key header\n';
	fs.appendFileSync(file, echo + info(1) + real);
	await waitFor(
		() => status().items.length === 1 && status().items[0]!.frame !== undefined,
		'the real failure, closed',
		10_000,
	);
	assert.deepEqual(status().totals, {critical: 0, error: 1, warning: 0});
	assert.equal(status().items[0]!.errorType, 'InvalidHeaderValue');
});

test('the live Alerts pane and the history count the same log alike', async () => {
	fs.writeFileSync(file, '');
	const {tail, status} = follow();
	await following(tail);
	const text = multiDayLog();
	fs.appendFileSync(file, text);
	await waitFor(() => status().linesRead === lineCount(text), 'every line read');
	await waitFor(
		() => status().items.every((a) => a.severity !== 'error' || a.frame !== undefined),
		'tracebacks closed',
		10_000,
	);
	const history = await analyseLogs({
		files: [file],
		rules: defaultConfig().alerts.rules,
		patternFirst: false,
		maxBytes: 1 << 30,
		days: 7,
		now: multiDayNow,
	});
	const live = status();
	assert.deepEqual(live.totals, {
		critical: history.severities.critical,
		error: history.severities.error,
		warning: history.severities.warning,
	});
	const liveErrors = live.items
		.filter((a) => a.severity === 'error' || a.severity === 'critical')
		.map((a) => [a.errorType ?? null, a.frame ?? null, a.count])
		.sort();
	const historyErrors = history.topErrorTypes
		.filter((t) => t.frame !== null)
		.map((t) => [t.type, t.frame, t.count]);
	for (const entry of historyErrors)
		assert.ok(
			liveErrors.some((l) => JSON.stringify(l) === JSON.stringify(entry)),
			JSON.stringify({entry, liveErrors}),
		);
	assert.equal(history.probeEchoes, 1);
});

test('the feed sets a timer only while a traceback is open, and closes it when its writer goes quiet', async () => {
	const batches: AlertFeedBatch[] = [];
	const feed = new AlertFeed({
		source: 'server.log',
		classifier: compileRules(defaultConfig().alerts.rules, {}),
		contextLines: 0,
		quietMs: 100,
		ingest: (batch) => batches.push(batch),
	});
	const give = (text: string) => {
		const lines = text.split('\n').filter(Boolean);
		for (const l of lines) feed.classifier.classify(l);
		feed.onBatch({
			source: 'server.log',
			path: 'server.log',
			lines: lines.length,
			alerts: [],
			lastLines: lines,
			counts: {critical: 0, error: 0, warning: 0},
		});
	};
	feed.start();
	stops.push(() => feed.stop());
	assert.equal(feed.waitingForQuiet, false, 'idle: no timer');
	give(info(1) + info(2));
	assert.equal(feed.waitingForQuiet, false, 'plain lines open nothing');
	give(
		line(t0, 'ERROR', 'bridge write failed') +
			traceback(2, {file: 'bridge.py', line: 88, fn: 'send'}, 'ConnectionResetError', 'gone'),
	);
	assert.equal(feed.waitingForQuiet, true, 'a traceback is open');
	await waitFor(
		() => batches.some((b) => b.changes.some((c) => c.record.frame === 'bridge.py:88 in send')),
		'the traceback closed by the quiet timer',
		5000,
	);
	assert.equal(feed.waitingForQuiet, false, 'closed: no timer left');
	feed.stop();
	give(line(t0, 'ERROR', 'again') + 'Traceback (most recent call last):\n');
	assert.equal(feed.waitingForQuiet, false, 'stopped: no timer');
});
