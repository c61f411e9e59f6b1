import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import {after, before, describe, test} from 'node:test';
import {
	ancestorPids,
	commandText,
	decodeProcAddress,
	findSocketHolders,
	hasProc,
	isGone,
	listPids,
	pageSize,
	parseCmdline,
	parseCpuTimes,
	parseMeminfo,
	parseNetTcp,
	parseProcStat,
	parseStatmRss,
	readCmdline,
	readCpuTimes,
	readMeminfo,
	readProcStat,
	readRssBytes,
	forgetKept,
	keptCount,
	readKeptProcText,
	readProcText,
	readTcpCounts,
	readTcpSockets,
	startTicksToEpochMs,
	type TcpSocket,
} from '../../source/probes/proc.js';
import {busyCode, spawnMarked, stopChild, uniqueMarker, waitFor} from '../helpers/proc-children.js';

const linux = hasProc();
const littleEndian = os.endianness() === 'LE';

// Captured from Linux x86-64 (little-endian words), trimmed to the fields that matter.
const tcp4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41234 1 0000000000000000 100 0 0 10 0
   1: 00000000:1885 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 41240 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 41241 1 0000000000000000 20 4 30 10 -1
   4: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   5: 0100007F:1F90 0100007F:D433 08 00000000:00000000 00:00000000 00000000  1000        0 41250 1 0000000000000000 20 4 30 10 -1
`;

const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1885 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 52001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1885 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 52003 1 0000000000000000 20 4 29 10 -1
   3: 000080FE00000000FF005450563412FE:1885 000080FE00000000FF005450573412FE:C351 01 00000000:00000000 00:00000000 00000000  1000        0 52004 1 0000000000000000 20 4 29 10 -1
`;

describe(
	'parsing /proc/net/tcp and tcp6',
	{skip: !littleEndian && 'fixtures are little-endian'},
	() => {
		test('IPv4: LISTEN and ESTABLISHED sockets with ports, addresses, uid and inode', () => {
			const sockets = parseNetTcp(tcp4, 4);
			assert.deepEqual(sockets, [
				{
					family: 4,
					state: 'LISTEN',
					localAddress: '127.0.0.1',
					localPort: 8080,
					remoteAddress: '0.0.0.0',
					remotePort: 0,
					uid: 1000,
					inode: 41234,
				},
				{
					family: 4,
					state: 'LISTEN',
					localAddress: '0.0.0.0',
					localPort: 6277,
					remoteAddress: '0.0.0.0',
					remotePort: 0,
					uid: 0,
					inode: 41235,
				},
				{
					family: 4,
					state: 'ESTABLISHED',
					localAddress: '127.0.0.1',
					localPort: 8080,
					remoteAddress: '127.0.0.1',
					remotePort: 54321,
					uid: 1000,
					inode: 41240,
				},
				{
					family: 4,
					state: 'ESTABLISHED',
					localAddress: '127.0.0.1',
					localPort: 54321,
					remoteAddress: '127.0.0.1',
					remotePort: 8080,
					uid: 1000,
					inode: 41241,
				},
			]);
		});

		test('IPv6: wildcard, loopback, v4-mapped and link-local addresses', () => {
			const sockets = parseNetTcp(tcp6, 6);
			assert.deepEqual(
				sockets.map((s) => [
					s.state,
					s.localAddress,
					s.localPort,
					s.remoteAddress,
					s.remotePort,
					s.inode,
				]),
				[
					['LISTEN', '::', 6277, '::', 0, 52001],
					['LISTEN', '::1', 8080, '::', 0, 52002],
					['ESTABLISHED', '::ffff:127.0.0.1', 6277, '::ffff:127.0.0.1', 50000, 52003],
					['ESTABLISHED', 'fe80::5054:ff:fe12:3456', 6277, 'fe80::5054:ff:fe12:3457', 50001, 52004],
				],
			);
			assert.ok(sockets.every((s) => s.family === 6));
		});

		test('a port filter keeps only sockets whose local port is watched', () => {
			const sockets = parseNetTcp(tcp4 + tcp6.split('\n').slice(1).join('\n'), 4, new Set([6277]));
			assert.deepEqual(
				sockets.map((s) => s.inode),
				[41235, 52001, 52003, 52004],
			);
		});

		test('header only, empty and garbage text give no sockets', () => {
			assert.deepEqual(parseNetTcp(tcp4.split('\n')[0]!, 4), []);
			assert.deepEqual(parseNetTcp('', 4), []);
			assert.deepEqual(parseNetTcp('header\nnot a socket line\n', 4), []);
		});

		test('addresses decode the way the kernel writes them', () => {
			assert.equal(decodeProcAddress('0100007F'), '127.0.0.1');
			assert.equal(decodeProcAddress('0101A8C0'), '192.168.1.1');
			assert.equal(decodeProcAddress('00000000000000000000000001000000'), '::1');
			assert.equal(decodeProcAddress('B80D0120000000000000000001000000'), '2001:db8::1');
			assert.equal(decodeProcAddress('B80D0120010000000100000001000000'), '2001:db8:0:1:0:1:0:1');
		});
	},
);

