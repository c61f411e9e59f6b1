// Small, fast readers of Linux /proc shared by the port, process and system probes.
// Everything here is synchronous on purpose: procfs answers from kernel memory in microseconds, and a
// synchronous open/read/close costs a third of fs.readFileSync and a tenth of a promise round trip
// through the thread pool (measured with scripts/bench-probes.ts).
import fs from 'node:fs';
import os from 'node:os';

/** USER_HZ: the unit of utime/stime/starttime. 100 on every mainstream Linux architecture. */
export const CLOCK_TICKS_PER_SECOND = 100;

let procAvailable: boolean | undefined;

/** True on Linux with a readable /proc; the probes fall back to systeminformation otherwise. */
export function hasProc(): boolean {
	if (procAvailable === undefined) {
		procAvailable = process.platform === 'linux' && readProcText('/proc/self/stat') !== null;
	}
	return procAvailable;
}

// One reusable buffer: no allocation per read besides the resulting string.
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads an open procfs file into the scratch buffer, from its current position or (fromStart) from
 * offset 0 by position, which makes procfs produce the text afresh. Throws on a read error.
 */
function readAll(
	fd: number,
	encoding: 'latin1' | 'utf8',
	fromStart: boolean,
	lastRead: (got: number, asked: number) => boolean = (got, asked) => got < asked,
): string {
	let total = 0;
	for (;;) {
		if (total === scratch.length) {
			const bigger = Buffer.allocUnsafe(scratch.length * 2);
			scratch.copy(bigger, 0, 0, total);
			scratch = bigger;
		}
		const asked = scratch.length - total;
		const got = fs.readSync(fd, scratch, total, asked, fromStart ? total : null);
		total += got;
		if (got === 0 || lastRead(got, asked)) break;
	}
	return scratch.toString(encoding, 0, total);
}

/**
 * Reads a procfs file with as few read() calls as possible: a read that returns less than asked for
 * is the last one for these files. `lastRead` lets /proc/net/tcp stop earlier still (see below).
 * Returns null when the file is gone or unreadable (process exited, other user's process).
 */
export function readProcText(
	file: string,
	encoding: 'latin1' | 'utf8' = 'latin1',
	lastRead: (got: number, asked: number) => boolean = (got, asked) => got < asked,
): string | null {
	let fd: number;
	try {
		fd = fs.openSync(file, 'r');
	} catch {
		return null;
	}
	try {
		return readAll(fd, encoding, false, lastRead);
	} catch {
		return null;
	} finally {
		fs.closeSync(fd);
	}
}

// Descriptors of the files read every tick (a watched process's stat, statm and io, /proc/stat,
// /proc/meminfo, the TCP counters), kept open and read again from offset 0: procfs makes a file's
// text afresh at each read from the start, and an open and close cost more than the read (path
// lookup through /proc/<pid>, ~20-30 µs a file against 2-10 µs for the read). A kept descriptor of
// a process that exited fails with ESRCH; the path is opened afresh once (a new process may have
// its pid) and the old descriptor closed. Bounded: the oldest is closed beyond maxKept.
const kept = new Map<string, number>();
const maxKept = 64;

function forget(file: string): void {
	const fd = kept.get(file);
	if (fd === undefined) return;
	kept.delete(file);
	try {
		fs.closeSync(fd);
	} catch {
		// Already closed.
	}
}

/** readProcText for a file read every tick: its descriptor is kept open (see above). */
export function readKeptProcText(
	file: string,
	encoding: 'latin1' | 'utf8' = 'latin1',
): string | null {
	const known = kept.get(file);
	if (known !== undefined) {
		try {
			return readAll(known, encoding, true);
		} catch {
			forget(file);
		}
	}
	let fd: number;
	try {
		fd = fs.openSync(file, 'r');
	} catch {
		return null;
	}
	let text: string;
	try {
		text = readAll(fd, encoding, true);
	} catch {
		fs.closeSync(fd);
		return null;
	}
	if (kept.size >= maxKept) forget(kept.keys().next().value!);
	kept.set(file, fd);
	return text;
}

/** Closes the kept descriptors of a process that is gone (or all of them, without a pid). */
export function forgetKept(pid?: number): void {
	const prefix = pid === undefined ? '' : `/proc/${pid}/`;
	for (const file of [...kept.keys()]) if (file.startsWith(prefix)) forget(file);
}

/** How many descriptors are kept open (tests). */
export function keptCount(): number {
	return kept.size;
}

// ---- page size and boot time (read once) ----

