import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {
	checkIdentity,
	compareIdentity,
	findServerTargets,
	parseProcess,
	programOf,
	readProcess,
	selfAndAncestors,
	type ProcInfo,
} from '../../source/actions/targets.js';
import {parseNetTcp} from '../../source/probes/proc.js';
import {OtherCheckout, startServerIn, startWatchdogScript} from '../helpers/other-checkout.js';
import {RestartSandbox, alive, freePort, node, waitUntil} from '../helpers/restart-procs.js';

describe('programOf', () => {
	const cases: Array<[string[], string | null, string]> = [
		[['python', 'unreal_blueprint_mcp_server.py'], 'unreal_blueprint_mcp_server.py', 'script'],
		[['/venv/bin/python3.11', '-u', '-X', 'dev', 'srv.py', '--port', '1'], 'srv.py', 'script'],
		[['python3', '-Wignore', '-B', 'srv.py'], 'srv.py', 'script'],
		[['python3', '-m', 'unreal_blueprint_mcp_server'], 'unreal_blueprint_mcp_server', 'module'],
		[['python3', '-um', 'pkg.server'], 'pkg.server', 'module'],
		[['python3', '-c', 'import unreal_blueprint_mcp_server'], 'python -c', 'code'],
		[['python', '-', 'x'], '-', 'stdin'],
		[
			['fastmcp', 'run', 'unreal_blueprint_mcp_server.py'],
			'unreal_blueprint_mcp_server.py',
			'script',
		],
		[['fastmcp', 'dev', '--with', 'psutil', 'srv.py:app'], 'srv.py:app', 'script'],
		[['fastmcp', 'version'], 'fastmcp', 'binary'],
		[
			['node', '/demo/unreal_blueprint_mcp_server.js'],
			'/demo/unreal_blueprint_mcp_server.js',
			'script',
		],
		[
			['node', '--import', 'tsx', '/d/unreal_blueprint_mcp_server.ts'],
			'/d/unreal_blueprint_mcp_server.ts',
			'script',
		],
		[['node', '/x/node_modules/.bin/tsx', '--inspect', 'srv.ts'], 'srv.ts', 'script'],
		[['node', '-e', 'setInterval(()=>{},1e3)', 'unreal_blueprint_mcp_server'], 'node -e', 'code'],
		[['sh', '-c', 'sleep 60; true', 'unreal_blueprint_mcp_server'], 'sh -c', 'code'],
		[['bash', '-lc', 'python srv.py'], 'bash -c', 'code'],
		[['bash', 'start_server.sh'], 'start_server.sh', 'script'],
		[['uv', 'run', '--with', 'x', 'python', 'srv.py'], 'srv.py', 'script'],
		[['env', 'A=1', '-u', 'B', 'python3', 'srv.py'], 'srv.py', 'script'],
		[['node', '--test', 'unreal_blueprint_mcp_server.test.ts'], 'node --test', 'tests'],
		[['vim', 'unreal_blueprint_mcp_server.py'], 'vim', 'binary'],
		[['tail', '-f', '/tmp/unreal_blueprint_mcp_server.log'], 'tail', 'binary'],
		[
			['/opt/bin/unreal_blueprint_mcp_server', '--port', '6277'],
			'/opt/bin/unreal_blueprint_mcp_server',
			'binary',
		],
	];
	for (const [argv, name, kind] of cases) {
		test(argv.join(' '), () => {
			const program = programOf(argv);
			assert.deepEqual(
				program && {name: program.name, kind: program.kind},
				name === null ? null : {name, kind},
			);
		});
	}
	test('a script handed to a shell is marked; uv --directory and env -C are kept', () => {
		assert.deepEqual(programOf(['bash', 'srv_watchdog.sh']), {
			kind: 'script',
			name: 'srv_watchdog.sh',
			shell: true,
		});
		assert.deepEqual(programOf(['uv', 'run', '--directory', '/srv/a', 'python', 'srv.py']), {
			kind: 'script',
			name: 'srv.py',
			dir: '/srv/a',
		});
		assert.deepEqual(programOf(['env', '-C', 'b', 'python3', '-m', 'srv']), {
			kind: 'module',
			name: 'srv',
			dir: 'b',
		});
	});
	test('an interpreter with no program', () => {
		assert.equal(programOf(['python3']), null);
		assert.equal(programOf([]), null);
	});
});