describe('parsing /proc/<pid>/stat, cmdline, /proc/stat and meminfo', () => {
	test('stat: a name containing spaces and parentheses does not shift the fields', () => {
		const fields =
			'S 41 41 41 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 123456 1000000 2048 18446744073709551615';
		const st = parseProcStat(`4242 (my (odd) name) ${fields}`);
		assert.deepEqual(st, {
			pid: 4242,
			comm: 'my (odd) name',
			state: 'S',
			ppid: 41,
			cpuTicks: 325,
			startTicks: 123456,
			threads: 3,
		});
		assert.equal(parseProcStat('garbage'), null);
		assert.equal(isGone({...st!, state: 'Z'}), true);
		assert.equal(isGone(null), true);
		assert.equal(isGone(st), false);
	});

	test('cmdline: NUL-separated arguments; a rewritten title stays one argument', () => {
		assert.deepEqual(parseCmdline('python\0server.py\0--port\0 6277\0'), [
			'python',
			'server.py',
			'--port',
			' 6277',
		]);
		assert.deepEqual(parseCmdline('a\0\0b\0'), ['a', '', 'b']);
		assert.deepEqual(parseCmdline(''), []);
		assert.deepEqual(parseCmdline('nginx: master process /usr/sbin/nginx   '), [
			'nginx: master process /usr/sbin/nginx   ',
		]);
		assert.equal(
			commandText(['nginx: master process /usr/sbin/nginx   ']),
			'nginx: master process /usr/sbin/nginx',
		);
		assert.equal(commandText(['python', 'server.py']), 'python server.py');
	});

	test('/proc/stat: total and idle (with iowait) ticks of the cpu line', () => {
		const text =
			'cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 50 2 25 500 10 1 1 0 3 0\nbtime 1700000000\n';
		assert.deepEqual(parseCpuTimes(text), {
			totalTicks: 100 + 5 + 50 + 1000 + 20 + 3 + 2 + 1,
			idleTicks: 1020,
		});
		assert.equal(parseCpuTimes('intr 1 2 3\n'), null);
	});

	test('meminfo: MemAvailable, or free + buffers + cache on old kernels', () => {
		assert.deepEqual(
			parseMeminfo('MemTotal:       2048 kB\nMemFree:         100 kB\nMemAvailable:    512 kB\n'),
			{
				totalBytes: 2048 * 1024,
				availableBytes: 512 * 1024,
			},
		);
		assert.deepEqual(
			parseMeminfo(
				'MemTotal:       2048 kB\nMemFree:         100 kB\nBuffers:          20 kB\nCached:          300 kB\n',
			),
			{totalBytes: 2048 * 1024, availableBytes: 420 * 1024},
		);
		assert.equal(parseMeminfo('nothing'), null);
	});
});

