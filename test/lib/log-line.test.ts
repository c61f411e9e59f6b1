import assert from 'node:assert/strict';
import test from 'node:test';
import {alertMessage} from '../../source/lib/log-line.js';

test('alertMessage drops the timestamp and level that the Alerts pane shows in columns', () => {
	assert.equal(
		alertMessage('2026-11-24 07:08:41,201 - ERROR - WebSocket error: connection reset'),
		'WebSocket error: connection reset',
	);
	assert.equal(
		alertMessage('2026-11-24 07:08:41,201 - unreal_blueprint_mcp - WARNING - High memory'),
		'High memory',
	);
	assert.equal(alertMessage('2026-11-24T07:08:41Z [CRITICAL] Server crashed'), 'Server crashed');
	assert.equal(alertMessage('ERROR: bind failed'), 'bind failed');
});

test('alertMessage keeps text that only looks like a level, and lines without one', () => {
	assert.equal(alertMessage('ERROR'), 'ERROR', 'nothing after the level: keep it');
	assert.equal(
		alertMessage('Traceback (most recent call last):'),
		'Traceback (most recent call last):',
	);
	assert.equal(
		alertMessage('[2025.09.17-10.00.00:123][  0]LogUnrealBlueprintMCP: Error: x'),
		'LogUnrealBlueprintMCP: Error: x',
	);
	assert.equal(alertMessage('ERRORS were counted'), 'ERRORS were counted');
});