describe('/proc parsing', () => {
	test('stat with spaces and parentheses in the name', () => {
		const stat =
			'4242 (we ird) (name) S 17 4242 4242 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 31884 3133440 416';
		const p = parseProcess(4242, stat, 'python3\0srv.py\0');
		assert.deepEqual(p, {
			pid: 4242,
			ppid: 17,
			pgid: 4242,
			sid: 4242,
			state: 'S',
			startTime: '31884',
			argv: ['python3', 'srv.py'],
			command: 'python3 srv.py',
		});
	});

	test('tcp table: port, state and inode', () => {
		const text = [
			'  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
			'   0: 0100007F:1885 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5511 1 0000000000000000 100 0 0 10 0',
			'   1: 0100007F:1885 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 5512 1 0000000000000000 20 4 30 10 -1',
		].join('\n');
		// The restart's socket lookups read the same parser the port probe uses.
		assert.deepEqual(
			parseNetTcp(text, 4).map((s) => ({localPort: s.localPort, state: s.state, inode: s.inode})),
			[
				{localPort: 6277, state: 'LISTEN', inode: 5511},
				{localPort: 6277, state: 'ESTABLISHED', inode: 5512},
			],
		);
	});
});

describe('PID-reuse check', () => {
	const planned = {pid: 10, startTime: '500', command: 'python3 srv.py'};
	const info = (over: Partial<ProcInfo>): ProcInfo => ({
		pid: 10,
		ppid: 1,
		pgid: 10,
		sid: 10,
		state: 'S',
		startTime: '500',
		argv: ['python3', 'srv.py'],
		command: 'python3 srv.py',
		...over,
	});
	test('same start time and command line: same process', () => {
		assert.equal(compareIdentity(planned, info({})), 'same');
	});
	test('another start time or command line: the pid was reused', () => {
		assert.equal(compareIdentity(planned, info({startTime: '900'})), 'reused');
		assert.equal(compareIdentity(planned, info({command: 'bash'})), 'reused');
	});
	test('exited or zombie: gone', () => {
		assert.equal(compareIdentity(planned, null), 'gone');
		assert.equal(compareIdentity(planned, info({state: 'Z'})), 'gone');
	});
	test('against a real process', async () => {
		const me = await readProcess(process.pid);
		assert.ok(me);
		assert.equal(await checkIdentity(me), 'same');
		assert.equal(
			await checkIdentity({...me, startTime: String(Number(me.startTime) + 1)}),
			'reused',
		);
	});
	test('ancestors include the parent', async () => {
		const chain = await selfAndAncestors(process.pid);
		assert.equal(chain.get(process.pid), 'self');
		assert.equal(chain.get(process.ppid), 'parent');
	});
});

