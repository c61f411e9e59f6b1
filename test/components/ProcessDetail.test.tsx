import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {ProcessDetail, formatRate} from '../../source/components/ProcessDetail.js';
import type {ProcessProfile} from '../../source/types.js';
import {proc} from '../helpers/snapshot.js';

const profile: ProcessProfile = {
	cpu: {avg1m: 12.5, max1m: 48, avg5m: 9.1, max5m: 61, recent: [1, 5, 9, 48, 12]},
	io: {read: 2 * 1024 * 1024, write: 512 * 1024, diskRead: 0, diskWrite: 4096},
	threads: 14,
	openFds: 37,
};

for (const width of [80, 120]) {
	test(`process detail at ${width} columns: CPU over 1 and 5 minutes, I/O, threads, fds, reasons with triage`, () => {
		const {lastFrame} = render(
			<ProcessDetail
				width={width}
				rows={12}
				process={proc({
					health: 'WARN',
					reasons: ['pid 4242 CPU 75% > 50%'],
					profile,
				})}
			/>,
		);
		const frame = lastFrame() ?? '';
		assert.ok(
			frame.split('\n').every((l) => [...l].length <= width),
			frame,
		);
		assert.match(frame, /Process 4242 python3/);
		assert.match(frame, /1 min avg 12\.5% max 48\.0%\s+5 min avg 9\.1% max 61\.0%/);
		assert.match(frame, /CPU ~\s+▁▁▂█▂/);
		assert.match(
			frame,
			/read 2\.0 MB\/s\s+write 512\.0 KB\/s\s+\(disk read 0 B\/s, write 4\.0 KB\/s\)/,
		);
		assert.match(frame, /threads\s+14\s+open fds 37\s+uptime 1h02m/);
		assert.match(frame, /WARN\s+pid 4242 CPU 75% > 50% \[high · performance\]/);
	});
}

test('I/O that cannot be read says "not visible", never zero', () => {
	const {lastFrame} = render(
		<ProcessDetail
			width={100}
			rows={10}
			process={proc({profile: {...profile, io: null, openFds: null}})}
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /I\/O\s+not visible/);
	assert.match(frame, /open fds not visible/);
	assert.doesNotMatch(frame, /read 0 B\/s/);
});

test('rates read in operator units', () => {
	assert.equal(formatRate(0), '0 B/s');
	assert.equal(formatRate(1536), '1.5 KB/s');
	assert.equal(formatRate(3 * 1024 * 1024), '3.0 MB/s');
});