let cachedPageSize: number | undefined;

/** Kernel page size in bytes (4096 on x86; 16 or 64 KiB on some arm64 kernels). */
export function pageSize(): number {
	if (cachedPageSize === undefined) {
		cachedPageSize = 4096;
		// The first mapping in smaps is the executable: an ordinary mapping of PAGE_SIZE pages.
		// Only the first 4 KiB is read, so the kernel renders one or two mappings, not all of them.
		try {
			const fd = fs.openSync('/proc/self/smaps', 'r');
			try {
				const buf = Buffer.alloc(4096);
				const n = fs.readSync(fd, buf, 0, buf.length, 0);
				const m = /KernelPageSize:\s+(\d+) kB/.exec(buf.toString('latin1', 0, n));
				const bytes = m ? Number(m[1]) * 1024 : 0;
				if (bytes >= 4096 && bytes <= 65536 && (bytes & (bytes - 1)) === 0) cachedPageSize = bytes;
			} finally {
				fs.closeSync(fd);
			}
		} catch {
			// Keep 4096.
		}
	}
	return cachedPageSize;
}

let cachedBootTimeMs: number | undefined;

/** Boot time in epoch ms, to 10 ms (now minus /proc/uptime). */
export function bootTimeMs(): number {
	if (cachedBootTimeMs === undefined) {
		const uptime = Number.parseFloat(readProcText('/proc/uptime') ?? '');
		const btime = /^btime (\d+)$/m.exec(readProcText('/proc/stat') ?? '');
		const fromUptime = Date.now() - Math.round(uptime * 1000);
		const fromBtime = btime ? Number(btime[1]) * 1000 : Number.NaN;
		// btime has whole seconds only; /proc/uptime may be a container's (lxcfs) while process start
		// times count from the host's boot, which the two then disagree about: trust btime.
		cachedBootTimeMs =
			Number.isFinite(fromUptime) && !(Math.abs(fromUptime - fromBtime) > 2000)
				? fromUptime
				: Number.isFinite(fromBtime)
					? fromBtime
					: Date.now() - Math.round(os.uptime() * 1000);
	}
	return cachedBootTimeMs;
}

/** Epoch ms of a process start, from /proc/<pid>/stat's starttime (ticks after boot). */
export function startTicksToEpochMs(startTicks: number): number {
	return bootTimeMs() + Math.round((startTicks * 1000) / CLOCK_TICKS_PER_SECOND);
}

// ---- /proc/<pid>/stat ----

export type ProcStat = {
	pid: number;
	/** Kernel's short name (15 chars max), e.g. "python3". */
	comm: string;
	/** R, S, D, Z (zombie), X (dead), T, I … */
	state: string;
	ppid: number;
	/** utime + stime in clock ticks. */
	cpuTicks: number;
	/** Ticks after boot; together with the pid it identifies one process across pid reuse. */
	startTicks: number;
	/** num_threads (field 20). */
	threads: number;
	// Its rss field (24) is left out: approximate on kernels ≥ 6.2 (per-CPU counters not yet summed,
	// a young process can read 0). readRssBytes() reads statm instead.
};

/** Parses one /proc/<pid>/stat line. The name sits in parentheses and may itself contain ") ". */
export function parseProcStat(text: string): ProcStat | null {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	if (open < 0 || close < open) return null;
	const pid = Number(text.slice(0, open));
	// Fields after the name, starting with field 3 (state); field k sits at index k - 3.
	const f = text.slice(close + 2).split(' ');
	if (f.length < 22 || !Number.isInteger(pid)) return null;
	return {
		pid,
		comm: text.slice(open + 1, close),
		state: f[0]!,
		ppid: Number(f[1]),
		cpuTicks: Number(f[11]) + Number(f[12]),
		startTicks: Number(f[19]),
		threads: Number(f[17]),
	};
}

export function readProcStat(pid: number): ProcStat | null {
	const text = readKeptProcText(`/proc/${pid}/stat`);
	return text === null ? null : parseProcStat(text);
}

/** Resident set size in bytes from /proc/<pid>/statm (its second field, in pages). */
export function parseStatmRss(text: string): number | null {
	const resident = Number(text.split(' ')[1]);
	return Number.isFinite(resident) ? resident * pageSize() : null;
}

export function readRssBytes(pid: number): number | null {
	const text = readKeptProcText(`/proc/${pid}/statm`);
	return text === null ? null : parseStatmRss(text);
}

// ---- /proc/<pid>/io and /proc/<pid>/fd (the process profile) ----

