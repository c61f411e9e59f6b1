import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {WebSocket, WebSocketServer} from 'ws';
import {PortProbe} from '../../source/probes/ports.js';
import {hasProc} from '../../source/probes/proc.js';
import {runToEnd, stopChild, waitFor} from '../helpers/proc-children.js';

const linux = hasProc();
const ownName = linux ? fs.readFileSync('/proc/self/comm', 'utf8').trim() : null;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function listen(
	host = '127.0.0.1',
	port = 0,
): Promise<{server: net.Server; port: number; accepted: net.Socket[]}> {
	const accepted: net.Socket[] = [];
	const server = net.createServer((s) => {
		accepted.push(s);
		s.on('error', () => {});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, resolve);
	});
	return {server, port: (server.address() as net.AddressInfo).port, accepted};
}

async function close(server: net.Server, sockets: net.Socket[] = []): Promise<void> {
	for (const s of sockets) s.destroy();
	await new Promise((r) => server.close(r));
}

// Clients in a process of their own: the probe leaves out its own process's connections (mcptop's
// MCP session and WebSocket are not connected clients). A line on stdin closes one.
const clientsCode = `const net = require('node:net');
const [port, count, kind] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
const open = [];
let ready = 0;
const up = () => ++ready === count && process.stdout.write('ready\\n');
for (let i = 0; i < count; i++) {
	if (kind === 'ws') {
		const {WebSocket} = require('ws');
		const ws = new WebSocket('ws://127.0.0.1:' + port);
		ws.on('open', up);
		ws.on('error', () => {});
		open.push({destroy: () => ws.terminate()});
	} else {
		const socket = net.connect(port, '127.0.0.1', up);
		socket.on('error', () => {});
		open.push(socket);
	}
}
process.stdin.on('data', () => open.pop()?.destroy());`;

async function outsideClients(
	port: number,
	count: number,
	kind: 'tcp' | 'ws' = 'tcp',
): Promise<{drop(): void; stop(): Promise<void>}> {
	const child = spawn(process.execPath, ['-e', clientsCode, String(port), String(count), kind], {
		cwd: repo,
		stdio: ['pipe', 'pipe', 'ignore'],
	});
	await new Promise((resolve, reject) => {
		child.stdout!.once('data', resolve);
		child.once('exit', (code) => reject(new Error(`the clients' process exited (${code})`)));
	});
	return {drop: () => void child.stdin!.write('x\n'), stop: () => stopChild(child)};
}

/** A listener on :: (IPv6, dual stack), or null with the test skipped where there is no IPv6. */
async function listenOnIpv6(t: {skip(message: string): void}) {
	try {
		return await listen('::');
	} catch {
		t.skip('no IPv6 here');
		return null;
	}
}

