// Types at the boundaries: config, probe readings, snapshots, action progress.
// Declared once here and reused by probes, the store, the views, the JSON output and the actions.

export type Severity = 'critical' | 'error' | 'warning';
export type Health = 'OK' | 'WARN' | 'FAIL' | 'UNKNOWN';

export type PortConfig = {
	port: number;
	name: string;
	/** ESTABLISHED connections on this port are connected clients (0 = degraded). */
	clients?: boolean;
	host?: string;
};

export const transportSettings = ['auto', 'streamable-http', 'sse', 'ws', 'http-get'] as const;
export type TransportSetting = (typeof transportSettings)[number];

export type AlertRuleConfig = {severity: Severity; pattern: string};

export type Config = {
	profile: string;
	intervalMs: number;
	endpoint: {
		url: string;
		/** auto: from the URL (ws → WebSocket, …/sse → SSE, …/health → GET, bare port → discovery). */
		transport: TransportSetting;
		timeoutMs: number;
		tokenEnv: string;
		/** The MCP Inspector proxy's `X-MCP-Proxy-Auth` token. */
		proxyTokenEnv: string;
	};
	ports: PortConfig[];
	process: {match: string};
	logs: string[];
	/** Lines of existing log content to read at start (0 = start at the end, like tail -F -n 0). */
	logBacklogLines: number;
	alerts: {
		rules: AlertRuleConfig[];
		warningBurst: number;
		warningWindowMs: number;
		/** Rules decide before a line's own level (Python levelname, Unreal verbosity). Default false. */
		patternFirst: boolean;
		/** Lines kept before and after each alert's line (Enter shows them). */
		contextLines: number;
	};
	/** Bounds of the history analysis (`mcptop logs`, the history view): the newer bound wins. */
	history: {maxMb: number; days: number};
	thresholds: {
		system: {
			cpuPercent: number;
			memoryPercent: number;
			diskPercent: number;
			availableMemoryMb: number;
			freeDiskGb: number;
		};
		process: {
			cpuPercent: number;
			rssMb: number;
			rssGrowthMb: number;
			leakMbPerSec: number;
			leakSamples: number;
		};
		latency: {excellentMs: number; goodMs: number; acceptableMs: number};
	};
	latency: {window: number};
	project: {dir: string; python: string; packages: string[]; files: string[]};
	restart: {
		command: string;
		logFile: string;
		graceMs: number;
		readyTimeoutMs: number;
		backupFirst: boolean;
		/**
		 * Globs of temporary session files and caches removed between stop and start (opt-in, default
		 * none); logs are never removed. Optional so older callers that build a restart block compile.
		 */
		clean?: string[];
	};
	backup: {dir: string; keep: number};
	/** Where reports, incident dumps and other mcptop state go. */
	stateDir: string;
	/** Read-only tools the latency analysis may call. */
	analysis: {tools: string[]; iterations: number; workers: number; requests: number};
	/** Prometheus exposition (`mcptop serve`, `--metrics-listen`, `--textfile`). */
	metrics: {
		/** HOST:PORT for /metrics and /healthz; a non-loopback host exposes them to the network. */
		listen: string;
		/** Environment variable holding a bearer token /metrics requires (unset = none). */
		tokenEnv: string;
		/** Directory for node_exporter's textfile collector ("" = off). */
		textfile: string;
	};
	/** Health reports in `<stateDir>/reports` (the guide's production monitor). */
	reports: {enabled: boolean; everyMs: number; keep: number; maxAgeDays: number; historyMs: number};
	/** `mcptop fleet`: every build machine from Prometheus. */
	fleet: {prometheus: string; match: string; refreshMs: number; timeoutMs: number};
	readOnly: boolean;
	color: boolean;
};

// ---- probe readings (what enters from the world) ----

export type PortReading = {
	port: number;
	name: string;
	host: string;
	/** From the socket tables where they tell (no connect: it would show in the server's log), else by connecting. */
	listening: boolean;
	/** Owning PID when visible, null when the socket's owner cannot be seen (other user, no /proc). */
	pid: number | null;
	processName: string | null;
	/** Full command line of the owner, when visible. */
	command: string | null;
	/** ESTABLISHED connections whose local port is this port. */
	established: number;
	/** TCP connect round trip in ms; null when the connect failed or none was made (the socket table said). */
	connectMs: number | null;
	error: string | null;
};