export type ProcIo = {
	/** Bytes through read()/write() and friends: files, pipes, sockets, page cache hits. */
	rchar: number;
	wchar: number;
	/** Bytes the storage layer fetched / will write back for this process. */
	readBytes: number;
	writeBytes: number;
};

const ioFields = new Map(
	['rchar', 'wchar', 'read_bytes', 'write_bytes'].map((key) => [
		key,
		new RegExp(`^${key}: (\\d+)$`, 'm'),
	]),
);

export function parseProcIo(text: string): ProcIo | null {
	const field = (key: string): number | null => {
		const m = ioFields.get(key)!.exec(text);
		return m ? Number(m[1]) : null;
	};
	const rchar = field('rchar');
	const wchar = field('wchar');
	if (rchar === null || wchar === null) return null;
	return {rchar, wchar, readBytes: field('read_bytes') ?? 0, writeBytes: field('write_bytes') ?? 0};
}

/** Null when not visible: the kernel lets only the owner (or root) read another process's io. */
export function readProcIo(pid: number): ProcIo | null {
	const text = readKeptProcText(`/proc/${pid}/io`);
	return text === null ? null : parseProcIo(text);
}

/** Open descriptors: one readdir of /proc/<pid>/fd; null when it cannot be read. */
export function countOpenFds(pid: number): number | null {
	try {
		return fs.readdirSync(`/proc/${pid}/fd`).length;
	} catch {
		return null;
	}
}

/** A process that has exited but not been reaped is not running. */
export function isGone(stat: ProcStat | null): boolean {
	return stat === null || stat.state === 'Z' || stat.state === 'X';
}

// ---- /proc/<pid>/cmdline ----

/** NUL-separated arguments. Processes that rewrite their title may use spaces and no NULs. */
export function parseCmdline(raw: string): string[] {
	const args = raw.split('\0');
	while (args.length > 0 && args[args.length - 1] === '') args.pop();
	return args;
}

/** The command line as one line of text, the way ps shows it. */
export function commandText(args: readonly string[]): string {
	return args.join(' ').trimEnd();
}

export type Cmdline = {args: string[]; command: string};

/** Null when the process is gone or unreadable; empty args for kernel threads and zombies. */
export function readCmdline(pid: number): Cmdline | null {
	// procfs hands out bytes; arguments are UTF-8 in practice.
	const raw = readProcText(`/proc/${pid}/cmdline`, 'utf8');
	if (raw === null) return null;
	const args = parseCmdline(raw);
	return {args, command: commandText(args)};
}

// ---- the process list ----

/** Every pid currently in /proc, ascending. */
export function listPids(): number[] {
	let names: string[];
	try {
		names = fs.readdirSync('/proc');
	} catch {
		return [];
	}
	const pids: number[] = [];
	for (const name of names) {
		const c = name.charCodeAt(0);
		if (c >= 48 && c <= 57) pids.push(Number(name));
	}
	return pids.sort((a, b) => a - b);
}

/** The parent, grandparent, … of pid, up to (and including) pid 1. */
export function ancestorPids(pid: number): number[] {
	const out: number[] = [];
	let current = readProcStat(pid)?.ppid ?? 0;
	// Bounded: a pid chain cannot be longer than the pid space, and 4096 is far beyond any real tree.
	for (let i = 0; i < 4096 && current > 0 && !out.includes(current); i++) {
		out.push(current);
		current = readProcStat(current)?.ppid ?? 0;
	}
	return out;
}

// ---- /proc/stat and /proc/meminfo ----

export type CpuTimes = {totalTicks: number; idleTicks: number};

/** The aggregate `cpu` line of /proc/stat. Idle includes iowait, as top does. */
export function parseCpuTimes(text: string): CpuTimes | null {
	const end = text.indexOf('\n');
	const line = end < 0 ? text : text.slice(0, end);
	if (!line.startsWith('cpu ')) return null;
	const v = line.slice(4).trim().split(/\s+/).map(Number);
	// user nice system idle iowait irq softirq steal; guest time is already inside user and nice.
	let total = 0;
	for (let i = 0; i < Math.min(8, v.length); i++) total += v[i] || 0;
	return {totalTicks: total, idleTicks: (v[3] || 0) + (v[4] || 0)};
}

export function readCpuTimes(): CpuTimes | null {
	const text = readKeptProcText('/proc/stat');
	return text === null ? null : parseCpuTimes(text);
}

export type MemoryInfo = {totalBytes: number; availableBytes: number};

