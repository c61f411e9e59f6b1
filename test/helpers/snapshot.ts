import type {
	Alert,
	LatencyStatus,
	PortStatus,
	ProcessStatus,
	Snapshot,
	SystemStatus,
} from '../../source/types.js';

export const t0 = Date.parse('2026-11-24T10:00:00Z');

export function port(overrides: Partial<PortStatus> = {}): PortStatus {
	return {
		port: 6277,
		name: 'mcp',
		host: '127.0.0.1',
		listening: true,
		pid: 4242,
		processName: 'python3',
		command: 'python3 unreal_blueprint_mcp_server.py',
		established: 1,
		connectMs: 0.4,
		error: null,
		health: 'OK',
		warning: null,
		since: t0 - 65_000,
		...overrides,
	};
}

export function proc(overrides: Partial<ProcessStatus> = {}): ProcessStatus {
	return {
		pid: 4242,
		name: 'python3',
		command: 'python3 unreal_blueprint_mcp_server.py',
		cpuPercent: 3.2,
		rssMb: 87.5,
		rssTrendMbPerMin: 0.12,
		rssGrowthMb: 1.5,
		leak: false,
		uptimeSec: 3725,
		stopped: null,
		health: 'OK',
		reasons: [],
		...overrides,
	};
}

export function system(overrides: Partial<SystemStatus> = {}): SystemStatus {
	return {
		cpuPercent: 12,
		memoryPercent: 41,
		totalMb: 24_000,
		availableMb: 14_000,
		diskPath: '/',
		diskPercent: 40,
		diskFreeGb: 120.5,
		health: 'OK',
		reasons: [],
		...overrides,
	};
}

export function latency(overrides: Partial<LatencyStatus> = {}): LatencyStatus {
	return {
		url: 'ws://127.0.0.1:6277',
		kind: 'ws',
		transport: 'auto',
		state: 'connected',
		lastError: null,
		hint: null,
		method: 'ping',
		note: null,
		era: 'legacy',
		protocolVersion: '2025-11-25',
		server: {name: 'unreal-blueprint-mcp', version: '0.3.0'},
		handshakeMs: 4.2,
		sessions: 1,
		reconnects: 0,
		nextRetryAt: null,
		samples: [12, 14, null, 30, 9],
		now: 9,
		p50: 13,
		p95: 28,
		p99: 29.6,
		max: 30,
		lossPercent: 20,
		assessment: 'Excellent',
		health: 'WARN',
		...overrides,
	};
}

export function alert(overrides: Partial<Alert> = {}): Alert {
	return {
		severity: 'error',
		source: 'unreal_blueprint_mcp.log',
		text: '2026-11-24 10:00:00,123 - ERROR - WebSocket error: connection reset',
		count: 1,
		firstTime: t0 - 5000,
		lastTime: t0 - 5000,
		...overrides,
	};
}

export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
	return {
		time: t0,
		host: 'build-07',
		profile: 'unreal-blueprint-mcp',
		intervalMs: 1000,
		paused: false,
		health: 'OK',
		reasons: [],
		ports: [port(), port({port: 8080, name: 'unreal bridge', established: 2})],
		processes: [proc()],
		system: system(),
		latency: latency(),
		alerts: {
			items: [alert()],
			totals: {critical: 0, error: 1, warning: 0},
			linesRead: 100,
			recentWarnings: 0,
			meta: null,
			sources: [],
			health: 'WARN',
		},
		...overrides,
	};
}