export type ProcessReading = {
	pid: number;
	ppid: number;
	name: string;
	command: string;
	cpuPercent: number;
	rssBytes: number;
	/** Process start time, epoch ms. */
	startedAt: number;
	/** Linux state letter (R running, S sleeping, D disk wait, T stopped, t traced); absent if unknown. */
	state?: string;
	/** CPU history, I/O rates, threads and descriptors; absent without /proc. */
	profile?: ProcessProfile;
};

/** The guide's profiler, per server process. */
export type ProcessProfile = {
	cpu: {
		avg1m: number;
		max1m: number;
		avg5m: number;
		max5m: number;
		/** CPU % per sample over the last minutes, oldest first (the CPU trend beside the RSS trend). */
		recent: number[];
	};
	/**
	 * Bytes per second over the last seconds, from /proc/<pid>/io; null when it is not visible
	 * (another user's process, no /proc). `read`/`write` count every read()/write() (files, pipes,
	 * sockets); `diskRead`/`diskWrite` what reached the storage layer.
	 */
	io: {read: number; write: number; diskRead: number; diskWrite: number} | null;
	threads: number | null;
	/** Open file descriptors; null when /proc/<pid>/fd is not readable. */
	openFds: number | null;
};

export type SystemReading = {
	cpuPercent: number;
	memoryPercent: number;
	totalMb: number;
	availableMb: number;
	diskPath: string;
	diskPercent: number;
	diskFreeGb: number;
};

export type LatencySample = {
	/** Epoch ms when the probe was sent. */
	time: number;
	/** Round trip in ms; null when the probe failed. */
	ms: number | null;
	error: string | null;
};

export type EndpointState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** How mcptop talks to the endpoint right now. */
export type EndpointTransport = 'streamable-http' | 'sse' | 'ws' | 'http-get' | 'inspector';

export type EndpointStatus = {
	url: string;
	/** The transport in use (in `auto`, the one that answered). */
	kind: EndpointTransport;
	/** The configured transport setting. */
	transport: TransportSetting;
	state: EndpointState;
	lastError: string | null;
	/** A hint for the operator, e.g. "set endpoint.url to http://…/mcp (Streamable HTTP answered there)". */
	hint: string | null;
	/** What the latency figures time: ping, server/discover, tools/list, or GET. */
	method: string | null;
	/** Why the method is not the usual one, e.g. "ping not supported (-32601): timing tools/list". */
	note: string | null;
	/** legacy = up to 2025-11-25 (initialize, sessions), modern = 2026-07-28 (stateless). */
	era: 'legacy' | 'modern' | null;
	protocolVersion: string | null;
	/** The server's self-reported name and version (from server/discover or initialize). */
	server: {name: string; version: string | null} | null;
	/** The last handshake's duration, timed apart from the steady-state requests. */
	handshakeMs: number | null;
	/** Handshakes made since start (1 = one kept session for the whole run). */
	sessions: number;
	reconnects: number;
	/** Epoch ms of the next reconnect attempt, when reconnecting. */
	nextRetryAt: number | null;
};

export type LogLine = {
	source: string;
	severity: Severity;
	/** Sanitised, capped text. */
	text: string;
	/** Epoch ms when mcptop read it. */
	time: number;
};

export type LogSourceStatus = {
	path: string;
	state: 'following' | 'waiting' | 'error';
	error: string | null;
	linesRead: number;
	rotations: number;
	truncations: number;
};

// ---- the snapshot (what the screen and --json show) ----

export type PortStatus = PortReading & {
	health: Health;
	/** Loud warning, e.g. "port 6277 is held by pid 4242 (nginx)". */
	warning: string | null;
	/** Epoch ms of the last change of listening state or owner. */
	since: number;
	/** On a port with clients (the editor bridge): the editor's state from its log, when known. */
	editor?: EditorState;
};