/** A port nothing listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
	const {server, port} = await listen();
	await close(server);
	return port;
}

test('a listening port shows our own pid, process name and command line', async () => {
	const {server, port, accepted} = await listen();
	try {
		const [r] = await new PortProbe({ports: [{port, name: 'mcp'}]}).sample();
		assert.ok(r);
		assert.equal(r.port, port);
		assert.equal(r.name, 'mcp');
		assert.equal(r.host, '127.0.0.1');
		assert.equal(r.listening, true);
		assert.equal(r.error, null);
		// On Linux the socket table answers, so there is no connect to time.
		if (linux) assert.equal(r.connectMs, null);
		else assert.ok(r.connectMs !== null && r.connectMs >= 0);
		if (linux) {
			assert.equal(r.pid, process.pid);
			assert.equal(r.processName, ownName);
			assert.ok(r.command?.includes(path.basename(process.execPath)), r.command ?? 'no command');
		}
		assert.equal(r.established, 0, 'the probe does not count its own connect');
	} finally {
		await close(server, accepted);
	}
});

test('a closed port is not listening and has no owner', async () => {
	const port = await freePort();
	const [r] = await new PortProbe({ports: [{port, name: 'gone'}]}).sample();
	assert.equal(r?.listening, false);
	assert.equal(r?.pid, null);
	assert.equal(r?.processName, null);
	assert.equal(r?.command, null);
	assert.equal(r?.connectMs, null);
	assert.equal(r?.established, 0);
	assert.equal(r?.error, 'connection refused');
});

test(
	'a port held on another address is not listening for our host, but its owner is named',
	{skip: !linux},
	async (t) => {
		let other: Awaited<ReturnType<typeof listen>>;
		try {
			other = await listen('127.0.0.2');
		} catch {
			t.skip('cannot bind 127.0.0.2 here');
			return;
		}
		try {
			const [r] = await new PortProbe({ports: [{port: other.port, name: 'mcp'}]}).sample();
			assert.equal(r?.listening, false);
			assert.equal(r?.pid, process.pid);
			assert.equal(r?.error, `connection refused; port ${other.port} listens on 127.0.0.2 only`);
		} finally {
			await close(other.server, other.accepted);
		}
	},
);

test(
	"established counts other processes' clients, never the probe nor its own process's connections",
	{skip: !linux},
	async () => {
		const {server, port, accepted} = await listen();
		// mcptop's own kind of connection: its MCP session or WebSocket to the watched port.
		const own = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
		const others = await outsideClients(port, 3);
		try {
			await waitFor(() => accepted.length === 5, 'five clients accepted');
			const probe = new PortProbe({ports: [{port, name: 'bridge', clients: true}]});
			for (let i = 0; i < 3; i++) {
				const [r] = await probe.sample();
				assert.equal(r?.established, 3, `sample ${i + 1}`);
				assert.equal(r?.listening, true);
			}
			others.drop();
			await waitFor(async () => (await probe.sample())[0]?.established === 2, 'count to drop to 2');
			// A connection of its own made later is left out too.
			own.push(net.connect(port, '127.0.0.1'));
			await waitFor(() => accepted.length === 6, 'the third own connection accepted');
			assert.equal((await probe.sample())[0]?.established, 2);
		} finally {
			for (const c of own) c.destroy();
			await others.stop();
			await close(server, accepted);
		}
	},
);

test('WebSocket clients of a ws server count as established', {skip: !linux}, async () => {
	const wss = new WebSocketServer({host: '127.0.0.1', port: 0});
	await new Promise((r) => wss.once('listening', r));
	const port = (wss.address() as net.AddressInfo).port;
	const sockets: WebSocket[] = [];
	const others = await outsideClients(port, 2, 'ws');
	try {
		// One of its own, as mcptop's WebSocket to a ws endpoint: not a client.
		const ws = new WebSocket(`ws://127.0.0.1:${port}`);
		sockets.push(ws);
		await new Promise((resolve, reject) => {
			ws.once('open', resolve);
			ws.once('error', reject);
		});
		const probe = new PortProbe({ports: [{port, name: 'bridge', clients: true}]});
		const [r] = await probe.sample();
		assert.equal(r?.listening, true);
		assert.equal(r?.pid, process.pid);
		assert.equal(r?.established, 2);
		assert.equal((await probe.sample())[0]?.established, 2);
	} finally {
		for (const ws of sockets) ws.terminate();
		await others.stop();
		await new Promise((r) => wss.close(r));
	}
});

test('several ports in one sample, in config order', {skip: !linux}, async () => {
	const a = await listen();
	const b = await listen();
	const closed = await freePort();
	try {
		const readings = await new PortProbe({
			ports: [
				{port: b.port, name: 'b'},
				{port: closed, name: 'closed'},
				{port: a.port, name: 'a'},
			],
		}).sample();
		assert.deepEqual(
			readings.map((r) => [r.name, r.listening, r.pid]),
			[
				['b', true, process.pid],
				['closed', false, null],
				['a', true, process.pid],
			],
		);
	} finally {
		await close(a.server, a.accepted);
		await close(b.server, b.accepted);
	}
});

test('a new owner on the same port is seen on the next sample', {skip: !linux}, async (t) => {
	const {server, port, accepted} = await listen();
	const probe = new PortProbe({ports: [{port, name: 'mcp'}]});
	assert.equal((await probe.sample())[0]?.pid, process.pid);
	await close(server, accepted);
	assert.equal((await probe.sample())[0]?.listening, false);

	const code = `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`;
	const child = spawn(process.execPath, ['-e', code], {stdio: ['ignore', 'pipe', 'inherit']});
	t.after(() => stopChild(child));
	let out = '';
	child.stdout.on('data', (d: Buffer) => (out += d.toString()));
	await waitFor(() => out.includes('ready'), 'child server to listen');

	const [r] = await probe.sample();
	assert.equal(r?.listening, true);
	assert.equal(r?.pid, child.pid);
	assert.equal(r?.processName, 'node');
	assert.ok(r?.command?.includes('listen('), r?.command ?? 'no command');
});

test(
	'a listener that moves from IPv6 to IPv4 between samples keeps its owner and clients',
	{skip: !linux},
	async (t) => {
		const v6 = await listenOnIpv6(t);
		if (!v6) return;
		const port = v6.port;
		const probe = new PortProbe({ports: [{port, name: 'mcp'}]});
		assert.equal((await probe.sample())[0]?.pid, process.pid);
		assert.equal((await probe.sample())[0]?.pid, process.pid);
		// Swap listeners between two samples: the port never stops answering.
		await close(v6.server, v6.accepted);
		const v4 = await listen('127.0.0.1', port);
		const clients = await outsideClients(port, 2);
		try {
			await waitFor(() => v4.accepted.length === 2, 'clients accepted');
			const [r] = await probe.sample();
			assert.equal(r?.listening, true);
			assert.equal(r?.pid, process.pid);
			assert.equal(r?.established, 2);
			// And on the ticks after: the new family is the one read (not "answers, listed nowhere").
			for (let i = 0; i < 3; i++) {
				const [again] = await probe.sample();
				assert.equal(again?.pid, process.pid);
				assert.equal(again?.established, 2);
			}
		} finally {
			await clients.stop();
			await close(v4.server, v4.accepted);
		}
	},
);

test(
	'a port whose owner cannot be seen is listening with owner unknown',
	{skip: !linux || process.geteuid?.() !== 0},
	async () => {
		// Run the probe as an unprivileged user: it may connect but not read our /proc/<pid>/fd.
		const {server, port, accepted} = await listen();
		try {
			const child = spawn(
				process.execPath,
				[
					'--import',
					'tsx',
					path.join(repo, 'test/helpers/proc-run-probe.ts'),
					'ports',
					String(port),
				],
				{
					cwd: repo,
					uid: 65534,
					gid: 65534,
					env: {...process.env, HOME: '/tmp'},
					stdio: ['ignore', 'pipe', 'pipe'],
				},
			);
			const {code, stdout, stderr} = await runToEnd(child);
			assert.equal(code, 0, stderr);
			const [r] = JSON.parse(stdout) as Array<{
				listening: boolean;
				pid: number | null;
				processName: string | null;
			}>;
			assert.equal(r?.listening, true);
			assert.equal(r?.pid, null);
			assert.equal(r?.processName, null);
		} finally {
			await close(server, accepted);
		}
	},
);

test(
	'a local listener is known from the socket tables: never connected to, not even a new one after a restart',
	{skip: !linux},
	async () => {
		// A connect that sends nothing makes Python's websockets log "opening handshake failed" or
		// "connection failed (400 Bad Request)": the tables answer without one.
		const first = await listen();
		const probe = new PortProbe({ports: [{port: first.port, name: 'bridge'}]});
		try {
			for (let i = 0; i < 5; i++) {
				const [r] = await probe.sample();
				assert.equal(r!.listening, true);
				assert.equal(r!.pid, process.pid);
			}
			assert.equal(first.accepted.length, 0, 'no connection was made');
			await close(first.server, first.accepted);
			const [down] = await probe.sample();
			assert.equal(down!.listening, false, 'a listener gone is seen at once');
			assert.equal(
				down!.error,
				'connection refused',
				'a refused connect (nothing to log) says why',
			);
			const second = await listen('127.0.0.1', first.port);
			try {
				for (let i = 0; i < 3; i++) {
					const [up] = await probe.sample();
					assert.equal(up!.listening, true);
				}
				assert.equal(second.accepted.length, 0, 'the new listener was not connected to either');
			} finally {
				await close(second.server, second.accepted);
			}
		} finally {
			first.server.close();
		}
	},
);

/**
 * A listener with two clients in another process, and a probe of it that reuses its socket tables
 * for 3 s, on a clock of the test's: tick() moves it by a second and samples.
 */
