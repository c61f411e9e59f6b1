import assert from 'node:assert/strict';
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';
import {
	childNodeFlags,
	isProcessAlive,
	processesWithToken,
	removeStaleDemoFolders,
	shellQuote,
	startDemoStack,
	type DemoStack,
} from '../../source/demo/stack.js';
import {
	RpcClient,
	acceptsConnections,
	commandLine,
	establishedOnLocalPort,
	pythonLogLine,
	waitFor,
} from '../helpers/demo-rpc.js';

function listenOnFreePort(): Promise<net.Server> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen({port: 0, host: '127.0.0.1'}, () => {
			resolve(server);
		});
	});
}

function portOf(server: net.Server): number {
	return (server.address() as net.AddressInfo).port;
}

/** The demo server's WebSocket dialect: the MCP port, upgraded. */
function wsUrl(demo: DemoStack): string {
	return `ws://127.0.0.1:${demo.ports.mcp}`;
}

function statusOf(reply: {result?: unknown}): Record<string, unknown> {
	const result = reply.result as {content: Array<{type: string; text: string}>};
	return JSON.parse(result.content[0]!.text) as Record<string, unknown>;
}

describe('demo stack', () => {
	let demo: DemoStack;
	let busy: net.Server[] = [];
	const messages: string[] = [];
	const everyPid = new Set<number>();

	before(async () => {
		// Hold the preferred ports so the stack has to fall back to free ones.
		busy = [await listenOnFreePort(), await listenOnFreePort()];
		demo = await startDemoStack({
			preferredPorts: {mcp: portOf(busy[0]!), bridge: portOf(busy[1]!)},
			log: (message) => messages.push(message),
			// Generous for a loaded CI machine; the default is 10 s.
			readyTimeoutMs: 30_000,
		});
		everyPid.add(demo.started.server);
		everyPid.add(demo.started.editor);
	});

	after(async () => {
		await demo?.stop();
		for (const server of busy) server.close();
	});

	test('falls back to free ports when the preferred ones are busy, and says so', () => {
		assert.notEqual(demo.ports.mcp, portOf(busy[0]!));
		assert.notEqual(demo.ports.bridge, portOf(busy[1]!));
		assert.notEqual(demo.ports.mcp, demo.ports.bridge);
		assert.ok(messages.some((line) => line.includes(`port ${portOf(busy[0]!)} is busy`)));
		assert.equal(demo.config.endpoint.url, `http://127.0.0.1:${demo.ports.mcp}/mcp`);
		assert.deepEqual(
			demo.config.ports.map((port) => port.port),
			[demo.ports.mcp, demo.ports.bridge],
		);
		assert.equal(demo.config.ports[1]!.clients, true);
	});

	test('config points inside the demo folder', () => {
		assert.match(path.basename(demo.dir), /^mcptop-demo-/);
		for (const file of [
			demo.config.logs[0]!,
			demo.config.project.dir,
			demo.config.restart.logFile,
			demo.config.backup.dir,
			demo.config.stateDir,
			demo.config.project.python,
		]) {
			assert.ok(file.startsWith(demo.dir + path.sep), file);
		}

		assert.equal(fs.existsSync(demo.config.project.python), false);
		for (const name of ['unreal_blueprint_mcp_server.py', '.env', 'requirements.txt']) {
			assert.ok(fs.statSync(path.join(demo.config.project.dir, name)).size > 0, name);
		}
	});

	test('the endpoint URL speaks Streamable HTTP: the v2 client negotiates 2026-07-28 and lists the tools', async () => {
		const client = new Client(
			{name: 'stack-test', version: '1'},
			{versionNegotiation: {mode: 'auto', probe: {timeoutMs: 2500, maxRetries: 3}}},
		);
		await client.connect(new StreamableHTTPClientTransport(new URL(demo.config.endpoint.url)));
		try {
			assert.equal(client.getProtocolEra(), 'modern');
			const names = (await client.listTools()).tools.map((tool) => tool.name);
			assert.ok(names.includes('get_server_status'), names.join());
		} finally {
			await client.close();
		}
	});

	test('the WebSocket dialect on the same port answers ping with {} and lists its tools', async () => {
		const client = await RpcClient.open(wsUrl(demo));
		try {
			const ping = await client.requestWithRetry('ping');
			assert.deepEqual(ping.result, {});
			const list = await client.request('tools/list');
			const names = (list.result as {tools: Array<{name: string}>}).tools.map((tool) => tool.name);
			for (const name of [
				'get_server_status',
				'list_supported_blueprint_classes',
				'test_unreal_connection',
				'create_blueprint',
			]) {
				assert.ok(names.includes(name), name);
			}
		} finally {
			client.close();
		}
	});

	test('the fake editor is the one ESTABLISHED client of the bridge port', async () => {
		await waitFor(() => establishedOnLocalPort(demo.ports.bridge) === 1, 'one editor connection');
		const client = await RpcClient.open(wsUrl(demo));
		try {
			const status = statusOf(
				await client.request('tools/call', {name: 'get_server_status', arguments: {}}),
			);
			assert.equal(status['connected_editors'], 1);
			assert.equal(status['pid'], demo.started.server);
		} finally {
			client.close();
		}
	});

	test('the log receives Python-logging lines with the current time', async () => {
		const lines = await waitFor(() => {
			const text = fs.readFileSync(demo.config.logs[0]!, 'utf8');
			const complete = text.split('\n').slice(0, -1);
			return complete.length >= 4 ? complete : null;
		}, 'four log lines');
		for (const line of lines) assert.match(line, pythonLogLine);
		const [, year, month, day, hour, minute, second] = pythonLogLine.exec(lines.at(-1)!)!;
		const written = new Date(+year!, +month! - 1, +day!, +hour!, +minute!, +second!).getTime();
		assert.ok(Math.abs(Date.now() - written) < 60_000, `log time ${lines.at(-1)}`);
	});

	test('every demo process carries the token; the server matches the default pattern', () => {
		const server = commandLine(demo.started.server);
		assert.ok(server.includes('unreal_blueprint_mcp_server'), server);
		assert.ok(server.includes(demo.token), server);
		assert.ok(server.includes(demo.processMatch), server);
		assert.match(server, new RegExp(demo.processMatch));
		assert.ok(commandLine(demo.started.editor).includes(demo.token));
		assert.ok(!commandLine(demo.started.editor).includes('unreal_blueprint_mcp_server'));
		assert.deepEqual(
			demo.pids(),
			[demo.started.server, demo.started.editor].sort((a, b) => a - b),
		);
		// Its own process group, so a restart's group kill reaches it and nothing else.
		const stat = fs.readFileSync(`/proc/${demo.started.server}/stat`, 'utf8');
		const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
		assert.equal(pgid, demo.started.server);
	});

	test('restart.command via /bin/sh -c brings a killed server back', async () => {
		process.kill(demo.started.server, 'SIGTERM');
		await waitFor(() => !isProcessAlive(demo.started.server), 'the server to exit');
		assert.match(fs.readFileSync(demo.config.logs[0]!, 'utf8'), / - INFO - Server shutting down/);

		// The way the restart action runs it: detached, in the project folder, output appended.
		const output = fs.openSync(demo.config.restart.logFile, 'a');
		const shell = spawn('/bin/sh', ['-c', demo.config.restart.command], {
			cwd: demo.config.project.dir,
			detached: true,
			stdio: ['ignore', output, output],
		});
		fs.closeSync(output);
		shell.unref();
		await waitFor(() => acceptsConnections(demo.ports.mcp), 'the port to come back', 15_000);

		// `exec` in the command: the shell became the server, so no extra matching process.
		const respawned = demo.pids().filter((pid) => pid !== demo.started.editor);
		assert.deepEqual(respawned, [shell.pid]);
		everyPid.add(shell.pid!);
		assert.ok(commandLine(shell.pid!).includes('unreal_blueprint_mcp_server'));

		const client = await RpcClient.open(wsUrl(demo));
		try {
			assert.deepEqual((await client.requestWithRetry('ping')).result, {});
		} finally {
			client.close();
		}

		// The fake editor reconnects on its own.
		await waitFor(
			() => establishedOnLocalPort(demo.ports.bridge) === 1,
			'the editor to reconnect',
			15_000,
		);
	});

	test('stop() ends every demo process, the respawned one too, and removes the folder', async () => {
		await demo.stop();
		for (const pid of everyPid) assert.equal(isProcessAlive(pid), false, `pid ${pid}`);
		assert.deepEqual(processesWithToken(demo.token), []);
		assert.deepEqual(demo.pids(), []);
		assert.equal(fs.existsSync(demo.dir), false);
		assert.equal(await acceptsConnections(demo.ports.mcp), false);
		// A second stop is harmless.
		await demo.stop();
	});
});