describe('findServerTargets with real processes', () => {
	const box = new RestartSandbox();
	let port = 0;
	let parentPort = 0;
	let foreignPort = 0;
	let server: {pid: number};
	let parent: {pid: number; childPid: number | null};
	let idle: {pid: number};
	const decoys: Record<string, number> = {};

	before(async () => {
		port = await freePort();
		parentPort = await freePort();
		foreignPort = await freePort();
		server = await box.startServer(['--port', String(port)]);
		parent = await box.startServer([
			'--port',
			String(parentPort),
			'--child',
			box.file('child-pid'),
		]);
		idle = await box.startServer(['--no-listen']);
		const log = box.file(`${box.pattern}.log`);
		fs.writeFileSync(log, '');
		const testFile = box.file(`${box.pattern}.test.js`);
		fs.copyFileSync(box.serverFile, testFile);
		const started: Array<[string, number, string]> = [
			['tests', box.start(node, [testFile, '--no-listen']).pid!, box.pattern],
			[
				'node -e',
				box.start(node, ['-e', 'setInterval(()=>{},1e3)', `${box.pattern}-marker`]).pid!,
				box.pattern,
			],
			[
				'sh -c',
				box.start('/bin/sh', ['-c', 'sleep 60; true', box.pattern], {detached: true}).pid!,
				box.pattern,
			],
			['tail', box.start('tail', ['-f', log]).pid!, box.pattern],
			// Holds a configured port without matching the pattern.
			[
				'foreign',
				box.start(node, ['-e', `require('net').createServer().listen(${foreignPort}, '127.0.0.1')`])
					.pid!,
				String(foreignPort),
			],
		];
		for (const [name, pid] of started) decoys[name] = pid;
		// Until exec, a forked child still shows the test runner's command line.
		const execd = await waitUntil(async () => {
			const procs = await Promise.all(started.map(([, pid]) => readProcess(pid)));
			return procs.every((p, i) => p !== null && p.command.includes(started[i]![2]));
		});
		assert.ok(execd, 'decoys started');
	});
	after(() => box.cleanup());

	test('the listening server and the script runner are targets; mentions are skipped with why', async () => {
		const ports = [port, foreignPort];
		// The foreign listener shows up once it is listening.
		await waitUntil(async () => {
			const {skipped} = await findServerTargets({match: box.pattern, ports, projectDir: box.dir});
			return skipped.some((s) => s.pid === decoys['foreign']);
		});
		const {targets, skipped} = await findServerTargets({
			match: box.pattern,
			ports,
			projectDir: box.dir,
		});
		const byPid = new Map(targets.map((t) => [t.pid, t]));
		assert.equal(byPid.get(server.pid)?.reason, `holds port ${port}`);
		assert.equal(byPid.get(server.pid)?.pgid, server.pid);
		assert.equal(byPid.get(idle.pid)?.reason, `runs ${box.pattern}.js`);
		// The parent server runs the script too; its child runs inline code.
		assert.equal(byPid.get(parent.pid)?.reason, `runs ${box.pattern}.js`);
		assert.deepEqual(
			targets.map((t) => t.pid),
			[server.pid, parent.pid, idle.pid].sort((a, b) => a - b),
		);
		const why = new Map(skipped.map((s) => [s.pid, s.why]));
		assert.match(why.get(decoys['node -e']!) ?? '', /inline code \(node -e\)/);
		assert.match(why.get(decoys['sh -c']!) ?? '', /inline code \(sh -c\)/);
		assert.match(why.get(decoys['tail']!) ?? '', /runs tail$/);
		assert.match(why.get(decoys['tests']!) ?? '', /runs tests \(mcp_srv_\w+\.test\.js\)$/);
		assert.match(
			why.get(decoys['foreign']!) ?? '',
			new RegExp(`holds port ${foreignPort} but its command line does not match`),
		);
		for (const pid of Object.values(decoys)) assert.ok(alive(pid));
	});

	test('mcptop itself and its ancestors are never targets, even when they hold a port', async () => {
		const ports = [port, parentPort];
		const asSelf = await findServerTargets({
			match: box.pattern,
			ports,
			projectDir: box.dir,
			selfPid: server.pid,
		});
		assert.ok(!asSelf.targets.some((t) => t.pid === server.pid));
		assert.equal(asSelf.skipped.find((s) => s.pid === server.pid)?.why, 'this is mcptop itself');
		// As if mcptop were the child the parent server started: the server is its parent.
		const asChild = await findServerTargets({
			match: box.pattern,
			ports,
			projectDir: box.dir,
			selfPid: parent.childPid!,
		});
		assert.ok(!asChild.targets.some((t) => t.pid === parent.pid));
		assert.match(asChild.skipped.find((s) => s.pid === parent.pid)?.why ?? '', /mcptop's parent/);
		assert.ok(asChild.targets.some((t) => t.pid === server.pid));
	});

	test('a bad pattern is an error, not a match-all', async () => {
		await assert.rejects(
			findServerTargets({match: '(', ports: [], projectDir: box.dir}),
			SyntaxError,
		);
	});
});

/** The real interpreter behind `python3` (not a pyenv shim), or null when there is none. */
function realPython(): string | null {
	try {
		const exe = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
			encoding: 'utf8',
		}).trim();
		return exe === '' ? null : exe;
	} catch {
		return null;
	}
}

