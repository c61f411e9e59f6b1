import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {Header} from '../../source/components/Header.js';
import {triageReasons} from '../../source/monitor/triage.js';
import {snapshot} from '../helpers/snapshot.js';

test('the header shows the highest-priority reason with its priority and category', () => {
	const found = [
		{health: 'WARN' as const, text: 'memory 93% > 80%'},
		{
			health: 'FAIL' as const,
			text: 'port 6277 is held by pid 4242 (nginx), not the expected server',
		},
	];
	for (const width of [80, 100]) {
		const {lastFrame} = render(
			<Header
				snapshot={snapshot({
					profile: 'p',
					host: 'h',
					health: 'FAIL',
					reasons: found.map((r) => r.text),
					triage: triageReasons(found),
				})}
				width={width}
				readOnly={false}
				small={null}
			/>,
		);
		const frame = lastFrame() ?? '';
		// At 80 columns the profile and host leave room for the priority word only.
		assert.match(
			frame,
			width > 80
				? /health FAIL\s+CRITICAL connection: port 6277 is held/
				: /health FAIL\s+CRITICAL/,
		);
		assert.doesNotMatch(frame, /memory 93%/);
	}
});

test('without triage (an older snapshot) the first reason still shows', () => {
	const {lastFrame} = render(
		<Header
			snapshot={snapshot({health: 'WARN', reasons: ['disk 91% > 85%']})}
			width={120}
			readOnly={false}
			small={null}
		/>,
	);
	assert.match(lastFrame() ?? '', /health WARN\s+disk 91% > 85%/);
});
