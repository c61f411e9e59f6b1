import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {TerminalSession} from '../helpers/pty.js';

function demoProcesses(token: RegExp): number[] {
	const pids: number[] = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			if (token.test(cmd)) pids.push(Number(entry));
		} catch {
			// Gone meanwhile.
		}
	}
	return pids;
}

test(
	'the demo in a pseudo-terminal: four live panes, help, pause, focus, resize, quit',
	{timeout: 90_000},
	async () => {
		const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-'));
		const session = new TerminalSession(['--demo'], {
			cols: 100,
			rows: 30,
			env: {XDG_STATE_HOME: stateHome},
		});
		try {
			const screen = await session.waitFor(
				(s) =>
					/6277|LISTEN/.test(s) &&
					/\d+\s+node\s+\d+\.\d/.test(s) &&
					/now \d/.test(s) &&
					/Streamable HTTP 2026-07-28 · connected/.test(s) &&
					/[1-9]\d* lines/.test(s),
				45_000,
			);
			assert.match(screen, /─ Ports/);
			assert.match(screen, /Processes/);
			assert.match(screen, /Latency/);
			assert.match(screen, /Alerts/);
			assert.match(screen, /LIVE/);
			const lines = screen.split('\n');
			assert.ok(lines.length <= 30);
			const demoDir = /--demo-id (\S+)/.exec(
				fs.readFileSync(`/proc/${session.pid}/cmdline`, 'utf8'),
			);
			void demoDir;

			session.press('?');
			await session.waitFor(/─ Help|▶ Help/);
			assert.match(session.screen(), /restart the server/);
			session.press('\u001B');
			await session.waitFor((s) => !/▶ Help/.test(s) && /Alerts/.test(s));

			session.press('p');
			await session.waitFor(/PAUSED/);
			const frozen = /(\d\d:\d\d:\d\d)/.exec(session.screen())?.[1];
			await new Promise((r) => setTimeout(r, 2200));
			assert.equal(
				/(\d\d:\d\d:\d\d)/.exec(session.screen())?.[1],
				frozen,
				'the clock stops while paused',
			);
			session.press('p');
			await session.waitFor(/LIVE/);

			session.press('\t');
			await session.waitFor(/▶ Ports/);
			session.press('\t');
			await session.waitFor(/▶ Processes/);

			session.resize(80, 24);
			await session.waitFor((s) => /Ports/.test(s) && /Alerts/.test(s) && !/small/.test(s));
			session.resize(40, 12);
			await session.waitFor(/small/);
			assert.ok(session.screen().split('\n').length <= 12);
			session.resize(120, 40);
			await session.waitFor((s) => /Alerts/.test(s) && /Latency/.test(s) && !/small/.test(s));

			session.press('q');
			assert.equal(await session.exit(20_000), 0);
			// Quitting stops everything the demo started.
			const deadline = Date.now() + 10_000;
			let left = demoProcesses(/unreal_blueprint_mcp_server|fake_unreal_editor/);
			while (left.some((pid) => startedBy(pid, stateHome)) && Date.now() < deadline) {
				await new Promise((r) => setTimeout(r, 200));
				left = demoProcesses(/unreal_blueprint_mcp_server|fake_unreal_editor/);
			}
			assert.deepEqual(
				left.filter((pid) => startedBy(pid, stateHome)),
				[],
			);
		} finally {
			session.kill();
			fs.rmSync(stateHome, {recursive: true, force: true});
		}
	},
);

/** Demo processes started by this session inherit its private XDG_STATE_HOME. */
function startedBy(pid: number, stateHome: string): boolean {
	try {
		return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`XDG_STATE_HOME=${stateHome}`);
	} catch {
		return false;
	}
}