describe("only this project's server: another checkout and a watchdog script are skipped", () => {
	const box = new RestartSandbox();
	const other = new OtherCheckout(box);
	const project = fs.realpathSync(box.dir);
	const python = realPython();
	const pids: Record<string, number> = {};
	let port = 0;
	let otherPort = 0;
	let sharedPort = 0;

	before(async () => {
		[port, otherPort, sharedPort] = [await freePort(), await freePort(), await freePort()];
		pids['here listening'] = await startServerIn(box, box.dir, ['--port', String(port)]);
		pids['here idle'] = await startServerIn(box, box.dir, ['--no-listen']);
		pids['other listening'] = await startServerIn(box, other.dir, ['--port', String(otherPort)]);
		pids['other idle'] = await startServerIn(box, other.dir, ['--no-listen']);
		// Another checkout's copy that holds a configured port: it is in the way, so it is stopped.
		pids['other on our port'] = await startServerIn(box, other.dir, ['--port', String(sharedPort)]);
		pids['watchdog'] = await startWatchdogScript(box, box.dir);
		if (python) {
			const module = 'import time\nwhile True:\n    time.sleep(1)\n';
			for (const [name, dir] of [
				['module here', box.dir],
				['module other', other.dir],
			] as const) {
				fs.writeFileSync(path.join(dir, `${box.pattern}.py`), module);
				pids[name] = box.start(python, ['-m', box.pattern], {cwd: dir}).pid!;
			}
			const execd = await waitUntil(async () => {
				const procs = await Promise.all(
					[pids['module here']!, pids['module other']!].map((pid) => readProcess(pid)),
				);
				return procs.every((p) => p?.command.includes(`-m ${box.pattern}`));
			});
			assert.ok(execd, 'python modules started');
		}
	});
	after(() => {
		box.cleanup();
		other.remove();
	});

	test('a target holds a configured port or runs the script from the project folder', async () => {
		const {targets, skipped} = await findServerTargets({
			match: box.pattern,
			ports: [port, sharedPort],
			projectDir: box.dir,
		});
		const byPid = new Map(targets.map((t) => [t.pid, t]));
		const why = new Map(skipped.map((s) => [s.pid, s.why]));

		const here = byPid.get(pids['here listening']!);
		assert.equal(here?.reason, `holds port ${port}`);
		assert.equal(here?.cwd, project);
		assert.deepEqual(here?.ports, [port]);
		const idle = byPid.get(pids['here idle']!);
		assert.equal(idle?.reason, `runs ${box.pattern}.js`);
		assert.equal(idle?.cwd, project);
		assert.deepEqual(idle?.ports, []);
		const shared = byPid.get(pids['other on our port']!);
		assert.equal(shared?.reason, `holds port ${sharedPort}`);
		assert.equal(shared?.cwd, other.dir);

		const elsewhere = `another instance in ${other.dir}, not this project`;
		assert.equal(why.get(pids['other listening']!), elsewhere);
		assert.equal(why.get(pids['other idle']!), elsewhere);
		assert.equal(
			why.get(pids['watchdog']!),
			`a shell script named like the server (${box.pattern}_watchdog.sh), not the server; ` +
				`it holds none of ports ${port}, ${sharedPort}`,
		);
		const expected = [pids['here listening']!, pids['here idle']!, pids['other on our port']!];
		if (python) {
			assert.equal(byPid.get(pids['module here']!)?.reason, `runs ${box.pattern}`);
			assert.equal(why.get(pids['module other']!), elsewhere);
			expected.push(pids['module here']!);
		}
		assert.deepEqual(
			targets.map((t) => t.pid),
			expected.sort((a, b) => a - b),
		);
	});

	test('a project folder named through a symlink is the same project', async () => {
		const link = box.file('../' + path.basename(box.dir) + '-link');
		fs.symlinkSync(box.dir, link);
		try {
			const {targets} = await findServerTargets({match: box.pattern, ports: [], projectDir: link});
			assert.ok(targets.some((t) => t.pid === pids['here idle']));
			assert.ok(!targets.some((t) => t.pid === pids['other idle']));
		} finally {
			fs.unlinkSync(link);
		}
	});

	test('nothing was signalled', () => {
		for (const [name, pid] of Object.entries(pids)) assert.ok(alive(pid), `${name} alive`);
	});
});
