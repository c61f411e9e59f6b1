import type {MonitorProbes} from '../../source/monitor/store.js';
import type {EndpointStatus, SystemReading} from '../../source/types.js';

/** A quiet machine: CPU 10 %, memory 40 %, disk 30 %. A new object each call (tests change it). */
export function fixedSystem(): SystemReading {
	return {
		cpuPercent: 10,
		memoryPercent: 40,
		totalMb: 8000,
		availableMb: 4000,
		diskPath: '/',
		diskPercent: 30,
		diskFreeGb: 50,
	};
}

/** A connected WebSocket endpoint on 127.0.0.1:1 that never reconnected. */
export function connectedEndpoint(): EndpointStatus {
	return {
		url: 'ws://127.0.0.1:1',
		kind: 'ws',
		state: 'connected',
		lastError: null,
		hint: null,
		reconnects: 0,
		nextRetryAt: null,
	} as EndpointStatus;
}

/** Probes that answer at once with fixed readings, for a real store: a connected endpoint, 12 ms. */
export function fixedProbes(): MonitorProbes {
	return {
		ports: {sample: async () => []},
		processes: {sample: async () => []},
		system: {sample: async () => fixedSystem()},
		endpoint: {
			start() {},
			stop: async () => {},
			probe: async () => ({time: 0, ms: 12, error: null}),
			status: connectedEndpoint,
		},
		logs: [],
	};
}