async function twoClientsWatched(
	t: {after(fn: () => Promise<void>): void},
	options: Partial<ConstructorParameters<typeof PortProbe>[0]> = {},
) {
	const {server, port, accepted} = await listen();
	const clients = await outsideClients(port, 2);
	t.after(async () => {
		await clients.stop();
		await close(server, accepted);
	});
	let clock = 0;
	const probe = new PortProbe({
		ports: [{port, name: 'bridge'}],
		now: () => clock,
		tableEveryMs: 3000,
		...options,
	});
	const tick = async () => {
		clock += 1000;
		return (await probe.sample())[0]!;
	};
	return {probe, clients, tick};
}

test(
	'client counts stay exact while the socket tables are reused between full reads',
	{skip: !linux},
	async (t) => {
		const {clients, tick} = await twoClientsWatched(t);
		for (let i = 0; i < 8; i++) {
			const r = await tick();
			assert.equal(r.established, 2, `sample ${i}`);
			assert.equal(r.listening, true);
		}
		clients.drop();
		await waitFor(async () => (await tick()).established === 1, 'one client left');
	},
);

test(
	'the socket tables are not read again while the TCP counters stand still, and are once they move',
	{skip: !linux},
	async (t) => {
		// The counters of this test's making: the machine's own move with every other test's
		// connections. readTcpCounts itself is tested in proc.test.ts.
		let counts = 'a';
		const {probe, clients, tick} = await twoClientsWatched(t, {
			quietTableEveryMs: 20_000,
			tcpCounts: () => counts,
		});
		assert.equal((await tick()).established, 2);
		const first = probe.tableReads;
		assert.ok(first >= 1, String(first));
		for (let i = 0; i < 15; i++) assert.equal((await tick()).established, 2, `quiet sample ${i}`);
		assert.equal(probe.tableReads, first, 'no table read in 15 quiet seconds');
		// The quiet limit: read again however still the counters are.
		for (let i = 0; i < 5; i++) await tick();
		assert.ok(probe.tableReads > first, 'read again after quietTableEveryMs');
		const afterQuiet = probe.tableReads;
		clients.drop();
		counts = 'b';
		await waitFor(
			async () => (await tick()).established === 1,
			'the dropped client seen once the counters moved',
		);
		assert.ok(probe.tableReads > afterQuiet);
	},
);

test(
	'a server on :: keeps its own IPv4 connection left out on every tick, one table read or two',
	{skip: !linux},
	async (t) => {
		const v6 = await listenOnIpv6(t);
		if (!v6) return;
		// The client's side is in /proc/net/tcp, the server's in /proc/net/tcp6.
		const own = net.connect(v6.port, '127.0.0.1');
		const others = await outsideClients(v6.port, 1);
		try {
			await waitFor(() => v6.accepted.length === 2, 'both connections accepted');
			// Tables read afresh every tick; both of them only every 30 s, the first tick among them.
			let clock = 0;
			const probe = new PortProbe({
				ports: [{port: v6.port, name: 'mcp'}],
				now: () => clock,
				tableEveryMs: 0,
				quietTableEveryMs: 0,
			});
			for (let i = 0; i < 6; i++) {
				clock += 1000;
				assert.equal((await probe.sample())[0]?.established, 1, `sample ${i + 1}`);
			}
		} finally {
			own.destroy();
			await others.stop();
			await close(v6.server, v6.accepted);
		}
	},
);
