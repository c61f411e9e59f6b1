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