/** The Unreal Editor's state as its log tells it (probes/editor-state.ts). */
export type EditorState = {
	/** play = play-in-editor, simulate = simulate-in-editor, null = editing. */
	playMode: 'play' | 'simulate' | null;
	/** Epoch ms the play session started; null when not playing. */
	playSince: number | null;
	/** From the plugin's log lines; null until one says. */
	pluginConnected: boolean | null;
	/** The last recognised line, sanitised. */
	lastEvent: string | null;
	lastEventAt: number | null;
};

// ---- triage (the guide's tables) ----

/** The guide's symptoms, highest priority first. */
export type TriagePriority = 'critical' | 'high' | 'medium' | 'low';
export type TriageCategory =
	| 'connection'
	| 'memory'
	| 'performance'
	| 'editor state'
	| 'authentication'
	| 'validation'
	| 'environment';

export type Triage = {
	priority: TriagePriority;
	/** The guide's symptom row: "server won't start", "slow responses", … */
	symptom: string;
	category: TriageCategory;
	/** What to do first, from the guide's classification matrix. */
	firstResponse: string;
};

export type TriagedReason = {text: string; health: Health; triage: Triage};

export type ProcessStatus = {
	pid: number;
	name: string;
	command: string;
	cpuPercent: number;
	rssMb: number;
	/** MB/min over the trend window; null until there are enough samples. */
	rssTrendMbPerMin: number | null;
	rssGrowthMb: number;
	leak: boolean;
	uptimeSec: number;
	/** "stopped" for a process stopped by a signal (it answers nothing), else null. */
	stopped: 'stopped' | null;
	health: Health;
	reasons: string[];
	profile?: ProcessProfile;
};

export type SystemStatus = SystemReading & {health: Health; reasons: string[]};

export type Assessment = 'Excellent' | 'Good' | 'Acceptable' | 'Poor' | 'n/a';

export type LatencyStatus = EndpointStatus & {
	/** Last N round trips, oldest first; null marks a failed probe. */
	samples: Array<number | null>;
	now: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
	max: number | null;
	lossPercent: number;
	assessment: Assessment;
	health: Health;
};

export type Alert = {
	severity: Severity;
	source: string;
	text: string;
	count: number;
	firstTime: number;
	lastTime: number;
	/** The lines after an ERROR/CRITICAL line up to the next timestamped line, sanitised, capped. */
	traceback?: string[];
	/** Lines of the traceback, kept or not (the kept ones are capped). */
	tracebackLines?: number;
	/** N lines before the alert's line, and the N after it as they arrive; sanitised. */
	context?: {before: string[]; after: string[]};
	/** The exception class, e.g. "KeyError" (from the traceback's last line or the message). */
	errorType?: string;
	/** The innermost frame of the traceback, e.g. "server.py:42 in get_item". */
	frame?: string;
};

export type AlertsStatus = {
	/** Newest first, identical lines merged with a count. */
	items: Alert[];
	totals: Record<Severity, number>;
	linesRead: number;
	/** Warnings in the burst window. */
	recentWarnings: number;
	/** Meta-alert text when warnings exceed the burst threshold, else null. */
	meta: string | null;
	sources: LogSourceStatus[];
	health: Health;
};

export type Snapshot = {
	time: number;
	host: string;
	profile: string;
	intervalMs: number;
	paused: boolean;
	health: Health;
	reasons: string[];
	ports: PortStatus[];
	processes: ProcessStatus[];
	system: SystemStatus | null;
	latency: LatencyStatus;
	alerts: AlertsStatus;
	/** Every WARN/FAIL reason with its triage, highest priority first (the header shows the first). */
	triage?: TriagedReason[];
	/** The Unreal Editor's state when its log is watched and has said something; else null. */
	editor?: EditorState | null;
};

// ---- actions ----

export type StepStatus = 'running' | 'ok' | 'warn' | 'fail' | 'skipped';

export type ActionStep = {id: string; label: string; status: StepStatus; detail?: string};

/** Called by an action each time a step starts or ends. Same id = same step updated. */
export type StepReporter = (step: ActionStep) => void;

export type ActionResult = {
	ok: boolean;
	/** One line for the operator: what happened. */
	summary: string;
	/** What to try next when it failed. */
	next?: string;
	/** Machine-readable details for --json. */
	data?: unknown;
};
