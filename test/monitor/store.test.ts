import {test} from 'node:test';
import assert from 'node:assert/strict';
import {defaultConfig} from '../../source/config.js';
import {MonitorStore, type MonitorProbes} from '../../source/monitor/store.js';
import type {LatencySample, PortReading, ProcessReading} from '../../source/types.js';
import {connectedEndpoint, fixedSystem} from '../helpers/probes.js';

/** Probe inputs the test controls; the store (the thing under test) is real. */
function inputs() {
	const state = {
		ports: [] as PortReading[],
		processes: [] as ProcessReading[],
		system: fixedSystem(),
		ping: {time: 0, ms: 12, error: null} as LatencySample,
		endpoint: connectedEndpoint(),
	};
	const probes: MonitorProbes = {
		ports: {sample: async () => state.ports},
		processes: {sample: async () => state.processes},
		system: {sample: async () => state.system},
		endpoint: {
			start() {},
			stop: async () => {},
			probe: async () => state.ping,
			status: () => state.endpoint,
		},
		logs: [],
	};
	return {state, probes};
}

function listening(port: number, pid: number, command: string, established = 1): PortReading {
	return {
		port,
		name: `p${port}`,
		host: '127.0.0.1',
		listening: true,
		pid,
		processName: 'python3',
		command,
		established,
		connectMs: 0.3,
		error: null,
	};
}

test('a healthy round gives OK; one snapshot object per round, immutable between rounds', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {state, probes} = inputs();
	state.ports = [
		listening(6277, 10, 'python3 unreal_blueprint_mcp_server.py'),
		listening(8080, 10, 'python3 unreal_blueprint_mcp_server.py', 2),
	];
	state.processes = [
		{
			pid: 10,
			ppid: 1,
			name: 'python3',
			command: 'python3 unreal_blueprint_mcp_server.py',
			cpuPercent: 2,
			rssBytes: 80 * 2 ** 20,
			startedAt: Date.now() - 60_000,
		},
	];
	const store = new MonitorStore(cfg, probes);
	let published = 0;
	store.subscribe(() => published++);
	store.start();
	await store.nextRound();
	const first = store.getSnapshot();
	assert.equal(first.health, 'OK', first.reasons.join('; '));
	assert.equal(first.ports.length, 2);
	assert.equal(first.processes[0]!.rssMb, 80);
	assert.deepEqual(first.latency.samples, [12]);
	await store.nextRound();
	const second = store.getSnapshot();
	assert.notEqual(first, second);
	assert.deepEqual(first.latency.samples, [12], 'an old snapshot never changes');
	assert.equal(second.latency.samples.length, 2);
	assert.equal(published, store.roundCount);
	await store.stop();
});

test('down parts give FAIL with reasons in operator words', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {state, probes} = inputs();
	state.ports = [
		{
			...listening(6277, 0, ''),
			listening: false,
			pid: null,
			command: null,
			established: 0,
			connectMs: null,
		},
	];
	state.ping = {time: 0, ms: null, error: 'connection refused'};
	state.endpoint = {...state.endpoint, state: 'reconnecting', lastError: 'connection refused'};
	const store = new MonitorStore(cfg, probes);
	store.start();
	await store.nextRound();
	const s = store.getSnapshot();
	assert.equal(s.health, 'FAIL');
	assert.ok(s.reasons.includes('port 6277 (p6277) is not listening'));
	assert.ok(s.reasons.some((r) => r.includes('no process matches')));
	assert.ok(s.reasons.some((r) => r.includes('connection refused')));
	assert.equal(s.latency.lossPercent, 100);
	await store.stop();
	// A port given as --port N is named "port N": the reason names it once.
	state.ports = [{...state.ports[0]!, name: 'port 6277'}];
	const plain = new MonitorStore(cfg, probes);
	plain.start();
	await plain.nextRound();
	assert.ok(plain.getSnapshot().reasons.includes('port 6277 is not listening'));
	await plain.stop();
});

test('a stopped server process is FAIL, and the header reason is the worst one, not the first', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {state, probes} = inputs();
	const command = 'python3 unreal_blueprint_mcp_server.py';
	state.ports = [listening(6277, 10, command), listening(8080, 10, command, 2)];
	// A WARN reason that comes first in pane order (system) and a FAIL one after it (the process).
	state.system = {...state.system, cpuPercent: 95};
	state.processes = [
		{
			pid: 10,
			ppid: 1,
			name: 'python3',
			command,
			cpuPercent: 0,
			rssBytes: 80 * 2 ** 20,
			startedAt: Date.now() - 60_000,
			state: 'T',
		},
	];
	const store = new MonitorStore(cfg, probes);
	store.start();
	await store.nextRound();
	const s = store.getSnapshot();
	assert.equal(s.health, 'FAIL');
	assert.equal(s.processes[0]!.health, 'FAIL');
	assert.equal(s.processes[0]!.stopped, 'stopped');
	assert.match(s.reasons[0]!, /pid 10 is stopped .*kill -CONT 10/);
	assert.ok(s.reasons.indexOf('system CPU 95% > 70%') > 0, s.reasons.join('; '));
	state.processes = [{...state.processes[0]!, state: 'S'}];
	state.system = {...state.system, cpuPercent: 10};
	await store.nextRound();
	const resumed = store.getSnapshot();
	assert.equal(resumed.processes[0]!.stopped, null);
	assert.equal(resumed.health, 'OK', resumed.reasons.join('; '));
	await store.stop();
});