test('shellQuote survives /bin/sh for awkward words', () => {
	const words = ['plain', 'with space', "it's", '$HOME', '`id`', 'a"b', '', 'tab\tx', 'new\nline'];
	const printed = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellQuote(words)}`], {
		encoding: 'utf8',
	});
	assert.deepEqual(printed.split('\0').slice(0, -1), words);
	assert.equal(shellQuote(['/usr/bin/node', '--port', '6277']), '/usr/bin/node --port 6277');
});

test('childNodeFlags keeps loaders (made absolute) and drops debugger and test-runner flags', () => {
	const flags = childNodeFlags([
		'--import',
		'tsx',
		'--inspect=9229',
		'--test',
		'--test-concurrency=2',
		'--enable-source-maps',
		'--require=./x.cjs',
		'--import',
		'file:///already/absolute.mjs',
		'--eval',
		'process.exit(3)',
	]);
	assert.equal(flags[0], '--import');
	assert.match(flags[1]!, /^file:\/\/\/.*tsx.*\.mjs$/);
	assert.ok(flags.includes('--enable-source-maps'));
	assert.ok(!flags.some((flag) => flag.startsWith('--inspect') || flag.startsWith('--test')));
	assert.ok(flags.includes('file:///already/absolute.mjs'));
	assert.ok(!flags.includes('--eval') && !flags.includes('process.exit(3)'));
	assert.equal(flags[flags.indexOf('--require') + 1], path.resolve('x.cjs'));
});

test('free preferred ports are used as given', async () => {
	const probes = [await listenOnFreePort(), await listenOnFreePort()];
	const [mcp, bridge] = probes.map(portOf);
	await Promise.all(probes.map((server) => new Promise((resolve) => server.close(resolve))));
	const demo = await startDemoStack({preferredPorts: {mcp, bridge}, readyTimeoutMs: 30_000});
	try {
		assert.deepEqual(demo.ports, {mcp, bridge});
		assert.ok(demo.config.restart.command.includes(`--port ${mcp} --bridge-port ${bridge}`));
	} finally {
		await demo.stop();
	}
});

test('a server that does not come up in time is a clear error, and nothing is left behind', async () => {
	let message = '';
	await assert.rejects(startDemoStack({readyTimeoutMs: 1}), (error: Error) => {
		message = error.message;
		return true;
	});
	assert.match(
		message,
		/^demo MCP server did not accept connections on 127\.0\.0\.1:\d+ within 1 ms/,
	);
	const dir = path.dirname(/\(see (.*)\)$/.exec(message)![1]!);
	assert.match(path.basename(dir), /^mcptop-demo-/);
	assert.equal(fs.existsSync(dir), false);
	// Every demo process has the folder in its command line (--log); none may be left.
	assert.deepEqual(processesWithToken(dir), []);
});

test('stale demo folders (mcptop gone, no process left) are removed; live and foreign ones stay', async () => {
	const dead = spawn('true', {stdio: 'ignore'});
	await new Promise((resolve) => dead.once('exit', resolve));
	const make = (owner: object | null) => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-demo-'));
		if (owner) fs.writeFileSync(path.join(dir, 'demo-owner.json'), JSON.stringify(owner));
		return dir;
	};

	const stale = make({pid: dead.pid, token: `mcptop-demo-test-${process.pid}-stale`});
	const live = make({pid: process.pid, token: `mcptop-demo-test-${process.pid}-live`});
	const foreign = make(null);
	try {
		const removed = removeStaleDemoFolders();
		assert.ok(removed.includes(stale));
		assert.equal(fs.existsSync(stale), false);
		assert.equal(fs.existsSync(live), true);
		assert.equal(fs.existsSync(foreign), true);
	} finally {
		for (const dir of [stale, live, foreign]) fs.rmSync(dir, {recursive: true, force: true});
	}
});
