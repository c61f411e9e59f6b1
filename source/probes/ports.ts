// Port probe (SPEC 1, 2): is each configured port listening, who owns it, how many clients are on it.
import net from 'node:net';
import os from 'node:os';
import type {Systeminformation} from 'systeminformation';
import {systemInformation} from './fallback.js';
import type {PortConfig, PortReading} from '../types.js';
import {
	findSocketHolders,
	holdsSocket,
	hasProc,
	isGone,
	readCmdline,
	readProcStat,
	ownSocketInodes,
	readTcpCounts,
	readTcpSockets,
	type TcpSocket,
} from './proc.js';

// A socket's uid is its creator's: one of another user's cannot be mcptop's own.
const ownUid = process.getuid?.() ?? -1;

export type PortProbeOptions = {
	ports: PortConfig[];
	/** How long a TCP connect may take before the port counts as not listening. Default 1000. */
	connectTimeoutMs?: number;
	/** How long socket tables may be reused while every listener is confirmed and its owner runs. */
	tableEveryMs?: number;
	/**
	 * How long they may be reused while, besides, the kernel's TCP socket counters have not moved
	 * since they were read (no connection opened or closed anywhere). Default 30000.
	 */
	quietTableEveryMs?: number;
	/** The kernel's TCP counters (tests stand in for them). Default readTcpCounts. */
	tcpCounts?: () => string | null;
	/** Monotonic clock in ms, for how often the socket tables and hidden owners are re-read. */
	now?: () => number;
};

type Family = 4 | 6;

type ConnectResult = {
	ok: boolean;
	ms: number | null;
	error: string | null;
	localPort: number | null;
};

type Owner = {
	pid: number | null;
	name: string | null;
	command: string | null;
	family: Family;
	checkedAt: number;
	/** The file descriptor holding the socket, when the owner is known. */
	fd: number | null;
};

// Reading /proc/net/tcp or tcp6 costs a walk of the kernel's whole connection hash table (~2 ms on a
// 24 GB machine, however few sockets there are). So both tables are read only every 30 s and whenever
// a port starts or stops answering; in between, only the family that holds the listeners.
const bothTablesEveryMs = 30_000;
// When a socket's owner cannot be seen (another user's process), look again only this often.
const unknownOwnerRetryMs = 10_000;
// Without /proc, systeminformation forks netstat/lsof: keep its answer this long.
const fallbackTableTtlMs = 5000;

export class PortProbe {
	private readonly ports: Array<PortConfig & {host: string; local: boolean}>;
	private readonly connectTimeoutMs: number;
	private readonly now: () => number;
	private readonly watchedPorts: ReadonlySet<number>;
	private readonly owners = new Map<number, Owner>();
	private listenerFamilies = new Set<Family>();
	/** Ports that answer although neither table shows a listener for them. */
	private unseen = new Set<number>();
	private lastBothTablesAt = -Infinity;
	private lastListening: boolean[] = [];
	private inFlight: Promise<PortReading[]> | null = null;
	/** Ports whose current listening socket a connect has confirmed: inode and that connect's time. */
	private readonly confirmed = new Map<number, {inode: number; ms: number | null}>();
	/** Client sides of connections to the watched ports, by inode: whether each is mcptop's own. */
	private readonly clients = new Map<number, {family: Family; pair: string; mine: boolean}>();
	private readonly tableEveryMs: number;
	private readonly quietTableEveryMs: number;
	/** readTcpCounts() just before the socket tables were last read. */
	private countsAtTable: string | null = null;
	private readonly tcpCounts: () => string | null;
	private tablesRead = 0;
	private lastSockets: TcpSocket[] | null = null;
	private lastTableAt = -Infinity;
	private fallbackTable: {at: number; rows: Systeminformation.NetworkConnectionsData[]} | null =
		null;