test('a port held by another program is a loud warning; no clients on the bridge is WARN', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {state, probes} = inputs();
	state.ports = [
		listening(6277, 4242, 'nginx: master process'),
		listening(8080, 10, 'python3 unreal_blueprint_mcp_server.py', 0),
	];
	state.processes = [
		{
			pid: 10,
			ppid: 1,
			name: 'python3',
			command: 'python3 unreal_blueprint_mcp_server.py',
			cpuPercent: 1,
			rssBytes: 1e6,
			startedAt: Date.now(),
		},
	];
	const store = new MonitorStore(cfg, probes);
	store.start();
	await store.nextRound();
	const s = store.getSnapshot();
	assert.equal(
		s.ports[0]!.warning,
		'port 6277 is held by pid 4242 (python3), not the expected server',
	);
	assert.equal(s.ports[0]!.health, 'FAIL');
	assert.equal(s.ports[1]!.health, 'WARN');
	assert.ok(
		s.reasons.includes('no clients connected on port 8080 (unreal bridge)') ||
			s.reasons.some((r) => r.startsWith('no clients connected on port 8080')),
	);
	await store.stop();
});

test('log batches count exactly, merge repeats, and a critical triggers the incident callback once', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {probes} = inputs();
	const dumps: string[] = [];
	const store = new MonitorStore(cfg, probes, {
		onCritical: (ctx) => dumps.push(ctx().alert.text),
	});
	const now = Date.now();
	for (let i = 0; i < 1000; i++) {
		store.ingest({
			source: 'a.log',
			lines: 100,
			lastLines: [`line ${i}`],
			alerts: [
				{source: 'a.log', severity: 'warning', text: 'WARNING - Slow response', time: now},
				...(i === 500
					? [
							{
								source: 'a.log',
								severity: 'critical' as const,
								text: 'CRITICAL - Server crash',
								time: now,
							},
						]
					: []),
			],
		});
	}
	store.start();
	await store.nextRound();
	const s = store.getSnapshot();
	assert.equal(s.alerts.linesRead, 100_000);
	assert.deepEqual(s.alerts.totals, {critical: 1, error: 0, warning: 1000});
	assert.equal(s.alerts.items.length, 2);
	assert.equal(s.alerts.items[0]!.text, 'WARNING - Slow response');
	assert.equal(s.alerts.items[0]!.count, 1000);
	assert.match(s.alerts.meta ?? '', /high warning frequency/);
	assert.deepEqual(dumps, ['CRITICAL - Server crash']);
	const ctx = store.incidentContext();
	assert.equal(ctx.lastLines.length, 20);
	assert.equal(ctx.lastLines.at(-1), 'line 999');
	await store.nextRound();
	assert.equal(dumps.length, 1, 'no second dump without a new critical');
	await store.stop();
});

test('pause freezes the published snapshot while probing goes on; resume catches up', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {probes} = inputs();
	const store = new MonitorStore(cfg, probes);
	store.start();
	await store.nextRound();
	store.setPaused(true);
	const frozen = store.getSnapshot();
	assert.equal(frozen.paused, true);
	await store.nextRound();
	await store.nextRound();
	assert.equal(store.getSnapshot(), frozen);
	store.setPaused(false);
	assert.equal(store.getSnapshot().paused, false);
	assert.ok(store.getSnapshot().latency.samples.length >= 3);
	await store.stop();
});

test('memory stays bounded: the latency window and alert list never exceed their capacity', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	cfg.latency.window = 5;
	const {probes} = inputs();
	const store = new MonitorStore(cfg, probes);
	for (let i = 0; i < 2000; i++) {
		store.ingest({
			source: 'a.log',
			lines: 1,
			lastLines: [],
			alerts: [{source: 'a.log', severity: 'error', text: `ERROR ${i}`, time: Date.now()}],
		});
	}
	store.start();
	for (let i = 0; i < 7; i++) await store.nextRound();
	const s = store.getSnapshot();
	assert.equal(s.latency.samples.length, 5);
	assert.equal(s.alerts.items.length, 500);
	assert.equal(s.alerts.items[0]!.text, 'ERROR 1999');
	assert.equal(s.alerts.totals.error, 2000);
	await store.stop();
});

test('escape sequences in process names and command lines never reach the snapshot', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const {state, probes} = inputs();
	const evil = 'python3 unreal_blueprint_mcp_server.py \u001B]0;pwned\u0007\u001B[2J';
	state.processes = [
		{
			pid: 10,
			ppid: 1,
			name: '\u001B[31mpy',
			command: evil,
			cpuPercent: 1,
			rssBytes: 1e6,
			startedAt: Date.now(),
		},
	];
	state.ports = [{...listening(6277, 10, evil), processName: '\u001B[31mpy'}];
	const store = new MonitorStore(cfg, probes);
	store.start();
	await store.nextRound();
	const text = JSON.stringify(store.getSnapshot());
	assert.doesNotMatch(text, /\\u001b|\\u0007/i);
	assert.match(store.getSnapshot().processes[0]!.command, /unreal_blueprint_mcp_server\.py/);
	await store.stop();
});
