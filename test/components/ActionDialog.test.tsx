import {test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {render} from 'ink-testing-library';
import {ActionDialog} from '../../source/components/ActionDialog.js';

test("a step's detail of several lines (the doctor's) stays on the step's one row", () => {
	const ui = render(
		<ActionDialog
			state={{
				phase: 'done',
				kind: 'doctor',
				title: 'Doctor',
				steps: [
					{
						id: 'python',
						label: 'Interpreter and packages',
						status: 'ok',
						detail: 'Interpreter: PASS: python3 3.11\nPackages: PASS: fastmcp, websockets',
					},
					{id: 'ports', label: 'Ports', status: 'fail', detail: 'port 6277 held by pid 42'},
				],
				result: {ok: false, summary: 'doctor: 1 FAIL'},
				startedAt: 0,
				endedAt: 400,
			}}
			width={120}
			height={10}
			now={400}
		/>,
	);
	const lines = stripVTControlCharacters(ui.lastFrame() ?? '').split('\n');
	const row = lines.find((l) => l.includes('Interpreter and packages'));
	assert.ok(row, lines.join('\n'));
	assert.match(row, /Interpreter: PASS: python3 3\.11 · Packages: PASS/);
	assert.ok(!lines.some((l) => /^\s*Packages:/.test(l)), 'no row of its own for the second line');
	// The next step follows on the next row.
	assert.match(lines[lines.indexOf(row) + 1] ?? '', /Ports\s+port 6277 held by pid 42/);
	ui.unmount();
});