describe('reading the real /proc', {skip: !linux && 'needs Linux /proc'}, () => {
	test('our own stat, cmdline, ancestors and start time', () => {
		const st = readProcStat(process.pid);
		assert.ok(st);
		assert.equal(st.pid, process.pid);
		assert.equal(st.ppid, process.ppid);
		assert.equal(st.comm, fs.readFileSync('/proc/self/comm', 'utf8').trim());
		assert.ok(readRssBytes(process.pid)! > 1024 * 1024, 'a node process holds more than 1 MB');
		assert.equal(parseStatmRss('100 25 10 1 0 50 0\n'), 25 * pageSize());
		const startedAt = startTicksToEpochMs(st.startTicks);
		const expected = Date.now() - process.uptime() * 1000;
		assert.ok(Math.abs(startedAt - expected) < 2000, `start ${startedAt} vs ${expected}`);
		assert.deepEqual(ancestorPids(process.pid)[0], process.ppid);
		assert.ok(listPids().includes(process.pid));
		assert.equal(readProcStat(2 ** 22 + 1), null, 'a pid beyond pid_max has no stat');
	});

	test('a child command line reads back as its argument array', async (t) => {
		const marker = uniqueMarker('cmdline');
		const {child, pid} = await spawnMarked(marker);
		t.after(() => stopChild(child));
		const cmd = readCmdline(pid);
		assert.ok(cmd);
		assert.deepEqual(cmd.args.slice(1), ['-e', 'setInterval(() => {}, 1000)', marker]);
		assert.equal(cmd.command, cmd.args.join(' '));
	});

	test('a kept descriptor reads the file afresh each time, and a process that exited reads as gone', async (t) => {
		const {child, pid} = await spawnMarked(uniqueMarker('kept'), busyCode);
		t.after(() => stopChild(child));
		const first = readKeptProcText(`/proc/${pid}/stat`);
		assert.ok(first);
		const ticks = (text: string) => {
			const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
			return Number(f[11]) + Number(f[12]);
		};
		// A busy child's CPU ticks grow: the same descriptor shows the new text, not the old.
		await waitFor(
			() => ticks(readKeptProcText(`/proc/${pid}/stat`)!) > ticks(first),
			'the kept stat to show more CPU ticks',
		);
		assert.equal(
			readKeptProcText('/proc/meminfo')?.split('\n')[0],
			readProcText('/proc/meminfo')?.split('\n')[0],
		);
		await stopChild(child);
		await waitFor(() => readProcText(`/proc/${pid}/stat`) === null, 'the child reaped');
		assert.equal(readKeptProcText(`/proc/${pid}/stat`), null, 'gone, through the kept descriptor');
		forgetKept(pid);
		const before = keptCount();
		// Bounded: many files each read once keep at most 64 descriptors open.
		const files = fs
			.readdirSync('/proc/sys/kernel')
			.map((name) => `/proc/sys/kernel/${name}`)
			.filter((file) => fs.statSync(file).isFile() && readProcText(file) !== null)
			.slice(0, 80);
		assert.ok(files.length > 64, String(files.length));
		for (const file of files) assert.notEqual(readKeptProcText(file), null, file);
		assert.equal(keptCount(), 64);
		forgetKept();
		assert.equal(keptCount(), 0);
		assert.ok(before <= 64);
	});

	test('page size matches getconf', () => {
		const expected = Number(execFileSync('getconf', ['PAGESIZE'], {encoding: 'utf8'}).trim());
		assert.equal(pageSize(), expected);
	});

	test('CPU times grow and memory is within the machine', () => {
		const a = readCpuTimes();
		assert.ok(a && a.totalTicks > 0 && a.idleTicks <= a.totalTicks);
		const m = readMeminfo();
		assert.ok(m);
		assert.ok(Math.abs(m.totalBytes - os.totalmem()) < 0.01 * os.totalmem());
		assert.ok(m.availableBytes > 0 && m.availableBytes <= m.totalBytes);
	});
});

