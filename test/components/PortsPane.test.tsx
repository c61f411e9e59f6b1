import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import {PortsPane, portsPaneLines} from '../../source/components/PortsPane.js';
import {latency, port, t0} from '../helpers/snapshot.js';

const endpoint = latency();

for (const width of [80, 120]) {
	test(`ports pane at ${width} columns shows state, owner, conns, probe and health`, () => {
		const {lastFrame} = render(
			<PortsPane
				ports={[port(), port({port: 8080, name: 'unreal bridge', established: 2, connectMs: 0.3})]}
				endpoint={endpoint}
				now={t0}
				width={width}
				rows={5}
				focused={false}
				scroll={0}
			/>,
		);
		const frame = lastFrame() ?? '';
		const lines = frame.split('\n');
		assert.ok(
			lines.every((l) => l.length <= width),
			`a line is wider than ${width}`,
		);
		assert.match(frame, /Ports/);
		assert.match(frame, /6277\s+mcp\s+LISTEN\s+4242\s+python3\s+1\s+ws ok/);
		assert.match(
			frame,
			/8080\s+unreal bridge\s+LISTEN\s+4242\s+python3\s+2\s+tcp 0\.3ms\s+1m05s\s+OK/,
		);
	});
}

test('a closed port says closed and FAIL, an unexpected owner gets a loud warning', () => {
	const {lastFrame} = render(
		<PortsPane
			ports={[
				port({
					listening: false,
					pid: null,
					processName: null,
					command: null,
					health: 'FAIL',
					connectMs: null,
				}),
				port({
					port: 8080,
					pid: 777,
					processName: 'nginx',
					command: 'nginx: master',
					health: 'FAIL',
					warning: 'port 8080 is held by pid 777 (nginx), not the expected server',
				}),
			]}
			endpoint={latency({state: 'reconnecting'})}
			now={t0}
			width={80}
			rows={5}
			focused
			scroll={0}
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /▶ Ports/);
	assert.match(frame, /6277\s+mcp\s+closed\s+—.*ws down.*FAIL/);
	// The line under the row says the row's own health (FAIL), as the HEALTH column does.
	assert.match(frame, /⚠ FAIL port 8080 is held by pid 777 \(nginx\)/);
	assert.match(frame, /2 not OK/);
});

test('a listening port whose owner cannot be seen says "owner unknown", not down', () => {
	const {lastFrame} = render(
		<PortsPane
			ports={[port({port: 8080, pid: null, processName: null, command: null})]}
			endpoint={endpoint}
			now={t0}
			width={100}
			rows={3}
			focused={false}
			scroll={0}
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /LISTEN\s+—\s+owner unknown/);
	assert.doesNotMatch(frame, /closed/);
});

test('no ports configured: the line is cut to the pane, never wrapped', () => {
	for (const width of [80, 20]) {
		const {lastFrame} = render(
			<PortsPane
				ports={[]}
				endpoint={endpoint}
				now={t0}
				width={width}
				rows={1}
				focused={false}
				scroll={0}
				header={false}
			/>,
		);
		const lines = (lastFrame() ?? '').split('\n');
		assert.equal(lines.length, 2, `${width}: the title and one line`);
		assert.ok(
			lines.every((l) => [...l].length <= width),
			`${width}: a line is wider`,
		);
		assert.match(
			lines[1]!,
			width >= 40 ? /no ports configured \(config key "ports"\)/ : /^no ports.*…$/,
		);
	}
});

test('play mode from the editor log shows beside the bridge port, with its triage', () => {
	const ports = [
		port(),
		port({
			port: 8080,
			name: 'unreal bridge',
			established: 1,
			editor: {
				playMode: 'play',
				playSince: t0 - 4000,
				pluginConnected: true,
				lastEvent: 'LogPlayLevel: PIE: Play in editor total start time 0.4 seconds.',
				lastEventAt: t0 - 4000,
			},
		}),
	];
	const {lastFrame} = render(
		<PortsPane
			ports={ports}
			endpoint={endpoint}
			now={t0}
			width={100}
			rows={5}
			focused={false}
			scroll={0}
		/>,
	);
	const lines = (lastFrame() ?? '').split('\n');
	const bridge = lines.findIndex((l) => l.startsWith('8080'));
	assert.match(
		lines[bridge + 1] ?? '',
		/▶ play mode active: blueprint operations disabled\s+\[medium · editor state\]/,
	);
	assert.equal(portsPaneLines(ports), 3);
});

test('the title counts ports in words: "1 port", "2 ports"', () => {
	const one = render(
		<PortsPane
			ports={[port()]}
			endpoint={latency()}
			now={t0}
			width={100}
			rows={3}
			focused={false}
			scroll={0}
		/>,
	);
	assert.match(stripVTControlCharacters(one.lastFrame() ?? ''), / 1 port\b(?!s)/);
	one.unmount();
});