const meminfoFields = new Map(
	['MemTotal', 'MemAvailable', 'MemFree', 'Buffers', 'Cached'].map((key) => [
		key,
		new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm'),
	]),
);

export function parseMeminfo(text: string): MemoryInfo | null {
	const kb = (key: string): number | null => {
		const m = meminfoFields.get(key)!.exec(text);
		return m ? Number(m[1]) * 1024 : null;
	};
	const total = kb('MemTotal');
	if (total === null) return null;
	// Kernels before 3.14 have no MemAvailable; free + buffers + page cache is the old estimate.
	const available =
		kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0);
	return {totalBytes: total, availableBytes: available};
}

export function readMeminfo(): MemoryInfo | null {
	const text = readKeptProcText('/proc/meminfo');
	return text === null ? null : parseMeminfo(text);
}

// ---- /proc/net/tcp and /proc/net/tcp6 ----

export type TcpState = 'LISTEN' | 'ESTABLISHED';

export type TcpSocket = {
	family: 4 | 6;
	state: TcpState;
	localAddress: string;
	localPort: number;
	remoteAddress: string;
	remotePort: number;
	/** Owner uid of the socket (its creator). */
	uid: number;
	inode: number;
};

const littleEndian = os.endianness() === 'LE';

/** A 32-bit word of /proc/net/tcp: hex of the in-memory (network order) bytes read as a host int. */
function wordBytes(hex: string): number[] {
	const n = parseInt(hex, 16);
	const b = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
	return littleEndian ? b.reverse() : b;
}

/** "0100007F" -> "127.0.0.1"; 32 hex digits -> compressed IPv6 ("::1", "::ffff:127.0.0.1"). */
export function decodeProcAddress(hex: string): string {
	if (hex.length === 8) return wordBytes(hex).join('.');
	const bytes: number[] = [];
	for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8)));
	const isMapped =
		bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
	if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
	const groups: number[] = [];
	for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
	// Longest run of two or more zero groups becomes "::" (RFC 5952).
	let bestStart = -1;
	let bestLen = 1;
	for (let i = 0; i < 8;) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) {
			bestStart = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hexGroups = groups.map((g) => g.toString(16));
	if (bestStart < 0) return hexGroups.join(':');
	const head = hexGroups.slice(0, bestStart).join(':');
	const tail = hexGroups.slice(bestStart + bestLen).join(':');
	return `${head}::${tail}`;
}

const lineRe =
	/^\s*\d+: ([0-9A-Fa-f]+):([0-9A-Fa-f]{4}) ([0-9A-Fa-f]+):([0-9A-Fa-f]{4}) ([0-9A-Fa-f]{2}) \S+ \S+ \S+\s+(\d+)\s+\d+ (\d+)/;

/**
 * LISTEN (0A) and ESTABLISHED (01) sockets of one /proc/net/tcp{,6} text. With `ports`, only sockets
 * whose local port is in the set are decoded (the rest of the table is skipped cheaply); with
 * `peers` too, the ESTABLISHED sockets connected to one of those ports (the clients' side).
 */
export function parseNetTcp(
	text: string,
	family: 4 | 6,
	ports?: ReadonlySet<number>,
	peers = false,
): TcpSocket[] {
	const out: TcpSocket[] = [];
	// A table longer than one page is read in several read() calls; sockets opening and closing in
	// between can make the kernel show a line twice. An inode is one socket.
	const seen = new Set<number>();
	let start = text.indexOf('\n') + 1; // skip the header
	while (start > 0 && start < text.length) {
		let end = text.indexOf('\n', start);
		if (end < 0) end = text.length;
		const line = text.slice(start, end);
		start = end + 1;
		const m = lineRe.exec(line);
		if (!m) continue;
		const st = m[5]!;
		const state: TcpState | null = st === '0A' ? 'LISTEN' : st === '01' ? 'ESTABLISHED' : null;
		if (state === null) continue;
		const localPort = parseInt(m[2]!, 16);
		if (
			ports &&
			!ports.has(localPort) &&
			!(peers && state === 'ESTABLISHED' && ports.has(parseInt(m[4]!, 16)))
		)
			continue;
		const inode = Number(m[7]);
		if (inode !== 0) {
			if (seen.has(inode)) continue;
			seen.add(inode);
		}
		out.push({
			family,
			state,
			localAddress: decodeProcAddress(m[1]!),
			localPort,
			remoteAddress: decodeProcAddress(m[3]!),
			remotePort: parseInt(m[4]!, 16),
			uid: Number(m[6]),
			inode,
		});
	}
	return out;
}

