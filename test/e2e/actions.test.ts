import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {TerminalSession} from '../helpers/pty.js';

function portOwner(screen: string, port: number): number | null {
	const m = new RegExp(`^${port}\\s+\\S.*?LISTEN\\s+(\\d+)`, 'm').exec(screen);
	return m ? Number(m[1]) : null;
}

test(
	'restart from the screen: r shows the PIDs, y runs the steps, a new server PID holds the ports',
	{timeout: 120_000},
	async () => {
		const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-actions-'));
		const session = new TerminalSession(['--demo'], {
			cols: 120,
			rows: 40,
			env: {XDG_STATE_HOME: stateHome},
		});
		try {
			const first = await session.waitFor(
				(s) => portOwner(s, 6277) !== null || /LISTEN\s+\d+/.test(s),
				45_000,
			);
			const ports = [...first.matchAll(/^(\d+)\s+(?:mcp|unreal bridge)\s+LISTEN\s+(\d+)/gm)];
			assert.equal(ports.length, 2, first);
			const oldPid = Number(ports[0]![2]);

			session.press('r');
			const confirm = await session.waitFor(/Proceed\? y = yes/);
			assert.match(confirm, new RegExp(`stop pid ${oldPid}`));
			assert.match(confirm, /unreal_blueprint_mcp_server/);

			session.press('y');
			const done = await session.waitFor(/OK restarted/, 40_000);
			assert.match(done, new RegExp(`Stop pid ${oldPid}`));
			assert.match(done, /Ready/);
			const newPid = Number(/new pid (\d+)/.exec(done)?.[1]);
			assert.ok(newPid > 0 && newPid !== oldPid);

			// Esc closes the result; the Ports pane then shows the new server on both ports.
			session.press('\u001B');
			const after = await session.waitFor((s) => {
				const owners = [...s.matchAll(/^(\d+)\s+(?:mcp|unreal bridge)\s+LISTEN\s+(\d+)/gm)].map(
					(m) => Number(m[2]),
				);
				return (
					!/Restart server/.test(s) && owners.length === 2 && owners.every((pid) => pid !== oldPid)
				);
			}, 20_000);
			assert.match(after, /Alerts/);

			// A second action while one runs starts nothing: backup, then press b again at once.
			session.press('b');
			session.press('b');
			// Wait for the result line and the dismiss hint: a step line ("✓ OK   Save the backup") shows
			// while the action still runs, and Esc does nothing then.
			const backup = await session.waitFor(
				(s) => /^OK Backup \S+ saved/m.test(s) && /Esc \/ Enter dismisses/.test(s),
				20_000,
			);
			assert.equal((backup.match(/▶ Backup/g) ?? []).length, 1);
			session.press('\u001B');

			session.press('q');
			assert.equal(await session.exit(20_000), 0);
		} finally {
			session.kill();
			fs.rmSync(stateHome, {recursive: true, force: true});
		}
	},
);

test(
	'read-only: the key bar marks r, b, R off and r does nothing but say why',
	{timeout: 90_000},
	async () => {
		const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-ro-'));
		const session = new TerminalSession(['--demo', '--read-only'], {
			cols: 160,
			rows: 30,
			env: {XDG_STATE_HOME: stateHome},
		});
		try {
			// The whole first frame, key bar included (a loaded machine can show it in pieces).
			const screen = await session.waitFor(
				(s) => /LISTEN\s+\d+/.test(s) && /b backup\(off\)/.test(s),
				45_000,
			);
			assert.match(screen, /READ-ONLY/);
			assert.match(screen, /r restart\(off\)/);
			assert.match(screen, /b backup\(off\)/);
			session.press('r');
			await session.waitFor(/read-only mode: restart server is disabled/);
			assert.doesNotMatch(session.screen(), /Proceed\?/);
			session.press('v');
			// q while an action runs asks to be pressed again rather than walking away from it.
			session.press('q');
			await session.waitFor(/press q again to quit anyway|Esc \/ Enter dismisses/);
			const report = await session.waitFor(/Esc \/ Enter dismisses/, 40_000);
			assert.match(report, /Python environment/);
			assert.match(report, /\b(PASS|WARN|FAIL)\b/);
			session.press('\u001B');
			await session.waitFor((s) => !/▶ Validation/.test(s));
			session.press('q');
			assert.equal(await session.exit(20_000), 0);
		} finally {
			session.kill();
			fs.rmSync(stateHome, {recursive: true, force: true});
		}
	},
);
