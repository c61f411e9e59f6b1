// The MCP Inspector's proxy (what `fastmcp dev` starts on 6277), for real: its /health proves only that
// the proxy runs; with its token, mcptop speaks MCP through its /mcp to the server it starts (here the
// official reference server over stdio).
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {checkMcp} from '../../source/actions/validate.js';
import {defaultConfig} from '../../source/config.js';
import {EndpointProbe} from '../../source/probes/endpoint.js';
import {freePort, waitFor} from '../helpers/ws-fake-mcp.js';

const require = createRequire(import.meta.url);
const proxyScript = path.join(
	path.dirname(require.resolve('@modelcontextprotocol/inspector-server/package.json')),
	'build',
	'index.js',
);
const everything = path.join(
	path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
	'dist',
	'index.js',
);

const proxyToken = randomBytes(16).toString('hex');
let proxy: ChildProcess;
let output = '';
let healthUrl = '';
const probes: EndpointProbe[] = [];

/** The stdio servers the proxy started (its child processes), by PID. */
function proxyChildren(): number[] {
	try {
		const tasks = fs.readdirSync(`/proc/${proxy.pid}/task`);
		return tasks.flatMap((t) =>
			fs
				.readFileSync(`/proc/${proxy.pid}/task/${t}/children`, 'utf8')
				.trim()
				.split(/\s+/)
				.filter(Boolean)
				.map(Number),
		);
	} catch {
		return [];
	}
}

before(async () => {
	const port = await freePort();
	proxy = spawn(
		process.execPath,
		[
			proxyScript,
			'--command',
			process.execPath,
			'--args',
			`${everything} stdio`,
			'--transport',
			'stdio',
		],
		{
			env: {
				...process.env,
				SERVER_PORT: String(port),
				HOST: '127.0.0.1',
				MCP_PROXY_AUTH_TOKEN: proxyToken,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	proxy.stdout!.on('data', (d: Buffer) => (output += d));
	proxy.stderr!.on('data', (d: Buffer) => (output += d));
	assert.ok(
		await waitFor(() => /Proxy server listening/.test(output), 15_000),
		`the proxy did not start: ${output}`,
	);
	healthUrl = `http://127.0.0.1:${port}/health`;
});

after(async () => {
	await Promise.all(probes.map((p) => p.stop()));
	const children = proxyChildren();
	proxy.kill('SIGTERM');
	for (const pid of children) {
		try {
			process.kill(pid, 'SIGTERM');
		} catch {
			// Gone already.
		}
	}
});

function probeFor(token: string | null) {
	const probe = new EndpointProbe({url: healthUrl, timeoutMs: 10_000, proxyToken: token});
	probes.push(probe);
	probe.start();
	return probe;
}

test('without its token: GET /health, and the pane says that proves only the proxy', async () => {
	const probe = probeFor(null);
	await probe.ready();
	const sample = await probe.probe();
	assert.equal(sample.error, null);
	const status = probe.status();
	assert.equal(status.kind, 'inspector');
	assert.equal(status.method, 'GET /health');
	assert.match(
		String(status.note),
		/proves only that the Inspector proxy runs; set MCP_PROXY_AUTH_TOKEN/,
	);
	assert.equal(status.era, null, 'no MCP was spoken');
	assert.deepEqual(proxyChildren(), [], 'a health check starts no server');

	const config = defaultConfig();
	config.endpoint.url = healthUrl;
	const check = await checkMcp(config, null);
	assert.equal(check.status, 'WARN');
	assert.match(check.reason, /HTTP 200 from .*\/health; tools\/list and get_server_status skipped/);
	assert.match(String(check.next), /MCP_PROXY_AUTH_TOKEN/);
});

test('with its token: one MCP session through the proxy, one server started, no error on the proxy', async () => {
	const before = output.length;
	const probe = probeFor(proxyToken);
	await probe.ready();
	assert.ok(
		await waitFor(() => probe.status().state === 'connected', 15_000),
		probe.status().lastError ?? '',
	);
	for (let i = 0; i < 3; i++) assert.equal((await probe.probe()).error, null);
	const status = probe.status();
	assert.equal(status.kind, 'inspector');
	assert.equal(status.era, 'legacy');
	assert.equal(status.method, 'ping');
	assert.match(String(status.server?.name), /everything/);
	assert.match(
		String(status.note),
		/^through the Inspector proxy to node …\/dist\/index\.js stdio$/,
	);
	assert.ok(!JSON.stringify(status).includes(proxyToken), 'the proxy token is never shown');
	const proxyLog = output.slice(before);
	// The 2026 era's probe would make the proxy start a second server and log an error.
	assert.equal(proxyLog.match(/New StreamableHttp connection request/g)?.length, 1, proxyLog);
	assert.doesNotMatch(proxyLog, /Error from inspector client/);
	assert.equal(proxyChildren().length, 1);
	await probe.stop();
});

test('a wrong proxy token says so; validation through the proxy lists the tools', async () => {
	const wrong = probeFor('0'.repeat(32));
	await wrong.ready();
	assert.equal(
		wrong.status().lastError,
		'the Inspector proxy refused its token (HTTP 401): check MCP_PROXY_AUTH_TOKEN',
	);
	const config = defaultConfig();
	config.endpoint.url = healthUrl;
	config.endpoint.timeoutMs = 10_000;
	const previous = process.env['MCP_PROXY_AUTH_TOKEN'];
	process.env['MCP_PROXY_AUTH_TOKEN'] = proxyToken;
	try {
		const check = await checkMcp(config, null);
		// The reference server has its own tools, not get_server_status.
		assert.equal(check.status, 'WARN', check.reason);
		assert.match(
			check.reason,
			/\d+ tools listed \(Streamable HTTP, 2025-11-25\), but no get_server_status/,
		);
		assert.ok(!JSON.stringify(check).includes(proxyToken));
	} finally {
		if (previous === undefined) delete process.env['MCP_PROXY_AUTH_TOKEN'];
		else process.env['MCP_PROXY_AUTH_TOKEN'] = previous;
	}
});
