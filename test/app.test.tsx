import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import {App, computeLayout, type AppProps} from '../source/app.js';
import {ReportCollector} from '../source/monitor/reports.js';
import {ActionRunner} from '../source/actions/runner.js';
import {defaultConfig} from '../source/config.js';
import type {Snapshot} from '../source/types.js';
import {formatClock} from '../source/lib/format.js';
import {alert, latency, port, proc, snapshot, t0} from './helpers/snapshot.js';

const flush = () => new Promise((r) => setTimeout(r, 20));

/** Wait (bounded) until the frame shows, or no longer shows, what the key should have changed. */
async function expectFrame(ui: {lastFrame(): string | undefined}, re: RegExp, present = true) {
	// Generous: a loaded CI machine can take seconds for a frame; the check, not the wait, decides.
	const deadline = Date.now() + 10_000;
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

/**
 * A terminal of a given size for Ink (ink-testing-library's is always 100 columns and has no rows):
 * `resize()` changes it the way a terminal does, with a 'resize' event.
 */
class SizedStdout extends EventEmitter {
	frames: string[] = [];
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
	resize(columns: number, rows: number) {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
	/** The last frame's lines without styling; an empty frame has none. */
	lines(): string[] {
		const frame = stripVTControlCharacters(this.frames.at(-1) ?? '');
		return frame === '' ? [] : frame.split('\n');
	}
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	data: string | null = null;
	write(data: string) {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}
	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

/** The App with a fake store (p toggles pause) and a runner with a safe and a destructive action. */
function app(snap: Snapshot, extra: Partial<AppProps> = {}, config = defaultConfig()) {
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
	return {
		element: <App store={store} runner={runner} config={config} onQuit={() => quit++} {...extra} />,
		quitCount: () => quit,
	};
}

function harness(snap: Snapshot) {
	const {element, quitCount} = app(snap);
	return {ui: render(element), quitCount};
}

/** The App in a terminal of the given size. */
function sizedHarness(snap: Snapshot, columns: number, rows: number) {
	const {element} = app(snap);
	const stdout = new SizedStdout(columns, rows);
	const stdin = new FakeStdin();
	const instance = inkRender(element, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {stdout, stdin, unmount: () => instance.unmount()};
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

/** Something long in every pane: the lines most likely to come out too wide. */
function crowded(): Snapshot {
	const base = snapshot();
	return snapshot({
		health: 'FAIL',
		reasons: [
			'port 6277 is held by pid 4242 (nginx), not by the MCP server',
			'no process matches /unreal_blueprint_mcp_server/',
		],
		ports: [
			port({
				processName: 'nginx',
				health: 'FAIL',
				warning: 'port 6277 is held by pid 4242 (nginx), expected unreal_blueprint_mcp_server',
			}),
			port({port: 8080, name: 'unreal bridge with a very long name indeed', established: 2}),
		],
		processes: [proc({command: `python3 unreal_blueprint_mcp_server.py ${'--flag '.repeat(40)}`})],
		latency: latency({lastError: 'connect ECONNREFUSED 127.0.0.1:6277', health: 'FAIL'}),
		alerts: {
			...base.alerts,
			items: Array.from({length: 30}, (_, i) =>
				alert({text: `ERROR ${i} ${'Traceback (most recent call last) '.repeat(10)}`}),
			),
			totals: {critical: 0, error: 30, warning: 0},
		},
	});
}

/** Every line at most `columns` wide, at most rows - 1 of them (none at all in a one-row terminal). */
function assertFits(lines: string[], columns: number, rows: number) {
	const size = `${columns}×${rows}`;
	assert.ok(
		lines.length <= Math.max(0, rows - 1),
		`${size}: ${lines.length} lines:\n${lines.join('\n')}`,
	);
	for (const line of lines) {
		assert.ok([...line].length <= columns, `${size}: ${JSON.stringify(line)} is too wide`);
	}
}

/** Whether the lines are the App's frame for this size (not the last size's). */
function isFrameFor(lines: string[], columns: number, rows: number): boolean {
	if (lines.length !== Math.max(0, rows - 1)) return false;
	if (rows === 1) return true;
	const top = lines[0]!;
	if (columns < 40 || rows < 12)
		return top.startsWith(`terminal too small ${columns}×`.slice(0, columns - 1));
	if (columns < 80 || rows < 24) return top.includes(`${columns}×${rows}`);
	return /^mcptop unreal-blueprint-mcp @/.test(top);
}

/** Wait (bounded) until the last frame passes the check. */
async function frameWhere(stdout: SizedStdout, check: (lines: string[]) => boolean) {
	// Generous: a loaded CI machine can take seconds for a frame; the check, not the wait, decides.
	const deadline = Date.now() + 10_000;
	while (!check(stdout.lines()) && Date.now() < deadline) await flush();
	return stdout.lines();
}

test('below 40×12: the "too small" notice cut to fit, then the essentials, one line each', async () => {
	const snap = crowded();
	const cut = (text: string, width: number) =>
		text.length > width ? `${text.slice(0, width - 1)}…` : text;
	for (const [columns, rows] of [
		[39, 11],
		[20, 5],
		[1, 1],
	] as const) {
		const {stdout, unmount} = sizedHarness(snap, columns, rows);
		const lines = await frameWhere(stdout, (l) => l.length > 0 || rows === 1);
		assertFits(lines, columns, rows);
		// A one-row terminal has room for no line at all: a frame as tall as the terminal makes Ink
		// clear the screen on every frame.
		const want = [
			`terminal too small ${columns}×${rows}: need 40×12`,
			`mcptop FAIL ${formatClock(t0)} LIVE`,
			...snap.reasons,
		]
			.slice(0, Math.max(0, rows - 2))
			.map((line) => cut(line, columns));
		assert.deepEqual(lines.slice(0, want.length), want);
		if (rows - 1 >= 3) assert.match(lines.at(-1)!, /^q /, 'the key bar is the last line');
		unmount();
	}
});

test('from 1×1 up, through resizes and in every view: no line wider than the terminal, at most rows - 1', async () => {
	const sizes = [
		[120, 40],
		[100, 40],
		[80, 40],
		[80, 24],
		[60, 30],
		[45, 30],
		[40, 12],
		[39, 11],
		[30, 8],
		[20, 5],
		[10, 3],
		[2, 2],
		[1, 1],
		[1, 30],
		[200, 1],
		[41, 13],
		[120, 40],
	] as const;
	// The views: the panes, help, a question (the dialog), the alert shown whole, the log history,
	// the trend lines, a process's profile.
	for (const keys of ['', '?', 'r', '\r', 'H', 't', '\t\t\r']) {
		const {stdout, stdin, unmount} = sizedHarness(crowded(), 120, 40);
		await frameWhere(stdout, (l) => l.some((line) => /Alerts/.test(line)));
		if (keys) {
			stdin.write(keys);
			const shown = {
				'?': /▶ Help/,
				r: /Proceed\?/,
				'\r': /▶ Alert /,
				H: /History of the logs/,
				t: /▶ Trends/,
				'\t\t\r': /▶ Process /,
			}[keys]!;
			await frameWhere(stdout, (l) => l.some((line) => shown.test(line)));
		}
		for (const [columns, rows] of sizes) {
			const before = stdout.frames.length;
			stdout.resize(columns, rows);
			// A frame of the last size can pass isFrameFor (same rows): wait for one that fits.
			await frameWhere(
				stdout,
				(l) => isFrameFor(l, columns, rows) && l.every((line) => [...line].length <= columns),
			);
			// Ink prints the tree it has at the new width before React renders the new one: that frame
			// must not be wider than the terminal either (a wider line wraps and stays on screen).
			for (const frame of stdout.frames.slice(before)) {
				for (const line of stripVTControlCharacters(frame).split('\n')) {
					assert.ok(
						[...line].length <= columns,
						`view ${JSON.stringify(keys)} at ${columns}×${rows}: ${JSON.stringify(line)}`,
					);
				}
			}
			assert.ok(isFrameFor(stdout.lines(), columns, rows), `no frame for ${columns}×${rows}`);
			assertFits(stdout.lines(), columns, rows);
		}
		unmount();
	}
});

test('lnav habits: e jumps to the next error, Enter shows it with its traceback, / takes a regex', async () => {
	const {ui} = harness(
		snapshot({
			alerts: {
				...snapshot().alerts,
				items: [
					alert({severity: 'warning', text: 'WARNING slow response', firstTime: t0 - 1}),
					alert({
						text: 'ERROR compile failed',
						firstTime: t0 - 2,
						errorType: 'ValueError',
						traceback: ['Traceback (most recent call last):', 'ValueError: no target'],
						context: {before: ['INFO compiling BP_Enemy'], after: []},
					}),
					alert({severity: 'warning', text: 'WARNING high memory', firstTime: t0 - 3}),
				],
			},
		}),
	);
	await expectFrame(ui, /▶ Alerts/);
	ui.stdin.write('e');
	await expectFrame(ui, /›\S+\s+ERROR\s+compile failed/);
	ui.stdin.write('\r');
	await expectFrame(ui, /▶ Alert /);
	const detail = ui.lastFrame()!;
	assert.match(detail, /ERROR {2}ValueError/);
	assert.match(detail, /── 1 line before\n {2}INFO compiling BP_Enemy\n› ERROR compile failed/);
	assert.match(detail, /── traceback, 2 lines\n {2}Traceback \(most recent call last\):/);
	ui.stdin.write('e');
	await expectFrame(ui, /no older error/);
	ui.stdin.write('q');
	await expectFrame(ui, /▶ Alerts/);
	ui.stdin.write('/slow|memory(');
	await expectFrame(ui, /bad regular expression: unterminated group: filters nothing/);
	assert.match(ui.lastFrame()!, /Enter apply {2}Esc clear {2}Tab as text/);
	ui.stdin.write('\u007F');
	await expectFrame(ui, /2 of 3 match/);
	ui.stdin.write('\r3');
	await expectFrame(ui, /0 of 3 match {2}· hidden: warning/);
	ui.unmount();
});

test('H shows the history of the real log file, t the trend lines, Enter on Processes the profile', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-app-history-'));
	try {
		const log = path.join(dir, 'server.log');
		fs.writeFileSync(
			log,
			[
				'2026-12-01 09:00:00,000 - INFO - server started',
				'2026-12-01 09:10:00,000 - ERROR - Validation failed for BP_Enemy',
				'2026-12-01 10:20:00,000 - WARNING - High memory usage: 420 MB',
				'2026-12-01 10:30:00,000 - INFO - connection failed (400 Bad Request)',
				'',
			].join('\n'),
		);
		const config = {...defaultConfig(), logs: [log]};
		const reports = new ReportCollector({
			host: 'h',
			profile: 'p',
			everyMs: 300_000,
			historyMs: 3_600_000,
			dir: null,
			keep: 10,
			maxAgeMs: 86_400_000,
		});
		const snap = snapshot({processes: [proc({pid: 4242})]});
		reports.addSnapshot(snap);
		const {element} = app(snap, {reports}, config);
		const ui = render(element);
		await expectFrame(ui, /▶ Alerts/);
		ui.stdin.write('H');
		await expectFrame(ui, /History of the logs/);
		// The level decides: the INFO line that says "failed" is no error.
		await expectFrame(ui, /Records 4 \(lines 4\) {2}critical 0 {2}error 1 {2}warning 1 {2}other 2/);
		assert.match(ui.lastFrame()!, /2026-12-01 10:00 \|/);
		ui.stdin.write('\u001B');
		await expectFrame(ui, /History of the logs/, false);
		ui.stdin.write('t');
		await expectFrame(ui, /▶ Trends/);
		assert.match(ui.lastFrame()!, /^RSS\s/m);
		ui.stdin.write('\u001B');
		await expectFrame(ui, /▶ Trends/, false);
		ui.stdin.write('\t\t');
		await expectFrame(ui, /▶ Processes/);
		ui.stdin.write('\r');
		await expectFrame(ui, /▶ Process 4242/);
		assert.match(ui.lastFrame()!, /Esc close/);
		ui.stdin.write('\u001B');
		await expectFrame(ui, /▶ Process 4242/, false);
		ui.unmount();
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});
