// The keys in the real CLI, in a pseudo-terminal: what an operator at 3 a.m. presses, against a real
// log file in a temporary folder (no server: nothing here needs one).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {TerminalSession} from '../helpers/pty.js';

after(removeTempDirs);

/** A port nothing listens on: bound, noted, closed. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

test('in a terminal: e, Enter, /regex, a bad regex, Tab to text, severity toggles, help scrolling, qq', async () => {
	const dir = tempDir('mcptop-keys-pty-');
	const log = path.join(dir, 'server.log');
	fs.writeFileSync(
		log,
		[
			'2026-12-02 03:00:00,000 - ERROR - Failed to compile blueprint BP_Enemy',
			'2026-12-02 03:00:01,000 - WARNING - High memory usage detected',
			'2026-12-02 03:00:02,000 - ERROR - WebSocket error: connection reset',
			'2026-12-02 03:00:03,000 - WARNING - Slow response from editor',
			'',
		].join('\n'),
	);
	// Read from the start: a line appended while the tail opens the file would be a race.
	fs.writeFileSync(path.join(dir, 'mcptop.config.json'), JSON.stringify({logBacklogLines: 100}));
	const port = await closedPort();
	const session = new TerminalSession(
		[
			'--endpoint',
			`http://127.0.0.1:${port}`,
			'--port',
			`${port}:mcp`,
			'--match',
			'no-such-server-keys-test',
			'--log',
			log,
		],
		{cols: 120, rows: 40, cwd: dir, env: {XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir}},
	);
	try {
		await session.waitFor(/Alerts/);
		await session.waitFor(/err 2 · warn 2/);
		// Newest first: the cursor is on the slow response; e goes to the next older error.
		session.press('e');
		await session.waitFor(/›\d\d:\d\d:\d\d ERROR\s+WebSocket error/);
		session.press('e');
		await session.waitFor(/›\d\d:\d\d:\d\d ERROR\s+Failed to compile/);
		session.press('e');
		await session.waitFor(/no older error/);
		session.press('E');
		await session.waitFor(/›\d\d:\d\d:\d\d ERROR\s+WebSocket error/);

		session.press('\r');
		let screen = await session.waitFor(/▶ Alert /);
		assert.match(screen, /› 2026-12-02 03:00:02,000 - ERROR - WebSocket error: connection reset/);
		assert.match(screen, /no context lines were kept for this alert|lines? before|traceback/);
		assert.match(screen, /Esc close/);
		session.press('\u001B');
		await session.waitFor((s) => /▶ Alerts/.test(s) && !/▶ Alert /.test(s));

		session.press('/compile|memory');
		screen = await session.waitFor(/\/compile\|memory\s+regex\s+2 of 4 match/);
		assert.match(screen, /Enter apply {2}Esc clear {2}Tab as text/);
		assert.doesNotMatch(screen, /WebSocket error/);
		session.press('(');
		await session.waitFor(/bad regular expression: .*: filters nothing/);
		assert.match(session.screen(), /WebSocket error/, 'a bad regex filters nothing');
		session.press('\t');
		await session.waitFor(/\/compile\|memory\(\s+text\s+0 of 4 match/);
		// Enter and Esc in one chunk: applied, then cleared.
		session.press('\r\u001B');
		await session.waitFor((s) => !/of 4 match/.test(s) && /WebSocket error/.test(s));

		session.press('3');
		screen = await session.waitFor(/2 of 4 match {2}· hidden: warning/);
		assert.doesNotMatch(screen, /High memory/);
		assert.match(screen, /err 2 · warn 2/, 'the totals still count every alert');
		session.press('3');
		await session.waitFor(/High memory/);

		session.press('?');
		screen = await session.waitFor(/▶ Help .*↓ \d+ more/);
		assert.match(screen, /next \/ previous error/);
		session.press('G');
		screen = await session.waitFor(/Esc closes · ↑ more/);
		assert.match(screen, /choosing from a list/);
		session.press('q');
		await session.waitFor((s) => !/▶ Help/.test(s) && /Alerts/.test(s));

		session.press('qq');
		assert.equal(await session.exit(), 0);
	} finally {
		session.kill();
	}
});
