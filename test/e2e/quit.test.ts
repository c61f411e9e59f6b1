// Quitting while everything is stuck: a FIFO, /dev/zero and a wildcard that matches the FIFO as logs,
// an endpoint that accepts and never answers. q, Ctrl-C and each signal must end mcptop within
// 2 seconds with the terminal restored.
import {execFileSync} from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {cliArgs, TerminalSession} from '../helpers/pty.js';

const leaveAlternateScreen = '\u001B[?1049l';
const quitBoundMs = 2000;

let dir = '';
let fifo = '';
let silent: net.Server;
let silentPort = 0;
const held = new Set<net.Socket>();

before(async () => {
	dir = tempDir('mcptop-quit-');
	fifo = path.join(dir, 'pipe.log');
	execFileSync('mkfifo', [fifo]);
	// A wildcard that matches the FIFO and one regular file: it follows one and skips the other.
	fs.writeFileSync(path.join(dir, 'server.log'), '');
	// Accepts every connection and never writes a byte: the endpoint probe waits for its timeout.
	silent = net.createServer((socket) => {
		held.add(socket);
		socket.on('close', () => held.delete(socket));
		socket.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
	silentPort = (silent.address() as net.AddressInfo).port;
});

after(async () => {
	for (const socket of held) socket.destroy();
	await new Promise((resolve) => silent.close(resolve));
	removeTempDirs();
});

function start(): TerminalSession {
	const home = tempDir('mcptop-quit-home-');
	return new TerminalSession(
		[
			'--endpoint',
			`http://127.0.0.1:${silentPort}`,
			'--port',
			`${silentPort}:mcp`,
			'--match',
			'no-such-server-xyz',
			'--log',
			fifo,
			'--log',
			'/dev/zero',
			'--log',
			path.join(dir, '*.log'),
		],
		{
			cols: 120,
			rows: 32,
			cwd: home,
			env: {XDG_STATE_HOME: home, XDG_CONFIG_HOME: home},
		},
	);
}

/** Descriptors of a process that point at `target` (Linux only; null elsewhere). */
function openDescriptors(pid: number, target: string): number | null {
	const fdDir = `/proc/${pid}/fd`;
	if (!fs.existsSync(fdDir)) return null;
	let count = 0;
	for (const fd of fs.readdirSync(fdDir)) {
		try {
			if (fs.readlinkSync(path.join(fdDir, fd)) === target) count++;
		} catch {
			// Closed meanwhile.
		}
	}
	return count;
}

/** Starts the CLI, waits until it is stuck on every front, quits it the given way. */
async function quitWhileStuck(
	quit: (session: TerminalSession) => void,
): Promise<{code: number; elapsedMs: number; output: string}> {
	const session = start();
	try {
		const screen = await session.waitFor(
			(s) =>
				/Alerts/.test(s) &&
				/pipe\.log: not a regular file: FIFO/.test(s) &&
				/\/dev\/zero: not a regular file: character device/.test(s) &&
				/\*\.log: skipped pipe\.log: not a regular file: FIFO/.test(s) &&
				held.size > 0,
			30_000,
		);
		assert.doesNotMatch(screen, /does not exist yet/);
		assert.equal(openDescriptors(session.pid, fifo) ?? 0, 0, 'the FIFO is never opened');
		assert.equal(openDescriptors(session.pid, '/dev/zero') ?? 0, 0, '/dev/zero is never opened');
		const started = Date.now();
		quit(session);
		const code = await session.exit(10_000);
		const elapsedMs = Date.now() - started;
		// The pseudo-terminal may hand over its last bytes just after the exit is seen.
		for (let i = 0; i < 20 && !session.output.includes(leaveAlternateScreen); i++) {
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		return {code, elapsedMs, output: session.output};
	} finally {
		session.kill();
	}
}

const ways: Array<{name: string; code: number; quit: (session: TerminalSession) => void}> = [
	{name: 'SIGTERM', code: 0, quit: (s) => process.kill(s.pid, 'SIGTERM')},
	{name: 'SIGINT', code: 130, quit: (s) => process.kill(s.pid, 'SIGINT')},
	{name: 'SIGHUP', code: 0, quit: (s) => process.kill(s.pid, 'SIGHUP')},
	{name: 'q', code: 0, quit: (s) => s.press('q')},
	{name: 'Ctrl-C', code: 0, quit: (s) => s.press('\u0003')},
];

for (const way of ways) {
	test(
		`${way.name} ends mcptop within 2 s with a FIFO log, /dev/zero and a silent endpoint`,
		{timeout: 60_000},
		async () => {
			const {code, elapsedMs, output} = await quitWhileStuck(way.quit);
			process.stderr.write(`# ${way.name}: exited ${code} after ${elapsedMs} ms\n`);
			assert.ok(elapsedMs < quitBoundMs, `${way.name} took ${elapsedMs} ms`);
			assert.equal(code, way.code);
			assert.ok(output.includes(leaveAlternateScreen), 'the alternate screen is left');
			assert.ok(
				output.lastIndexOf('\u001B[?25h') > output.lastIndexOf('\u001B[?25l'),
				'the cursor is shown again',
			);
		},
	);
}

// The terminal goes away under mcptop: sshd or tmux closes the master side, the kernel hangs the
// terminal up and signals SIGHUP. A wrapper that ignores SIGHUP starts mcptop on that terminal, its
// stderr in a file, and records how it ended: Node 20 aborted restoring a dead terminal's modes.
const hangUpWrapper = `
const fs = require('node:fs');
const {spawn} = require('node:child_process');
process.on('SIGHUP', () => {});
const [result, errors, ...args] = process.argv.slice(1);
const stdio = ['inherit', 'inherit', fs.openSync(errors, 'w')];
const child = spawn(process.execPath, args, {stdio});
fs.writeFileSync(result + '.pid', String(child.pid));
child.on('exit', (code, signal) => {
	fs.writeFileSync(result, JSON.stringify({code, signal}));
	process.exit(0);
});
`;

for (const mode of [
	{name: 'the screen', flags: [] as string[], ready: /Alerts/},
	{name: '--json', flags: ['--json'], ready: /"health"/},
]) {
	test(
		`${mode.name}: a hung-up terminal ends mcptop with exit 0, no abort`,
		{timeout: 60_000},
		async () => {
			const home = tempDir('mcptop-hangup-');
			const result = path.join(home, 'result.json');
			const errors = path.join(home, 'stderr.txt');
			const flags = [
				...['--endpoint', `http://127.0.0.1:${silentPort}`, '--port', `${silentPort}:mcp`],
				...['--match', 'no-such-server-xyz', '--log', path.join(dir, 'server.log')],
			];
			const session = new TerminalSession(
				['-e', hangUpWrapper, result, errors, ...cliArgs, ...flags, ...mode.flags],
				{
					command: process.execPath,
					cols: 100,
					rows: 30,
					cwd: home,
					env: {XDG_STATE_HOME: home, XDG_CONFIG_HOME: home},
				},
			);
			try {
				await session.waitFor(mode.ready, 30_000);
				session.hangUp();
				for (let i = 0; i < 200 && !fs.existsSync(result); i++) {
					await new Promise((resolve) => setTimeout(resolve, 50));
				}
				const stderr = fs.readFileSync(errors, 'utf8');
				assert.ok(
					fs.existsSync(result),
					`mcptop still runs 10 s after the hang-up; stderr: ${stderr}`,
				);
				assert.deepEqual(
					JSON.parse(fs.readFileSync(result, 'utf8')),
					{code: 0, signal: null},
					stderr,
				);
				assert.doesNotMatch(stderr, /Assertion failed|Unhandled 'error'|EIO/);
			} finally {
				session.kill();
				// A mcptop that outlived its terminal (the failure looked for) is stopped by its pid.
				if (!fs.existsSync(result) && fs.existsSync(`${result}.pid`)) {
					try {
						process.kill(Number(fs.readFileSync(`${result}.pid`, 'utf8')), 'SIGKILL');
					} catch {
						// Already gone.
					}
				}
			}
		},
	);
}
