// The CLI in a pseudo-terminal against MCP servers nobody on this project wrote, and against one that
// accepts connections and never answers: what an operator sees, and that the keys keep working.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {startMcpServer, stopAllMcpServers} from '../helpers/mcp-servers.js';
import {TerminalSession} from '../helpers/pty.js';

after(() => stopAllMcpServers());

function session(url: string, port: number, extra: string[] = []) {
	const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-real-'));
	const s = new TerminalSession(
		[
			'--endpoint',
			url,
			'--port',
			`${port}:mcp`,
			'--match',
			'no-such-server-xyz',
			'--log',
			path.join(stateHome, 'none.log'),
			...extra,
		],
		{cols: 120, rows: 32, env: {XDG_STATE_HOME: stateHome}},
	);
	return {s, stateHome};
}

test('the official reference server over Streamable HTTP: connected, its name, what is timed', async () => {
	const server = await startMcpServer('everything-streamable');
	const {s, stateHome} = session(server.url, server.port);
	try {
		const screen = await s.waitFor(
			(text) => /Streamable HTTP 2025-11-25 · connected/.test(text) && /now \d/.test(text),
			30_000,
		);
		assert.match(screen, /mcp-servers\/everything 2\.0\.0 · session · times ping · handshake \d/);
		assert.match(screen, /mcp ok/);
		s.press('q');
		assert.equal(await s.exit(20_000), 0);
	} finally {
		s.kill();
		fs.rmSync(stateHome, {recursive: true, force: true});
	}
});

test('a server that accepts and never answers: the screen says so, keys answer, q quits', async () => {
	const server = await startMcpServer('hung');
	const {s, stateHome} = session(server.url, server.port, ['--interval', '500ms']);
	try {
		await s.waitFor(/no answer to the MCP handshake in 5 s/, 30_000);
		s.press('?');
		await s.waitFor(/Help/, 5000);
		s.press('\u001B');
		await s.waitFor((text) => !/▶ Help/.test(text) && /Alerts/.test(text), 5000);
		s.press('v');
		await s.waitFor(/Validation/, 5000);
		s.press('q');
		s.press('q');
		assert.equal(await s.exit(10_000), 0);
	} finally {
		s.kill();
		fs.rmSync(stateHome, {recursive: true, force: true});
	}
});