describe('reading the real socket tables', {skip: !linux && 'needs Linux /proc'}, () => {
	let server: net.Server;
	let port: number;
	const clients: net.Socket[] = [];
	const accepted: net.Socket[] = [];
	// Enough connections that the IPv4 table spans several kernel pages (about 27 lines each).
	const clientCount = 40;

	before(async () => {
		server = net.createServer((s) => accepted.push(s));
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		port = (server.address() as net.AddressInfo).port;
		for (let i = 0; i < clientCount; i++) clients.push(net.connect(port, '127.0.0.1'));
		await waitFor(() => accepted.length === clientCount, 'all clients accepted');
	});

	after(async () => {
		for (const c of clients) c.destroy();
		for (const s of accepted) s.destroy();
		await new Promise((r) => server.close(r));
	});

	test('finds our listener and every client connection, across several pages', async () => {
		// Other tests open and close sockets meanwhile, which can make a multi-page read of the
		// kernel's table skip a line; a stable table is reached within a few tries.
		await waitFor(() => {
			const sockets = readTcpSockets(4);
			assert.ok(sockets);
			const mine = sockets.filter((s) => s.localPort === port);
			const clientSide = sockets.filter((s) => s.remotePort === port && s.state === 'ESTABLISHED');
			return (
				mine.filter((s) => s.state === 'LISTEN').length === 1 &&
				mine.filter((s) => s.state === 'ESTABLISHED').length === clientCount &&
				clientSide.length === clientCount
			);
		}, 'all 40 connections in one reading of /proc/net/tcp');
		const sockets = readTcpSockets(4)!;
		const listen = sockets.find((s) => s.localPort === port && s.state === 'LISTEN');
		assert.equal(listen?.localAddress, '127.0.0.1');
		assert.ok(sockets.length > 27, 'the table spans more than one 4 KiB page');
	});

	test('the TCP counters count our 81 sockets and move when a connection opens and closes', async () => {
		const counts = readTcpCounts();
		assert.match(counts ?? '', /^\d+ \d+ \d+ \d+ (\d+|-)$/);
		const [inuse, , , alloc] = counts!.split(' ').map(Number);
		// The listener and both ends of 40 connections, at least (other tests' sockets besides).
		assert.ok(inuse! >= 2 * clientCount + 1, counts!);
		assert.ok(alloc! >= 2 * clientCount + 1, counts!);
		const extra = net.connect(port, '127.0.0.1');
		await new Promise((r) => extra.once('connect', r));
		await waitFor(() => readTcpCounts() !== counts, 'the counters moved after a connect');
		const opened = readTcpCounts();
		extra.destroy();
		await waitFor(() => readTcpCounts() !== opened, 'the counters moved after a close');
	});

	test('the single-read shortcut sees what reading to the end of the file sees', async () => {
		const ours = new Set([port]);
		const inodes = (list: TcpSocket[]) => [...new Set(list.map((s) => s.inode))].sort();
		await waitFor(
			() =>
				JSON.stringify(inodes(readTcpSockets(4, ours)!)) ===
				JSON.stringify(inodes(parseNetTcp(fs.readFileSync('/proc/net/tcp', 'latin1'), 4, ours))),
			'both ways of reading the table to agree',
		);
		assert.equal(inodes(readTcpSockets(4, ours)!).length, clientCount + 1);
	});

	test('a line shown twice by a read across pages counts once', () => {
		const line = tcp4.split('\n')[3]!;
		assert.equal(parseNetTcp(`${tcp4}${line}\n`, 4).length, 4);
	});

	test('the listening inode belongs to this process', () => {
		const listen = readTcpSockets(4, new Set([port]))!.find((s) => s.state === 'LISTEN');
		assert.ok(listen);
		const owners = findSocketHolders([listen.inode, 999_999_999]);
		assert.equal(owners.get(listen.inode)?.pid, process.pid);
		assert.equal(owners.has(999_999_999), false);
	});

	test('an IPv6 loopback listener shows in tcp6 as ::1', async (t) => {
		const v6 = net.createServer();
		try {
			await new Promise<void>((resolve, reject) => {
				v6.once('error', reject);
				v6.listen(0, '::1', resolve);
			});
		} catch {
			t.skip('no IPv6 loopback here');
			return;
		}
		t.after(() => new Promise((r) => v6.close(r)));
		const v6port = (v6.address() as net.AddressInfo).port;
		const listen = readTcpSockets(6, new Set([v6port]));
		assert.deepEqual(
			listen?.map((s) => [s.state, s.localAddress, s.localPort]),
			[['LISTEN', '::1', v6port]],
		);
	});
});