/**
 * The kernel's TCP socket counters for this network namespace: IPv4's in-use, orphaned, TIME_WAIT
 * and allocated sockets (/proc/net/sockstat) and IPv6's in-use ones (sockstat6), as one string to
 * compare. Answered from counters, not a table walk: tens of µs (the descriptors are kept open,
 * see readKeptProcText) against /proc/net/tcp's ~2 ms. A connection opening or closing anywhere
 * changes it (a close leaves a TIME_WAIT socket or frees one), so an unchanged answer says the
 * socket tables very likely hold what they held. Null without /proc.
 */
export function readTcpCounts(): string | null {
	const v4 = readKeptProcText('/proc/net/sockstat');
	if (v4 === null) return null;
	const tcp = /^TCP: inuse (\d+) orphan (\d+) tw (\d+) alloc (\d+)/m.exec(v4);
	if (!tcp) return null;
	const tcp6 = /^TCP6: inuse (\d+)/m.exec(readKeptProcText('/proc/net/sockstat6') ?? '');
	return `${tcp[1]} ${tcp[2]} ${tcp[3]} ${tcp[4]} ${tcp6?.[1] ?? '-'}`;
}

// Each read() of /proc/net/tcp walks the kernel's whole established-socket hash table (262144
// buckets on a 24 GB machine: ~2 ms), however few sockets there are. The usual read-until-0 loop pays
// that walk twice. The kernel fills at most one seq_file page per read() and stops early only at the
// end of the table, so a read that left room for another line (lines are under 200 bytes) was the last.
const tcpLineRoom = 512;

/** Null when the table cannot be read (no /proc, or no IPv6 in the kernel). `peers`: parseNetTcp's. */
export function readTcpSockets(
	family: 4 | 6,
	ports?: ReadonlySet<number>,
	peers = false,
): TcpSocket[] | null {
	const page = pageSize();
	const text = readProcText(
		family === 4 ? '/proc/net/tcp' : '/proc/net/tcp6',
		'latin1',
		(got, asked) => got < asked && got <= page - tcpLineRoom,
	);
	return text === null ? null : parseNetTcp(text, family, ports, peers);
}

/** The socket inodes of this process's own descriptors: readdir and one readlink per descriptor. */
export function ownSocketInodes(): Set<number> {
	const out = new Set<number>();
	for (const [, link] of descriptorLinks('self'))
		if (link.startsWith('socket:[')) out.add(Number(link.slice(8, -1)));
	return out;
}

/**
 * Each open descriptor of a process with what it links to (`socket:[inode]`, a path, …): one readdir
 * of /proc/<pid>/fd and a readlink per descriptor. Nothing when the folder cannot be read (another
 * user's process, or gone); a descriptor closed meanwhile (the readdir's own among them) is skipped.
 */
function* descriptorLinks(pid: number | 'self'): Generator<[fd: number, link: string]> {
	const dir = `/proc/${pid}/fd`;
	let fds: string[];
	try {
		fds = fs.readdirSync(dir);
	} catch {
		return;
	}
	for (const fd of fds) {
		let link: string;
		try {
			link = fs.readlinkSync(`${dir}/${fd}`);
		} catch {
			continue;
		}
		yield [Number(fd), link];
	}
}

// ---- socket inode -> pid ----

/**
 * Finds which process holds each socket inode, and on which descriptor, by scanning /proc/<pid>/fd
 * links. Expensive (one readlink per open file on the machine), so callers cache the answer per inode.
 * Pids are scanned in ascending order and the first holder wins: for a socket shared by a pre-fork
 * server, that is the parent that opened it. Inodes missing from the result are held by processes we
 * may not inspect.
 */
export function findSocketHolders(
	inodes: Iterable<number>,
): Map<number, {pid: number; fd: number}> {
	const wanted = new Map<string, number>();
	for (const inode of inodes) wanted.set(`socket:[${inode}]`, inode);
	const found = new Map<number, {pid: number; fd: number}>();
	if (wanted.size === 0) return found;
	for (const pid of listPids()) {
		for (const [fd, link] of descriptorLinks(pid)) {
			const inode = wanted.get(link);
			if (inode === undefined) continue;
			found.set(inode, {pid, fd});
			wanted.delete(link);
			if (wanted.size === 0) return found;
		}
	}
	return found;
}

/** Whether pid still holds the socket on file descriptor fd: one readlink. */
export function holdsSocket(pid: number, fd: number, inode: number): boolean {
	try {
		return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
	} catch {
		return false;
	}
}
