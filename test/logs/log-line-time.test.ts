import assert from 'node:assert/strict';
import {test} from 'node:test';
import {hasTimestamp, lineTime} from '../../source/lib/log-line.js';
import {declaredLevel} from '../../source/monitor/alert-rules.js';

test('lineTime: Python asctime is local, a zone is honoured, Unreal is UTC, others have none', () => {
	assert.equal(
		lineTime('2026-12-02 00:59:05,833 - INFO - x'),
		new Date(2026, 11, 2, 0, 59, 5, 833).getTime(),
	);
	assert.equal(lineTime('2026-12-02 00:59:05.833'), new Date(2026, 11, 2, 0, 59, 5, 833).getTime());
	// The fast path caches the hour: the next hour and the next day are their own.
	assert.equal(lineTime('2026-12-02 01:00:00,000 - INFO - x'), new Date(2026, 11, 2, 1).getTime());
	assert.equal(lineTime('2026-12-03 01:00:00,000 - INFO - x'), new Date(2026, 11, 3, 1).getTime());
	assert.equal(lineTime('2026-12-02T00:59:05.833Z ERROR x'), Date.UTC(2026, 11, 2, 0, 59, 5, 833));
	assert.equal(lineTime('2026-12-02T02:59:05+02:00 ERROR x'), Date.UTC(2026, 11, 2, 0, 59, 5));
	assert.equal(
		lineTime('2026-12-02 00:59:05,123456 x'),
		new Date(2026, 11, 2, 0, 59, 5, 123).getTime(),
	);
	assert.equal(
		lineTime('[2026.12.02-00.59.05:833][  0]LogTemp: Error: x'),
		Date.UTC(2026, 11, 2, 0, 59, 5, 833),
	);
	assert.equal(lineTime('Traceback (most recent call last):'), null);
	assert.equal(lineTime('2026-1x-02 00:59:05,833 - INFO - x'), null);
	assert.equal(hasTimestamp('  File "x.py", line 1, in f'), false);
	assert.equal(hasTimestamp('KeyError: 1'), false);
	assert.equal(hasTimestamp('2026-12-02 00:59:05,833 - INFO - x'), true);
});

test('declaredLevel: the fast path and the regex agree', () => {
	for (const [line, level] of [
		['2026-12-02 00:59:05,833 - INFO - x', 'info'],
		['2026-12-02 00:59:05,833 - ERROR - x', 'error'],
		['2026-12-02 00:59:05,833 - CRITICAL - x', 'critical'],
		['2026-12-02 00:59:05,833 - WARNING - x', 'warning'],
		['2026-12-02 00:59:05,833 - websockets.server - INFO - x', 'info'],
		['2026-12-02 00:59:05,833 - Error - not a levelname', null],
		['2026-12-02 00:59:05,833 - ERRORS - x', null],
		['KeyError: 1', null],
	] as const)
		assert.equal(declaredLevel(line), level, line);
});
