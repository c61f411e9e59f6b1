import {performance} from 'node:perf_hooks';
import type {MonitorProbes} from '../monitor/store.js';
import type {LatencySample} from '../types.js';

export type ProbeListener = (sample: LatencySample, elapsedMs: number) => void;

/**
 * The same probes, with every endpoint probe also handed to the listeners: the histogram and the
 * reports see each round trip once, as the store does, without the store having to keep a count.
 */
export function tapEndpoint(probes: MonitorProbes, listeners: ProbeListener[]): MonitorProbes {
	const endpoint = probes.endpoint;
	const tell = (sample: LatencySample, elapsedMs: number) => {
		for (const listener of listeners) listener(sample, elapsedMs);
	};
	return {
		...probes,
		endpoint: {
			start: () => endpoint.start(),
			stop: () => endpoint.stop(),
			status: () => endpoint.status(),
			...(endpoint.ready ? {ready: () => endpoint.ready?.() ?? Promise.resolve()} : {}),
			...(endpoint.retryNow ? {retryNow: () => endpoint.retryNow?.()} : {}),
			probe: async () => {
				const started = performance.now();
				try {
					const sample = await endpoint.probe();
					tell(sample, performance.now() - started);
					return sample;
				} catch (error) {
					const message = error instanceof Error ? error.message : String(error);
					tell({time: Date.now(), ms: null, error: message}, performance.now() - started);
					throw error;
				}
			},
		},
	};
}
