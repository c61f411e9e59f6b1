import assert from 'node:assert/strict';
import fs from 'node:fs';
import {afterEach, describe, test} from 'node:test';
import {
	describePlan,
	noCommandHelp,
	planRestart,
	runRestart,
	signalScope,
} from '../../source/actions/restart.js';
import type {ProcInfo} from '../../source/actions/targets.js';
import type {ActionStep} from '../../source/types.js';
import {
	RestartSandbox,
	accepts,
	alive,
	freePort,
	node,
	sandboxConfig,
	waitUntil,
} from '../helpers/restart-procs.js';
import {mountTmpfs, remountReadOnly, unmount} from '../helpers/readonly-mount.js';
import {
	OtherCheckout,
	startServerIn,
	startWatchdogScript,
	stopByPid,
} from '../helpers/other-checkout.js';

let box: RestartSandbox;
afterEach(() => box?.cleanup());

/** Collects progress; the last report of each step id wins. */
function recorder() {
	const steps = new Map<string, ActionStep>();
	const order: string[] = [];
	return {
		report: (s: ActionStep) => {
			if (!steps.has(s.id)) order.push(s.id);
			steps.set(s.id, s);
		},
		steps,
		order,
	};
}

describe('restart with real processes', () => {
	test('SIGKILLs a server that ignores SIGTERM with its child, leaves decoys, starts the new one', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const old = await box.startServer([
			'--port',
			String(port),
			'--ignore-term',
			'--child',
			box.file('child-pid'),
		]);
		const log = box.file(`${box.pattern}.log`);
		fs.writeFileSync(log, '');
		const decoys = [
			box.start(node, ['-e', 'setInterval(()=>{},1e3)', `${box.pattern}-marker`]).pid!,
			box.start('/bin/sh', ['-c', 'sleep 60; true', box.pattern], {detached: true}).pid!,
			box.start('tail', ['-f', log]).pid!,
		];
		const config = sandboxConfig(box, [port]);
		assert.ok(!fs.existsSync(config.restart.logFile));

		const plan = await planRestart(config);
		assert.deepEqual(plan.problems, []);
		assert.deepEqual(
			plan.targets.map((t) => t.pid),
			[old.pid],
		);
		for (const pid of decoys) assert.ok(plan.skipped.some((s) => s.pid === pid));
		assert.ok(
			describePlan(plan).some((l) => l.startsWith(`stop pid ${old.pid} (holds port ${port})`)),
		);

		const {report, steps} = recorder();
		const result = await runRestart(config, plan, report);
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, true, result.summary);

		assert.ok(!alive(old.pid), 'old server gone');
		assert.ok(!alive(old.childPid!), "old server's child gone");
		for (const pid of decoys) assert.ok(alive(pid), `decoy ${pid} alive`);
		assert.equal(steps.get(`stop-${old.pid}`)?.status, 'warn');
		assert.equal(steps.get(`kill-${old.pid}`)?.status, 'ok');
		assert.deepEqual(result.data.stopped, [{pid: old.pid, how: 'SIGKILL'}]);
		assert.deepEqual(result.data.oldPids, [old.pid]);

		assert.ok(await accepts(port), 'new server listening');
		assert.equal(result.data.listeningPids.length, 1);
		const newServer = result.data.listeningPids[0]!;
		assert.notEqual(newServer, old.pid);
		assert.ok(alive(newServer));
		// Its own session: the terminal's hangup and mcptop's exit do not reach it.
		const sessionOf = (pid: number) =>
			Number(
				fs
					.readFileSync(`/proc/${pid}/stat`, 'utf8')
					.replace(/^.*\) /s, '')
					.split(' ')[3],
			);
		assert.notEqual(sessionOf(newServer), sessionOf(process.pid));
		assert.equal(steps.get('ready')?.status, 'ok');
		assert.ok(result.data.timings.downtimeMs !== null && result.data.timings.downtimeMs >= 0);

		const stat = fs.statSync(config.restart.logFile);
		assert.equal(stat.mode & 0o777, 0o600);
		const text = fs.readFileSync(config.restart.logFile, 'utf8');
		assert.match(text, /=== mcptop restart .*: '.*' --port \d+/);
		assert.match(text, new RegExp(`listening on 127.0.0.1:${port}`));

		// The new server is itself a target of the next restart: found by its port.
		const again = await planRestart(config);
		assert.deepEqual(
			again.targets.map((t) => t.pid),
			[newServer],
		);
	});

	test("stops only this project's server: another checkout's copy and a watchdog script stay up", async () => {
		box = new RestartSandbox();
		const other = new OtherCheckout(box);
		try {
			const port = await freePort();
			const otherPort = await freePort();
			const ours = await startServerIn(box, box.dir, ['--port', String(port)]);
			const theirs = await startServerIn(box, other.dir, ['--port', String(otherPort)]);
			const theirsIdle = await startServerIn(box, other.dir, ['--no-listen']);
			const watchdog = await startWatchdogScript(box, box.dir);
			const config = sandboxConfig(box, [port]);

			const plan = await planRestart(config);
			assert.deepEqual(plan.problems, []);
			assert.deepEqual(
				plan.targets.map((t) => t.pid),
				[ours],
			);
			const lines = describePlan(plan);
			const text = lines.join('\n');
			const at = lines.findIndex((l) => l.startsWith(`stop pid ${ours} (holds port ${port}): `));
			assert.ok(at >= 0, text);
			assert.equal(lines[at + 1], `    cwd ${fs.realpathSync(box.dir)}; listening on port ${port}`);
			for (const pid of [theirs, theirsIdle])
				assert.ok(
					lines.some((l) =>
						l.startsWith(
							`leave pid ${pid} alone (another instance in ${other.dir}, not this project): ` +
								`${node} ${other.serverName}`,
						),
					),
					text,
				);
			assert.ok(
				lines.some((l) =>
					l.startsWith(
						`leave pid ${watchdog} alone (a shell script named like the server ` +
							`(${box.pattern}_watchdog.sh), not the server; it does not hold port ${port}): ` +
							`bash ${box.pattern}_watchdog.sh`,
					),
				),
				text,
			);

			const {report} = recorder();
			const result = await runRestart(config, plan, report);
			if (result.data.newPid) box.track(result.data.newPid, true);
			assert.equal(result.ok, true, result.summary);
			assert.deepEqual(result.data.oldPids, [ours]);
			assert.ok(!alive(ours), 'our server stopped');
			for (const pid of [theirs, theirsIdle, watchdog]) assert.ok(alive(pid), `pid ${pid} alive`);
			assert.ok(await accepts(otherPort), "the other checkout's server still answers");
			assert.ok(await accepts(port), 'our new server listens');

			for (const pid of [theirs, theirsIdle, watchdog]) stopByPid(pid, true);
			assert.ok(await waitUntil(() => [theirs, theirsIdle, watchdog].every((pid) => !alive(pid))));
		} finally {
			other.remove();
		}
	});

	test('waits for a port that is released late, and appends to the existing log', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const releasedFile = box.file('released-at');
		const old = await box.startServer(['--port', String(port), '--linger', releasedFile]);
		const config = sandboxConfig(box, [port]);
		fs.mkdirSync(box.file('logs'));
		fs.writeFileSync(config.restart.logFile, 'previous run: keep me\n', {mode: 0o644});

		const {report, steps} = recorder();
		const result = await runRestart(config, await planRestart(config), report);
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, true, result.summary);
		assert.deepEqual(result.data.stopped, [{pid: old.pid, how: 'SIGTERM'}]);
		assert.equal(steps.get('ports')?.status, 'ok');

		// The helper that held the socket let go before the new server bound the port.
		const releasedAt = Number(fs.readFileSync(releasedFile, 'utf8'));
		const text = fs.readFileSync(config.restart.logFile, 'utf8');
		const listenedAt = Number(/listening on 127\.0\.0\.1:\d+ at (\d+)/.exec(text)?.[1]);
		assert.ok(listenedAt >= releasedAt, `${listenedAt} >= ${releasedAt}`);
		assert.ok(text.startsWith('previous run: keep me\n'), 'existing log kept');
		assert.equal(fs.statSync(config.restart.logFile).mode & 0o777, 0o644);
		assert.ok(await accepts(port));
	});

	test('a start command that fails is reported at once with the tail of its output', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const lines = Array.from({length: 14}, (_, i) => `echo "line ${i + 1}"`).join('; ');
		const config = sandboxConfig(box, [port], {
			command: `${lines}; echo "ModuleNotFoundError: No module named fastmcp" >&2; exit 3`,
			readyTimeoutMs: 60_000,
		});
		const {report, steps} = recorder();
		const result = await runRestart(config, await planRestart(config), report);
		assert.equal(result.ok, false);
		assert.match(result.summary, /exited with code 3/);
		assert.match(result.summary, /No module named fastmcp/);
		const detail = steps.get('ready')?.detail ?? '';
		assert.equal(steps.get('ready')?.status, 'fail');
		assert.match(detail, /line 14/);
		assert.match(detail, /No module named fastmcp/);
		// Only the last lines, not everything.
		assert.doesNotMatch(detail, /line 3\b/);
		// Reported when it exited, not after the ready timeout.
		assert.ok(result.data.timings.totalMs < config.restart.readyTimeoutMs);
		assert.match(result.next ?? '', /server\.log/);
	});

	test('a start command that puts the server in the background: ready by its ports, with a warning', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const config = sandboxConfig(box, [port], {
			command: `'${node}' '${box.serverFile}' --port ${port} > /dev/null 2>&1 &`,
		});
		const {report, steps} = recorder();
		const result = await runRestart(config, await planRestart(config), report);
		// The background server stays in the shell's process group.
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, true, result.summary);
		assert.equal(steps.get('ready')?.status, 'warn');
		assert.match(steps.get('ready')?.detail ?? '', /left the server in the background/);
		assert.ok(await accepts(port));
	});

	test('a project folder that vanished after the plan: the start fails with the reason', async () => {
		box = new RestartSandbox();
		const config = sandboxConfig(box, [], {command: 'exec sleep 30', readyTimeoutMs: 300});
		config.project.dir = box.file('project');
		fs.mkdirSync(config.project.dir);
		const plan = await planRestart(config);
		assert.deepEqual(plan.problems, []);
		fs.rmdirSync(config.project.dir);
		const {report, steps} = recorder();
		const result = await runRestart(config, plan, report);
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, false);
		assert.equal(steps.get('start')?.status, 'fail');
		assert.match(result.summary, /could not run the start command/);
	});

	test('cancelling while waiting for SIGTERM stops waiting and sends no SIGKILL', async () => {
		box = new RestartSandbox();
		const server = await box.startServer(['--no-listen', '--ignore-term']);
		const config = sandboxConfig(box, [], {command: 'exec sleep 30', graceMs: 20_000});
		const controller = new AbortController();
		const {report, steps} = recorder();
		const running = runRestart(
			config,
			await planRestart(config),
			(s) => {
				report(s);
				if (s.id === `stop-${server.pid}` && s.status === 'running') controller.abort();
			},
			{signal: controller.signal},
		);
		const result = await running;
		assert.equal(result.ok, false);
		assert.match(result.summary, /cancelled/);
		assert.ok(!steps.has(`kill-${server.pid}`));
		assert.ok(!steps.has('start'));
		assert.ok(alive(server.pid));
	});

	test('a pid that now belongs to another process is not signalled', async () => {
		box = new RestartSandbox();
		const server = await box.startServer(['--no-listen']);
		const config = sandboxConfig(box, [], {command: 'exec sleep 30', readyTimeoutMs: 300});
		const plan = await planRestart(config);
		assert.deepEqual(
			plan.targets.map((t) => t.pid),
			[server.pid],
		);
		// As if the server had exited and the system had given its pid to a new process.
		plan.targets[0]!.startTime = String(Number(plan.targets[0]!.startTime) + 1);
		const {report, steps} = recorder();
		const result = await runRestart(config, plan, report);
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, true, result.summary);
		assert.equal(steps.get(`stop-${server.pid}`)?.status, 'skipped');
		assert.match(steps.get(`stop-${server.pid}`)?.detail ?? '', /another program; not signalled/);
		assert.deepEqual(result.data.stopped, [{pid: server.pid, how: 'pid reused'}]);
		assert.ok(alive(server.pid));
	});

	test('no start command: refuses and says how to configure one; nothing is stopped', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const server = await box.startServer(['--port', String(port)]);
		const config = sandboxConfig(box, [port], {command: '  '});
		const plan = await planRestart(config);
		assert.equal(plan.command, null);
		assert.ok(plan.problems.includes(noCommandHelp));
		assert.match(noCommandHelp, /restart\.command/);
		assert.match(noCommandHelp, /"command": "python unreal_blueprint_mcp_server\.py"/);
		const {report} = recorder();
		const result = await runRestart(config, plan, report);
		assert.equal(result.ok, false);
		assert.match(result.summary, /restart\.command/);
		assert.ok(alive(server.pid));
	});

	test('read-only mode and a port held by a non-matching process both refuse', async () => {
		box = new RestartSandbox();
		const port = await freePort();
		const config = sandboxConfig(box, [port]);
		config.readOnly = true;
		assert.match((await planRestart(config)).problems.join('\n'), /read-only/);

		config.readOnly = false;
		const foreign = box.start(node, [
			'-e',
			`require('net').createServer().listen(${port}, '127.0.0.1')`,
		]);
		assert.ok(await waitUntil(() => accepts(port)));
		const plan = await planRestart(config);
		assert.match(
			plan.problems.join('\n'),
			new RegExp(`port ${port} is held by pid ${foreign.pid} .*does not match`),
		);
		const result = await runRestart(config, plan, recorder().report);
		assert.equal(result.ok, false);
		assert.ok(alive(foreign.pid!));
	});

	test('a log file on a read-only file system is reported as read-only, with the path', async (t) => {
		box = new RestartSandbox();
		const mnt = box.file('ro');
		fs.mkdirSync(mnt);
		const cannot = mountTmpfs(mnt);
		if (cannot !== null) {
			t.skip(`cannot mount a tmpfs here (${cannot}); needs root or CAP_SYS_ADMIN`);
			return;
		}
		try {
			remountReadOnly(mnt);
			const config = sandboxConfig(box, [], {command: 'exec sleep 30', readyTimeoutMs: 300});
			config.restart.logFile = `${mnt}/logs/server.log`;
			const {report, steps} = recorder();
			const result = await runRestart(config, await planRestart(config), report);
			assert.equal(result.ok, false);
			assert.equal(steps.get('start')?.status, 'fail');
			assert.equal(
				steps.get('start')?.detail,
				`log file ${mnt}/logs/server.log cannot be opened: ${mnt}/logs: read-only file system`,
			);
			assert.equal(result.data.newPid, null);
		} finally {
			unmount(mnt);
		}
	});

	test('backupFirst takes a backup before stopping anything', async () => {
		box = new RestartSandbox();
		fs.writeFileSync(box.file('unreal_blueprint_mcp_server.py'), 'print("hi")\n');
		const config = sandboxConfig(box, [], {
			command: 'exec sleep 30',
			readyTimeoutMs: 300,
			backupFirst: true,
		});
		config.project.files = ['unreal_blueprint_mcp_server.py'];
		const {report, steps, order} = recorder();
		const result = await runRestart(config, await planRestart(config), report);
		if (result.data.newPid) box.track(result.data.newPid, true);
		assert.equal(result.ok, true, result.summary);
		assert.ok(result.data.backupId);
		assert.ok(fs.existsSync(box.file(`backups/${result.data.backupId}/manifest.json`)));
		assert.equal(steps.get('backup')?.status, 'ok');
		assert.ok(order.indexOf('backup') < order.indexOf('start'));
		assert.ok(result.data.newPid !== null && alive(result.data.newPid));
	});
});

describe('signalScope', () => {
	const proc = (pid: number, pgid: number, state = 'S'): ProcInfo => ({
		pid,
		ppid: 1,
		pgid,
		sid: pgid,
		state,
		startTime: '1',
		argv: ['x'],
		command: 'x',
	});
	const target = {
		pid: 10,
		pgid: 10,
		command: 'x',
		startTime: '1',
		reason: 'holds port 1',
		cwd: '/srv/project',
		ports: [1],
	};
	test('a group leader whose group holds no mcptop process: the group', () => {
		assert.equal(
			signalScope(target, [proc(10, 10), proc(11, 10), proc(99, 99)], new Set([99])),
			'group',
		);
	});
	test('a group that holds mcptop or an ancestor: the pid only', () => {
		assert.equal(signalScope(target, [proc(10, 10), proc(11, 10)], new Set([11])), 'pid');
	});
	test('not the group leader: the pid only', () => {
		assert.equal(signalScope({...target, pgid: 5}, [proc(10, 5)], new Set()), 'pid');
	});
	test('a zombie member does not count', () => {
		assert.equal(signalScope(target, [proc(10, 10), proc(11, 10, 'Z')], new Set([11])), 'group');
	});
});
