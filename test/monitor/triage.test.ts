import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {defaultConfig} from '../../source/config.js';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {MonitorStore, type MonitorProbes} from '../../source/monitor/store.js';
import {triageReason, triageReasons} from '../../source/monitor/triage.js';
import {LogTail} from '../../source/probes/log-tail.js';
import type {PortReading} from '../../source/types.js';
import {connectedEndpoint, fixedSystem} from '../helpers/probes.js';

const endpoint = connectedEndpoint();

function reading(port: number, command: string, established = 1): PortReading {
	return {
		port,
		name: `p${port}`,
		host: '127.0.0.1',
		listening: true,
		pid: 4242,
		processName: command.split(' ')[0]!,
		command,
		established,
		connectMs: 0.3,
		error: null,
	};
}

function probes(ports: PortReading[], logs: MonitorProbes['logs'] = []): MonitorProbes {
	return {
		ports: {sample: async () => ports},
		processes: {
			sample: async () => [
				{
					pid: 10,
					ppid: 1,
					name: 'python3',
					command: 'python3 unreal_blueprint_mcp_server.py',
					cpuPercent: 90,
					rssBytes: 50 * 2 ** 20,
					startedAt: Date.now() - 3_600_000,
				},
			],
		},
		system: {sample: async () => fixedSystem()},
		endpoint: {
			start() {},
			stop: async () => {},
			probe: async () => ({time: 0, ms: 5, error: null}),
			status: () => endpoint,
		},
		logs,
	};
}

test('every reason names priority, category and a first response; the worst one is the highest priority', async () => {
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	const store = new MonitorStore(
		cfg,
		probes([
			reading(6277, 'python3 unreal_blueprint_mcp_server.py'),
			reading(8080, 'nginx: master process', 0),
		]),
	);
	store.start();
	await store.nextRound();
	await store.stop();
	const s = store.getSnapshot();
	const triage = s.triage!;
	assert.equal(triage.length, s.reasons.length, 'one triage per reason');
	for (const t of triage) assert.ok(t.triage.firstResponse.length > 10, t.text);
	assert.match(triage[0]!.text, /port 8080 is held by pid 4242/);
	assert.deepEqual(
		{p: triage[0]!.triage.priority, c: triage[0]!.triage.category},
		{p: 'critical', c: 'connection'},
	);
	const cpu = triage.find((t) => /CPU 90%/.test(t.text))!;
	assert.deepEqual({p: cpu.triage.priority, c: cpu.triage.category}, {p: 'high', c: 'performance'});
});

test('priority wins over health: a high-priority WARN comes before a medium FAIL', () => {
	const ordered = triageReasons([
		{health: 'FAIL', text: 'endpoint http://127.0.0.1:6277/mcp: HTTP 401 Unauthorized'},
		{health: 'OK', text: 'not a problem'},
		{health: 'WARN', text: 'memory 93% > 80%'},
		{health: 'WARN', text: 'no clients connected on port 8080 (unreal bridge)'},
	]);
	assert.deepEqual(
		ordered.map((r) => [r.triage.priority, r.triage.category]),
		[
			['high', 'memory'],
			['medium', 'authentication'],
			['low', 'connection'],
		],
	);
	assert.equal(triageReason('port 6277 (mcp) is not listening').priority, 'critical');
	assert.equal(triageReason('no process matches "x"').category, 'environment');
});

test('the editor log tailed for real: play mode shows on the bridge port and in the snapshot', async (t) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-editor-'));
	t.after(() => fs.rmSync(dir, {recursive: true, force: true}));
	const file = path.join(dir, 'MyProject.log');
	fs.writeFileSync(
		file,
		'[2025.09.17-09.59.00:000][  0]LogInit: Display: Engine is initialized.\n',
	);
	const cfg = defaultConfig();
	cfg.intervalMs = 100;
	let store: MonitorStore;
	const tail = new LogTail({
		path: file,
		classifier: compileRules(cfg.alerts.rules),
		pollMs: 25,
		onBatch: (b) => store.ingest(b),
	});
	store = new MonitorStore(
		cfg,
		probes(
			[
				reading(6277, 'python3 unreal_blueprint_mcp_server.py'),
				reading(8080, 'python3 unreal_blueprint_mcp_server.py'),
			],
			[tail],
		),
	);
	cfg.ports = [
		{port: 6277, name: 'mcp'},
		{port: 8080, name: 'unreal bridge', clients: true},
	];
	store.start();
	t.after(() => store.stop());
	const until = async (what: string, ok: () => boolean) => {
		for (let i = 0; i < 100 && !ok(); i++) await store.nextRound();
		assert.ok(ok(), what);
	};
	// The tail starts at the end, like tail -F: append once it follows the file.
	await until('the tail follows the log', () => tail.status().state === 'following');
	await store.nextRound();
	fs.appendFileSync(
		file,
		'[2025.09.17-10.00.00:180][412]LogPlayLevel: PIE: Created PIE world by copying editor world from /Game/Main.Main to /Game/UEDPIE_0_Main.Main (0.05 secs)\n' +
			'[2025.09.17-10.00.00:450][412]LogPlayLevel: PIE: Play in editor total start time 0.351 seconds.\n',
	);
	await until('play mode seen', () => store.getSnapshot().editor?.playMode === 'play');
	const bridge = store.getSnapshot().ports.find((p) => p.port === 8080)!;
	assert.equal(bridge.editor?.playMode, 'play');
	assert.equal(store.getSnapshot().ports.find((p) => p.port === 6277)!.editor, undefined);
	fs.appendFileSync(
		file,
		'[2025.09.17-10.02.10:010][980]LogPlayLevel: Display: Shutting down PIE online subsystems\n',
	);
	await until('play mode ended', () => store.getSnapshot().editor?.playMode === null);
});
