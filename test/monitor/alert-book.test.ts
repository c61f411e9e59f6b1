import {test} from 'node:test';
import assert from 'node:assert/strict';
import {AlertBook} from '../../source/monitor/alert-book.js';
import {withoutTimestamp} from '../../source/lib/log-line.js';

test('repeats of one message merge even though each line carries its own timestamp', () => {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	const now = Date.now();
	for (let i = 0; i < 3; i++) {
		book.add({
			source: 'server.log',
			severity: 'warning',
			text: `2025-09-17 10:00:0${i},123 - WARNING - High memory usage detected`,
			time: now + i,
		});
	}
	book.add({
		source: 'server.log',
		severity: 'warning',
		text: '2025-09-17 10:00:09,000 - WARNING - Other',
		time: now + 9,
	});
	const items = book.newest(10);
	assert.equal(items.length, 2);
	assert.equal(items[1]!.count, 3);
	assert.equal(
		items[1]!.text,
		'2025-09-17 10:00:02,123 - WARNING - High memory usage detected',
		'the newest line is shown',
	);
	assert.equal(items[0]!.text, '2025-09-17 10:00:09,000 - WARNING - Other');
	assert.deepEqual(book.status(now, []).totals, {critical: 0, error: 0, warning: 4});
});

test('timestamps of Python, Unreal, ISO and syslog lines are left out of the identity', () => {
	assert.equal(withoutTimestamp('2025-09-17 10:00:00,123 - ERROR - x'), 'ERROR - x');
	assert.equal(withoutTimestamp('2025-09-17T10:00:00.123Z ERROR x'), 'ERROR x');
	assert.equal(
		withoutTimestamp('[2025.09.17-10.00.00:123][  0]LogUnrealBlueprintMCP: Error: x'),
		'LogUnrealBlueprintMCP: Error: x',
	);
	assert.equal(withoutTimestamp('Sep 17 10:00:00 host app: error'), 'host app: error');
	assert.equal(withoutTimestamp('ERROR no timestamp'), 'ERROR no timestamp');
});

test('the meta-alert fires past the burst threshold within the window only', () => {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	const t = 1_000_000;
	for (let i = 0; i < 10; i++) book.add({source: 'a', severity: 'warning', text: `w${i}`, time: t});
	assert.equal(book.status(t, []).meta, null, '10 is not more than 10');
	book.add({source: 'a', severity: 'warning', text: 'w10', time: t});
	assert.match(book.status(t, []).meta ?? '', /11 warnings in 5 min/);
	assert.equal(book.status(t + 300_001, []).meta, null, 'old warnings leave the window');
});

type Rec = Parameters<AlertBook['apply']>[0]['record'];

function rec(id: number, extra: Partial<Rec> = {}): Rec {
	return {
		id,
		source: 'server.log',
		severity: 'error',
		text: `2026-12-02 01:00:0${id},000 - ERROR - Unhandled error in tool call`,
		time: 1000 * id,
		traceback: [],
		tracebackLines: 0,
		before: [],
		after: [],
		errorType: null,
		frame: null,
		closed: false,
		done: false,
		...extra,
	};
}

test('records: an open record shows alone, then collapses by exception type and innermost frame once closed', () => {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	const closed = (id: number, frame: string, text?: string) =>
		rec(id, {
			closed: true,
			done: true,
			errorType: 'KeyError',
			frame,
			traceback: ['Traceback (most recent call last):', "KeyError: 'x'"],
			tracebackLines: 2,
			...(text ? {text} : {}),
		});
	book.apply({record: rec(1), isNew: true});
	book.apply({record: closed(1, 'server.py:42 in get_item'), isNew: false});
	book.apply({record: rec(2, {text: 'other words, same bug'}), isNew: true});
	assert.equal(book.newest(10).length, 2, 'open: not merged yet');
	book.apply({
		record: closed(2, 'server.py:42 in get_item', 'other words, same bug'),
		isNew: false,
	});
	book.apply({record: closed(3, 'tools.py:7 in run'), isNew: true});
	const items = book.newest(10);
	assert.equal(items.length, 2);
	const at42 = items.find((a) => a.frame === 'server.py:42 in get_item')!;
	assert.equal(at42.count, 2);
	assert.equal(at42.text, 'other words, same bug');
	assert.equal(at42.firstTime, 1000);
	assert.equal(at42.lastTime, 2000);
	assert.deepEqual(at42.traceback, ['Traceback (most recent call last):', "KeyError: 'x'"]);
	assert.equal(items.find((a) => a.frame === 'tools.py:7 in run')!.count, 1);
	assert.deepEqual(book.status(3000, []).totals, {critical: 0, error: 3, warning: 0});
});

test('records: context after arrives later; a done record stops changing its alert; not-alerts are ignored', () => {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	book.apply({record: rec(1, {severity: 'warning', closed: true, before: ['a']}), isNew: true});
	book.apply({
		record: rec(1, {severity: 'warning', closed: true, before: ['a'], after: ['b'], done: true}),
		isNew: false,
	});
	book.apply({record: rec(1, {severity: 'warning', closed: true, after: ['late']}), isNew: false});
	const [alert] = book.newest(1);
	assert.deepEqual(alert!.context, {before: ['a'], after: ['b']});
	assert.equal(book.apply({record: rec(2, {severity: null}), isNew: true}), null);
	assert.deepEqual(book.status(3000, []).totals, {critical: 0, error: 0, warning: 1});
});

test('the alert list is the same array until the book changes, and a new one when an older alert gains context', () => {
	const book = new AlertBook({warningBurst: 10, warningWindowMs: 300_000});
	book.apply({record: rec(1, {closed: true}), isNew: true});
	book.apply({record: rec(2, {closed: true, done: true, text: 'a second error'}), isNew: true});
	const first = book.status(3000, []).items;
	assert.equal(book.status(4000, []).items, first, 'nothing changed: the same list');
	// The older alert (not the newest) gets the lines after it: same length, same newest alert.
	book.apply({record: rec(1, {closed: true, after: ['INFO retrying']}), isNew: false});
	const next = book.status(5000, []).items;
	assert.notEqual(next, first);
	assert.equal(next.length, first.length);
	assert.equal(next[0], first[0]);
	assert.deepEqual(next[1]!.context, {before: [], after: ['INFO retrying']});
	assert.equal(book.newest(1).length, 1);
	assert.equal(book.status(6000, []).items, next);
});
