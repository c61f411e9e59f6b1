import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {App, computeLayout} from '../source/app.js';
import {ActionRunner} from '../source/actions/runner.js';
import {defaultConfig} from '../source/config.js';
import type {Snapshot} from '../source/types.js';
import {alert, snapshot} from './helpers/snapshot.js';

const flush = () => new Promise((r) => setTimeout(r, 20));

/** Wait (bounded) until the frame shows, or no longer shows, what the key should have changed. */
async function expectFrame(ui: {lastFrame(): string | undefined}, re: RegExp, present = true) {
	const deadline = Date.now() + 3000;
	while (re.test(ui.lastFrame() ?? '') !== present && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 20));
	}
	if (present) assert.match(ui.lastFrame() ?? '', re);
	else assert.doesNotMatch(ui.lastFrame() ?? '', re);
}

test('the layout never asks for more than rows - 1 lines, from 40×12 to 200×60', () => {
	for (const columns of [40, 80, 120, 200]) {
		for (let rows = 12; rows <= 60; rows++) {
			for (const procs of [0, 1, 5, 40]) {
				const l = computeLayout(columns, rows, {ports: 2, processes: procs, latency: 3});
				const total = 2 + l.ports + l.processes + l.latency + l.alerts;
				assert.ok(total <= rows - 1, `${columns}×${rows} with ${procs} processes: ${total} lines`);
				assert.ok(l.alerts >= 1, `${columns}×${rows}: the alerts pane keeps a line`);
				assert.equal(l.small !== null, columns < 80 || rows < 24);
			}
		}
	}
});

function harness(snap: Snapshot) {
	let paused = false;
	const listeners = new Set<() => void>();
	let current = snap;
	const store = {
		subscribe: (l: () => void) => {
			listeners.add(l);
			return () => listeners.delete(l);
		},
		getSnapshot: () => current,
		togglePause: () => {
			paused = !paused;
			current = {...current, paused};
			for (const l of listeners) l();
		},
	};
	const config = defaultConfig();
	const runner = new ActionRunner(
		{
			backup: {
				title: 'Backup',
				destructive: false,
				writes: true,
				run: async (_c, report) => {
					report({id: 'copy', label: 'Copy files', status: 'ok'});
					return {ok: true, summary: 'backup saved'};
				},
			},
			restart: {
				title: 'Restart server',
				destructive: true,
				writes: true,
				plan: async () => ({
					lines: ['stop pid 4242: python unreal_blueprint_mcp_server.py'],
					problems: [],
					context: null,
				}),
				run: async () => ({ok: true, summary: 'restarted'}),
			},
		},
		{readOnly: false},
	);
	let quit = 0;
	const ui = render(<App store={store} runner={runner} config={config} onQuit={() => quit++} />);
	return {ui, quitCount: () => quit};
}

test('keys: ? help, Esc closes, p pauses, Tab moves focus, / filters, q quits', async () => {
	const {ui, quitCount} = harness(
		snapshot({
			alerts: {
				...snapshot().alerts,
				items: [
					alert({text: 'ERROR disk full'}),
					alert({severity: 'warning', text: 'WARNING slow response'}),
				],
			},
		}),
	);
	await expectFrame(ui, /▶ Alerts/);
	ui.stdin.write('?');
	await expectFrame(ui, /▶ Help/);
	assert.match(ui.lastFrame()!, /restart the server/);
	ui.stdin.write('\u001B');
	await expectFrame(ui, /▶ Help/, false);
	ui.stdin.write('p');
	await expectFrame(ui, /PAUSED/);
	ui.stdin.write('\t');
	await expectFrame(ui, /▶ Ports/);
	ui.stdin.write('/');
	await flush();
	for (const ch of 'slow') ui.stdin.write(ch);
	await expectFrame(ui, /\/slow/);
	const filtered = ui.lastFrame()!;
	assert.match(filtered, /\/slow/);
	assert.match(filtered, /WARN\s+slow response/);
	assert.doesNotMatch(filtered, /disk full/);
	ui.stdin.write('\r');
	ui.stdin.write('\u001B');
	await expectFrame(ui, /disk full/);
	ui.stdin.write('q');
	for (let i = 0; i < 150 && quitCount() === 0; i++) await flush();
	assert.equal(quitCount(), 1);
	ui.unmount();
});

test('a destructive action asks y/N and n cancels; a safe one runs and its result stays until Esc', async () => {
	const {ui} = harness(snapshot());
	await flush();
	ui.stdin.write('r');
	await expectFrame(ui, /stop pid 4242/);
	assert.match(ui.lastFrame()!, /Proceed\? y = yes/);
	ui.stdin.write('n');
	await expectFrame(ui, /Restart server/, false);
	ui.stdin.write('b');
	await expectFrame(ui, /OK backup saved/);
	assert.match(ui.lastFrame()!, /✓ OK\s+Copy files/);
	ui.stdin.write('\u001B');
	await expectFrame(ui, /backup saved/, false);
	ui.unmount();
});

test('keys that arrive in one chunk act one after another on fresh state', async () => {
	const {ui} = harness(snapshot());
	await flush();
	ui.stdin.write('?');
	await expectFrame(ui, /▶ Help/);
	ui.stdin.write('\u001Bp');
	await expectFrame(ui, /▶ Help/, false);
	assert.match(ui.lastFrame()!, /PAUSED/);
	ui.stdin.write('\t\t');
	await expectFrame(ui, /▶ Processes/);
	ui.unmount();
});

test('Enter and Esc in one chunk while filtering: applied, then cleared', async () => {
	const {ui} = harness(
		snapshot({
			alerts: {
				...snapshot().alerts,
				items: [alert({text: 'ERROR disk full'}), alert({text: 'ERROR other'})],
			},
		}),
	);
	await flush();
	ui.stdin.write('/disk');
	await expectFrame(ui, /1 of 2 match/);
	ui.stdin.write('\r\u001B');
	await expectFrame(ui, /\/disk/, false);
	assert.match(ui.lastFrame()!, /ERROR\s+other/);
	ui.unmount();
});
