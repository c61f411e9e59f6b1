import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {ProcessesPane} from '../../source/components/ProcessesPane.js';
import {defaultConfig} from '../../source/config.js';
import {proc, system} from '../helpers/snapshot.js';
import type {ProcessProfile} from '../../source/types.js';

const cfg = defaultConfig();

function profile(recent: number[]): ProcessProfile {
	return {
		cpu: {avg1m: 40, max1m: 75.5, avg5m: 20, max5m: 75.5, recent},
		io: null,
		threads: 4,
		openFds: 12,
	};
}
const base = {
	match: 'unreal_blueprint_mcp_server',
	sampled: true,
	limits: cfg.thresholds.process,
	thresholds: cfg.thresholds.system,
	rows: 4,
	focused: false,
	scroll: 0,
};

for (const width of [80, 120]) {
	test(`processes pane at ${width} columns: pid, cpu, rss, trend, uptime, health, system line`, () => {
		const {lastFrame} = render(
			<ProcessesPane
				{...base}
				width={width}
				processes={[
					proc(),
					proc({
						pid: 5000,
						cpuPercent: 75.5,
						health: 'WARN',
						leak: true,
						rssTrendMbPerMin: 12.3,
						profile: profile([10, 12, 30, 60, 75.5]),
					}),
				]}
				system={system({diskPercent: 91, health: 'WARN'})}
			/>,
		);
		const frame = lastFrame() ?? '';
		assert.ok(frame.split('\n').every((l) => l.length <= width));
		assert.match(frame, /4242\s+python3\s+3\.2\s+87\.5\s+\+0\.12\s+…\s+no\s+1h02m\s+OK/);
		assert.match(frame, /5000\s+python3\s+75\.5\s+87\.5\s+\+12\s+▁▁▃▇█\s+LEAK\s+1h02m\s+WARN/);
		assert.match(
			frame,
			/system\s+CPU\s+12%\s+mem 41%\s+avail 14000 MB\s+disk 91% \(120\.5 GB free\)\s+WARN/,
		);
		if (width >= 120) assert.match(frame, /unreal_blueprint_mcp_server\.py/);
	});
}

test('no matching process is a loud FAIL naming the pattern', () => {
	const {lastFrame} = render(
		<ProcessesPane {...base} width={80} processes={[]} system={system()} />,
	);
	assert.match(lastFrame() ?? '', /FAIL no process matches \/unreal_blueprint_mcp_server\//);
});

test('before the first sample it says it is scanning, not FAIL', () => {
	const {lastFrame} = render(
		<ProcessesPane {...base} sampled={false} width={80} processes={[]} system={null} />,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /scanning processes/);
	assert.doesNotMatch(frame, /FAIL/);
});

test('a stopped process says STOP where its CPU would be, and FAIL', () => {
	const {lastFrame} = render(
		<ProcessesPane
			{...base}
			width={80}
			processes={[proc({stopped: 'stopped', health: 'FAIL', cpuPercent: 0})]}
			system={system()}
		/>,
	);
	assert.match(
		lastFrame() ?? '',
		/4242\s+python3\s+STOP\s+87\.5\s+\+0\.12\s+…\s+no\s+1h02m\s+FAIL/,
	);
});