	constructor(opts: PortProbeOptions) {
		this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
		this.tableEveryMs = opts.tableEveryMs ?? 5000;
		this.tcpCounts = opts.tcpCounts ?? readTcpCounts;
		this.quietTableEveryMs = Math.max(this.tableEveryMs, opts.quietTableEveryMs ?? 30_000);
		this.now = opts.now ?? (() => performance.now());
		const ownAddresses = new Set<string>();
		for (const list of Object.values(os.networkInterfaces()))
			for (const a of list ?? []) ownAddresses.add(a.address);
		this.ports = opts.ports.map((p) => {
			// "[::1]" is how a URL writes it; connect() wants the bare address.
			const host = (p.host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
			return {...p, host, local: isLocalHost(host, ownAddresses)};
		});
		this.watchedPorts = new Set(this.ports.filter((p) => p.local).map((p) => p.port));
	}

	/** How many socket tables (/proc/net/tcp, tcp6) have been read so far: the costly part. */
	get tableReads(): number {
		return this.tablesRead;
	}

	/** One reading per configured port, in config order. Overlapping calls share one sample. */
	sample(): Promise<PortReading[]> {
		this.inFlight ??= this.run().finally(() => {
			this.inFlight = null;
		});
		return this.inFlight;
	}

	private async run(): Promise<PortReading[]> {
		// A local port's listening socket is known from the kernel's socket tables: no connect needed.
		// Connecting would make servers such as Python's websockets log "opening handshake failed" or
		// "connection failed (400 Bad Request)", which mcptop would then report as alerts of its own
		// making. So a port is connected to only where the tables cannot tell: no /proc, a remote
		// host, or no listener in the tables (nothing listens, and a refused connect logs nothing; or a
		// listener in another network namespace reached through NAT, which only a connect can see).
		// A listener once seen is taken on trust while its owner still holds it (reusableTables).
		const proc = hasProc();
		const trusted = this.ports.map((p) => proc && p.local && this.confirmed.has(p.port));
		const needTables = this.ports.some(
			(p, i) => proc && p.local && !trusted[i] && !this.unseen.has(p.port),
		);
		const peeked = needTables ? this.readBothTables() : null;
		const inTable = this.ports.map(
			(p, i) =>
				!trusted[i] &&
				peeked !== null &&
				p.local &&
				!this.unseen.has(p.port) &&
				coveringListener(peeked, p.port, p.host) !== null,
		);
		const connects = await Promise.all(
			this.ports.map((p, i) =>
				trusted[i] || inTable[i]
					? Promise.resolve<ConnectResult>({
							ok: true,
							ms: this.confirmed.get(p.port)?.ms ?? null,
							error: null,
							localPort: null,
						})
					: connectOnce(p.host, p.port, this.connectTimeoutMs),
			),
		);
		const skip = trusted.map((t, i) => t || inTable[i]!);
		const flipped = connects.some(
			(c, i) => this.lastListening[i] !== undefined && this.lastListening[i] !== c.ok,
		);
		this.lastListening = connects.map((c) => c.ok);
		if (!proc) return this.fromFallback(connects);
		return this.fromProc(connects, flipped, skip, peeked);
	}

	/** Both socket tables, for the watched ports. */
	private readBothTables(): TcpSocket[] {
		this.countsAtTable = this.tcpCounts();
		this.tablesRead += 2;
		return [
			...(readTcpSockets(4, this.watchedPorts, true) ?? []),
			...(readTcpSockets(6, this.watchedPorts, true) ?? []),
		];
	}

	private async fromProc(
		connects: ConnectResult[],
		flipped: boolean,
		skipped: boolean[],
		peeked: TcpSocket[] | null,
	): Promise<PortReading[]> {
		const now = this.now();
		const sockets: TcpSocket[] = [];
		const read = new Set<Family>();
		const verified = peeked ? null : this.reusableTables(flipped, skipped, connects, now);
		if (verified) {
			sockets.push(...this.lastSockets!);
			return this.readings(sockets, read, connects, now, verified);
		}
		if (peeked) {
			sockets.push(...peeked);
			read.add(4).add(6);
			this.noteBothTables(sockets, connects, skipped, now);
		} else this.readTables(sockets, read, connects, skipped, flipped, now);
		// A port taken on trust whose listener is gone from the tables is connected to now (it may
		// listen where the tables cannot show it); a new listener in the tables is simply taken.
		const reconnected = await Promise.all(
			this.ports.map(async (p, i) => {
				if (!skipped[i]) return false;
				if (coveringListener(sockets, p.port, p.host)) return false;
				connects[i] = await connectOnce(p.host, p.port, this.connectTimeoutMs);
				return true;
			}),
		);
		// One that answers from a listener the tables read did not have (it moved family, or a new
		// server bound it after the read): read both tables afresh, now that it counts as answering.
		const unlisted = this.ports.some(
			(p, i) => reconnected[i] && connects[i]!.ok && !pickListener(sockets, p.port, p.host),
		);
		if (unlisted) {
			sockets.length = 0;
			read.clear();
			const stillSkipped = skipped.map((s, i) => s && !reconnected[i]);
			this.readTables(sockets, read, connects, stillSkipped, true, now);
		}
		// Kept without this tick's own probe connections, which later ticks cannot tell apart.
		const own = new Set(connects.flatMap((c) => (c.localPort === null ? [] : [c.localPort])));
		this.lastSockets = sockets.filter((x) => !(x.state === 'ESTABLISHED' && own.has(x.remotePort)));
		this.lastTableAt = now;
		return this.readings(sockets, read, connects, now);
	}

	/**
	 * Reading a socket table walks the kernel's whole connection hash (~2–4 ms here): the dearest part of
	 * a tick. While every listener is one a connect confirmed and its owner still runs, the last tables
	 * are good for a few seconds; client counts then lag by at most tableEveryMs, or quietTableEveryMs
	 * while the kernel's TCP counters stand still (a connection that came and went between two reads
	 * still moves them: its close leaves a TIME_WAIT socket or frees one). Returns the listeners'
	 * inodes whose owner was just verified (so resolveOwners need not look again), or null when the
	 * tables must be read.
	 */
	private reusableTables(
		flipped: boolean,
		skipped: boolean[],
		connects: ConnectResult[],
		now: number,
	): Set<number> | null {
		const age = now - this.lastTableAt;
		if (flipped || this.lastSockets === null || age >= this.quietTableEveryMs) return null;
		// No TCP connection opened or closed on the machine since the tables were read (the counters
		// say so in tens of µs): they still hold, up to quietTableEveryMs. Reading them costs a walk
		// of the kernel's whole connection hash (~2 ms), the largest part of an idle collector's tick.
		if (age >= this.tableEveryMs) {
			const counts = this.tcpCounts();
			if (counts === null || counts !== this.countsAtTable) return null;
		}
		const verified = new Set<number>();
		const reusable = this.ports.every((p, i) => {
			if (!p.local) return true;
			// Down now and down at the last table read (no flip): the tables have nothing new to say
			// about it until it answers again, which is a flip.
			if (!skipped[i]) return !connects[i]!.ok;
			const inode = this.confirmed.get(p.port)?.inode;
			const owner = inode === undefined ? undefined : this.owners.get(inode);
			// The owner still holds the very socket on the same descriptor: a closed or replaced
			// listener fails this one readlink and the tables are read again.
			if (!owner || !this.stillHolds(owner, inode!)) return false;
			verified.add(inode!);
			return true;
		});
		return reusable ? verified : null;
	}

	/** One readlink: the known owner still holds this socket on the same descriptor. */
	private stillHolds(owner: Owner, inode: number): boolean {
		return owner.pid !== null && owner.fd !== null && holdsSocket(owner.pid, owner.fd, inode);
	}

	private readTables(
		sockets: TcpSocket[],
		read: Set<Family>,
		connects: ConnectResult[],
		skipped: boolean[],
		flipped: boolean,
		now: number,
	): void {
		// A port taken on trust (skipped) has not been connected to this tick: whether it answers is
		// not known yet. Counting it as answering while its listener is gone (a restart under way)
		// would file it as "answers but listens in no table" and stop reading its family.
		const answered = (i: number) => connects[i]!.ok && !skipped[i];
		const readFamily = (family: Family) => {
			if (read.has(family)) return;
			read.add(family);
			this.tablesRead++;
			sockets.push(...(readTcpSockets(family, this.watchedPorts, true) ?? []));
		};
		if (this.watchedPorts.size > 0) {
			this.countsAtTable = this.tcpCounts();
			const both = flipped || now - this.lastBothTablesAt >= bothTablesEveryMs;
			for (const family of both ? ([4, 6] as const) : this.listenerFamilies) readFamily(family);
			// A port that answers but whose listener is not in the tables read moved family: read all.
			// Unless neither table had it last time either (a listener in another network namespace,
			// reached through a NAT rule): then this would cost a double read on every tick.
			const hasListener = (port: number) =>
				sockets.some((s) => s.state === 'LISTEN' && s.localPort === port);
			const missing = this.ports.some(
				(p, i) => p.local && answered(i) && !this.unseen.has(p.port) && !hasListener(p.port),
			);
			if (missing) {
				readFamily(4);
				readFamily(6);
			}
			if (read.size === 2) this.noteBothTables(sockets, connects, skipped, now);
		}
	}

	/** After reading both tables: which families hold listeners, which ports answer from neither. */
	private noteBothTables(
		sockets: TcpSocket[],
		connects: ConnectResult[],
		skipped: boolean[],
		now: number,
	): void {
		const hasListener = (port: number) =>
			sockets.some((s) => s.state === 'LISTEN' && s.localPort === port);
		this.lastBothTablesAt = now;
		this.listenerFamilies = new Set(
			sockets.filter((s) => s.state === 'LISTEN').map((s) => s.family),
		);
		this.unseen = new Set(
			this.ports
				.filter((p, i) => p.local && connects[i]!.ok && !skipped[i] && !hasListener(p.port))
				.map((p) => p.port),
		);
	}

	private readings(
		sockets: TcpSocket[],
		read: Set<Family>,
		connects: ConnectResult[],
		now: number,
		verified: ReadonlySet<number> = new Set(),
	): PortReading[] {
		const listeners = this.ports.map((p) =>
			p.local ? pickListener(sockets, p.port, p.host) : null,
		);
		this.ports.forEach((p, i) => {
			const listener = listeners[i];
			if (p.local && connects[i]!.ok && listener)
				this.confirmed.set(p.port, {inode: listener.inode, ms: connects[i]!.ms});
			else this.confirmed.delete(p.port);
		});
		this.lastListening = connects.map((c) => c.ok);
		this.resolveOwners(listeners, read, now, verified);
		const own = this.ownClients(sockets, read);

		return this.ports.map((p, i) => {
			const c = connects[i]!;
			const listener = listeners[i] ?? null;
			const owner = listener ? this.owners.get(listener.inode) : undefined;
			const probePorts = new Set(
				this.ports.flatMap((q, j) =>
					q.port === p.port && connects[j]!.localPort !== null ? [connects[j]!.localPort!] : [],
				),
			);
			let established = 0;
			if (p.local)
				for (const s of sockets)
					if (
						s.state === 'ESTABLISHED' &&
						s.localPort === p.port &&
						!probePorts.has(s.remotePort) &&
						!own.has(`${s.remotePort}>${s.localPort}`)
					)
						established++;
			let error = c.error;
			if (!c.ok && listener)
				error = covers(listener.localAddress, p.host)
					? `${c.error}; a socket listens but did not accept (accept queue full?)`
					: `${c.error}; port ${p.port} listens on ${listener.localAddress} only`;
			return {
				port: p.port,
				name: p.name,
				host: p.host,
				listening: c.ok,
				pid: owner?.pid ?? null,
				processName: owner?.name ?? null,
				command: owner?.command ?? null,
				established,
				connectMs: c.ms,
				error,
			};
		});
	}

	/**
	 * mcptop's own connections to the watched ports (its MCP session, its WebSocket), as
	 * "clientPort>serverPort": the server's side of each is not a connected client. A connection's
	 * inode is looked up among mcptop's own descriptors once, when it first appears. The client's
	 * side can be in the other table than the server's (an IPv4 connect to a server on ::, whose
	 * side is IPv6), and a tick may read one table only: a connection is forgotten only when a
	 * read of its own table no longer has it.
	 */
	private ownClients(sockets: TcpSocket[], read: ReadonlySet<Family>): Set<string> {
		const clients = sockets.filter(
			(s) =>
				s.state === 'ESTABLISHED' &&
				this.watchedPorts.has(s.remotePort) &&
				!this.watchedPorts.has(s.localPort) &&
				s.uid === ownUid,
		);
		if (clients.some((c) => !this.clients.has(c.inode))) {
			const mine = ownSocketInodes();
			for (const c of clients)
				this.clients.set(c.inode, {
					family: c.family,
					pair: `${c.localPort}>${c.remotePort}`,
					mine: mine.has(c.inode),
				});
		}
		const live = new Set(clients.map((c) => c.inode));
		const own = new Set<string>();
		for (const [inode, c] of this.clients) {
			if (read.has(c.family) && !live.has(inode)) this.clients.delete(inode);
			else if (c.mine) own.add(c.pair);
		}
		return own;
	}

	/** Looks up owners only for listening sockets whose inode is new or whose owner let go of it. */
	private resolveOwners(
		listeners: Array<TcpSocket | null>,
		read: Set<Family>,
		now: number,
		verified: ReadonlySet<number>,
	): void {
		const toScan = new Map<number, TcpSocket>();
		const euid = process.geteuid?.() ?? 0;
		for (const s of listeners) {
			if (!s || toScan.has(s.inode) || verified.has(s.inode)) continue;
			const known = this.owners.get(s.inode);
			if (known && known.pid !== null) {
				if (this.stillHolds(known, s.inode)) continue;
			} else if (known && now - known.checkedAt < unknownOwnerRetryMs) continue;
			// Another user's file descriptors are unreadable without root: do not pay for a scan.
			if (euid !== 0 && s.uid !== euid) {
				this.owners.set(s.inode, unknownOwner(s.family, now));
				continue;
			}
			toScan.set(s.inode, s);
		}
		if (toScan.size > 0) {
			const found = findSocketHolders(toScan.keys());
			for (const [inode, s] of toScan) {
				const holder = found.get(inode);
				const pid = holder?.pid;
				const st = pid === undefined ? null : readProcStat(pid);
				if (pid === undefined || isGone(st)) {
					this.owners.set(inode, unknownOwner(s.family, now));
					continue;
				}
				const cmd = readCmdline(pid);
				this.owners.set(inode, {
					pid,
					name: st!.comm,
					command: cmd && cmd.command !== '' ? cmd.command : null,
					family: s.family,
					checkedAt: now,
					fd: holder!.fd,
				});
			}
		}
		// Forget sockets that are gone, judged only on the tables read this time.
		const live = new Set(listeners.flatMap((s) => (s ? [s.inode] : [])));
		for (const [inode, o] of this.owners)
			if (read.has(o.family) && !live.has(inode)) this.owners.delete(inode);
	}

	private async fromFallback(connects: ConnectResult[]): Promise<PortReading[]> {
		const now = this.now();
		if (!this.fallbackTable || now - this.fallbackTable.at >= fallbackTableTtlMs) {
			let rows: Systeminformation.NetworkConnectionsData[] = [];
			try {
				rows = await (await systemInformation()).networkConnections();
			} catch {
				// Owner and clients unknown this time; listening is still decided by the connect.
			}
			this.fallbackTable = {at: now, rows};
		}
		const rows = this.fallbackTable.rows;
		return this.ports.map((p, i) => {
			const c = connects[i]!;
			const mine = p.local ? rows.filter((r) => Number(r.localPort) === p.port) : [];
			const listener = mine.find((r) => /^listen/i.test(r.state) && r.pid > 0);
			const established = mine.filter(
				(r) => /^established/i.test(r.state) && Number(r.peerPort) !== c.localPort,
			).length;
			return {
				port: p.port,
				name: p.name,
				host: p.host,
				listening: c.ok,
				pid: listener?.pid ?? null,
				processName: listener?.process || null,
				command: null,
				established,
				connectMs: c.ms,
				error: c.error,
			};
		});
	}
}

function unknownOwner(family: Family, now: number): Owner {
	return {pid: null, name: null, command: null, family, checkedAt: now, fd: null};
}

function isLocalHost(host: string, ownAddresses: ReadonlySet<string>): boolean {
	const h = host.toLowerCase();
	return (
		h === 'localhost' ||
		h.endsWith('.localhost') ||
		h.startsWith('127.') ||
		h === '::1' ||
		h === '0.0.0.0' ||
		h === '::' ||
		ownAddresses.has(h)
	);
}

/** Whether a socket bound to address accepts connections made to host. */
function covers(address: string, host: string): boolean {
	return (
		address === host ||
		(host === 'localhost' && (address === '127.0.0.1' || address === '::1')) ||
		address === `::ffff:${host}` ||
		address === '::' ||
		(address === '0.0.0.0' && !host.includes(':'))
	);
}

/** A listening socket on port that accepts connections made to host, else null. */
function coveringListener(sockets: TcpSocket[], port: number, host: string): TcpSocket | null {
	const listener = pickListener(sockets, port, host);
	return listener && covers(listener.localAddress, host) ? listener : null;
}

/** The listening socket on port that serves host: bound to host itself or to a wildcard address. */
function pickListener(sockets: TcpSocket[], port: number, host: string): TcpSocket | null {
	let fallback: TcpSocket | null = null;
	for (const s of sockets) {
		if (s.state !== 'LISTEN' || s.localPort !== port) continue;
		if (covers(s.localAddress, host)) return s;
		fallback ??= s;
	}
	return fallback;
}

/** Connects and closes at once: the port listens when the connect completes. */
function connectOnce(host: string, port: number, timeoutMs: number): Promise<ConnectResult> {
	return new Promise((resolve) => {
		const started = performance.now();
		const socket = net.connect({host, port});
		let done = false;
		const finish = (result: ConnectResult) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			socket.destroy();
			resolve(result);
		};
		const timer = setTimeout(
			() =>
				finish({ok: false, ms: null, error: `no answer within ${timeoutMs} ms`, localPort: null}),
			timeoutMs,
		);
		socket.on('connect', () => {
			const ms = Math.round((performance.now() - started) * 100) / 100;
			finish({ok: true, ms, error: null, localPort: socket.localPort ?? null});
		});
		socket.on('error', (err: NodeJS.ErrnoException) => {
			finish({ok: false, ms: null, error: describeConnectError(err, host), localPort: null});
		});
	});
}

function describeConnectError(err: NodeJS.ErrnoException, host: string): string {
	// Node 20 tries every address of a name in turn and reports an AggregateError without a code.
	const inner = (err as {errors?: NodeJS.ErrnoException[]}).errors?.[0];
	const code = err.code ?? inner?.code;
	switch (code) {
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `host ${host} not found`;
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `host ${host} unreachable`;
		case 'ETIMEDOUT':
			return 'connect timed out';
		default:
			return (err.message || inner?.message || String(code ?? 'connect failed')).split('\n')[0]!;
	}
}
