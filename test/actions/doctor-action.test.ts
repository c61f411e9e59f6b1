import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, test} from 'node:test';
import {actionDefinitions} from '../../source/actions/definitions.js';
import {ActionRunner} from '../../source/actions/runner.js';
import {defaultConfig} from '../../source/config.js';
import {createProbes} from '../../source/monitor/probes.js';
import {MonitorStore} from '../../source/monitor/store.js';
import {removeTempDirs, tempDir} from '../helpers/cli.js';

after(removeTempDirs);

test('D on the screen: the doctor runs as an action, in read-only mode too, from the monitor’s port readings', async (t) => {
	const held = net.createServer((s) => s.destroy());
	await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
	t.after(() => held.close());
	const port = (held.address() as net.AddressInfo).port;
	const dir = tempDir();
	fs.writeFileSync(path.join(dir, 'server.js'), 'setInterval(() => {}, 1000);\n');
	const config = defaultConfig();
	config.intervalMs = 200;
	config.readOnly = true;
	config.project.dir = dir;
	config.project.packages = [];
	config.ports = [{port, name: 'mcp'}];
	config.endpoint.url = `ws://127.0.0.1:${port}`;
	config.endpoint.timeoutMs = 300;
	config.logs = [path.join(dir, 'server.log')];
	config.stateDir = path.join(dir, 'state');
	config.backup.dir = path.join(dir, 'backups');
	config.restart.command = `'${process.execPath}' server.js`;
	config.restart.logFile = path.join(dir, 'restart.log');
	let store: MonitorStore;
	store = new MonitorStore(
		config,
		createProbes(config, null, (b) => store.ingest(b)),
		{
			firstRoundWaitMs: 300,
		},
	);
	store.start();
	t.after(() => store.stop());
	await store.nextRound();
	const runner = new ActionRunner(actionDefinitions(config, null, store), {readOnly: true});
	assert.equal(runner.available('doctor'), true, 'the doctor writes nothing: allowed in read-only');
	await runner.request('doctor');
	for (let i = 0; i < 200 && runner.getState().phase !== 'done'; i++)
		await new Promise((r) => setTimeout(r, 50));
	const state = runner.getState();
	assert.equal(state.phase, 'done');
	if (state.phase !== 'done') return;
	assert.equal(state.result.ok, false);
	assert.match(state.result.summary, /^doctor FAIL/);
	const ports = state.steps.find((s) => s.id === 'ports')!;
	assert.equal(ports.status, 'fail');
	assert.match(
		ports.detail!,
		new RegExp(`held by pid ${process.pid} \\(node\\), not the expected server`),
	);
	assert.match(ports.detail!, /\n {2}fix: Stop pid/);
	assert.match(ports.detail!, /\[critical · connection\]/);
	assert.equal(state.steps.find((s) => s.id === 'script')?.status, 'ok');
});
