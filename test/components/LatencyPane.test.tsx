import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {LatencyPane} from '../../source/components/LatencyPane.js';
import {latency, t0} from '../helpers/snapshot.js';

for (const width of [80, 120]) {
	test(`latency pane at ${width} columns: sparkline with failures, percentiles, loss, assessment`, () => {
		const {lastFrame} = render(
			<LatencyPane latency={latency()} now={t0} width={width} rows={2} focused={false} />,
		);
		const frame = lastFrame() ?? '';
		assert.ok(frame.split('\n').every((l) => l.length <= width));
		assert.match(frame, /ws:\/\/127\.0\.0\.1:6277 · WebSocket 2025-11-25 · connected/);
		assert.match(frame, /[▁▂▃▄▅▆▇█]{2}×[▁▂▃▄▅▆▇█]{2}/);
		assert.match(
			frame,
			/now 9\.0ms\s+p50 13ms\s+p95 28ms\s+p99 30ms\s+max 30ms\s+loss 20%\s+Excellent\s+WARN/,
		);
	});
}

test('the third line says who answers, the era, what is timed and the handshake', () => {
	for (const [overrides, expected] of [
		[{}, /unreal-blueprint-mcp 0\.3\.0 · session · times ping · handshake 4\.2ms/],
		[
			{
				kind: 'streamable-http',
				era: 'modern',
				protocolVersion: '2026-07-28',
				method: 'server/discover',
				sessions: 3,
			},
			/Streamable HTTP 2026-07-28 · connected[\s\S]*stateless · times server\/discover · handshake 4\.2ms · 3 handshakes/,
		],
		[
			{method: 'tools/list', note: 'ping not supported (-32601): timing tools/list'},
			/times tools\/list · handshake 4\.2ms · ping not supported \(-32601\): timing tools\/list/,
		],
	] as const) {
		const {lastFrame} = render(
			<LatencyPane latency={latency(overrides)} now={t0} width={160} rows={3} focused={false} />,
		);
		assert.match(lastFrame() ?? '', expected);
	}
});

test('a down endpoint shows reconnect state and the error with its hint', () => {
	const {lastFrame} = render(
		<LatencyPane
			latency={latency({
				state: 'reconnecting',
				reconnects: 3,
				nextRetryAt: t0 + 2500,
				lastError: 'got HTTP 200 instead of a WebSocket upgrade',
				hint: 'try --endpoint http://127.0.0.1:6277/health',
				health: 'FAIL',
				samples: [null, null],
				now: null,
			})}
			now={t0}
			width={100}
			rows={3}
			focused
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /reconnecting in 3s \(#3\)/);
	assert.match(frame, /××/);
	assert.match(frame, /now —/);
	assert.match(
		frame,
		/got HTTP 200 instead of a WebSocket upgrade — try --endpoint http:\/\/127\.0\.0\.1:6277\/health/,
	);
});
