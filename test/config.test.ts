import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {loadConfig, parseDuration, parsePortFlag} from '../source/config.js';
import {errorOf} from './helpers/config-error.js';

const made: string[] = [];
function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-config-'));
	made.push(dir);
	return dir;
}
after(() => {
	for (const dir of made) fs.rmSync(dir, {recursive: true, force: true});
});

function withFile(data: unknown): {dir: string; file: string} {
	const dir = tempDir();
	const file = path.join(dir, 'mcptop.config.json');
	fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
	return {dir, file};
}

test('defaults are the UnrealBlueprintMCP profile', () => {
	const dir = tempDir();
	const {config, file} = loadConfig({}, dir);
	assert.equal(file === null || !file.startsWith(dir), true);
	assert.equal(config.endpoint.url, 'http://127.0.0.1:6277');
	assert.equal(config.endpoint.transport, 'auto');
	assert.equal(config.endpoint.proxyTokenEnv, 'MCP_PROXY_AUTH_TOKEN');
	assert.deepEqual(
		config.ports.map((p) => p.port),
		[6277, 8080],
	);
	assert.equal(config.process.match, 'unreal_blueprint_mcp_server');
	assert.equal(config.project.dir, dir);
	assert.equal(config.alerts.rules.length, 9);
});

test('a config file in the working folder is read; relative paths are relative to the file; ~ expands', () => {
	const {dir} = withFile({
		intervalMs: 2000,
		logs: ['logs/server.log', '~/x.log'],
		backup: {dir: 'bk'},
		endpoint: {url: 'http://127.0.0.1:6277/health'},
	});
	const {config, file} = loadConfig({}, dir);
	assert.equal(file, path.join(dir, 'mcptop.config.json'));
	assert.equal(config.intervalMs, 2000);
	assert.deepEqual(config.logs, [
		path.join(dir, 'logs/server.log'),
		path.join(os.homedir(), 'x.log'),
	]);
	assert.equal(config.backup.dir, path.join(dir, 'bk'));
	assert.equal(config.endpoint.timeoutMs, 5000, 'keys not given keep their defaults');
});

test('flags override the file', () => {
	const {dir} = withFile({intervalMs: 2000, process: {match: 'from_file'}});
	const {config} = loadConfig(
		{interval: '2s', match: 'from_flag', port: ['9000:api', '9001:bridge:clients'], log: ['a.log']},
		dir,
	);
	assert.equal(config.intervalMs, 2000);
	assert.equal(config.process.match, 'from_flag');
	assert.deepEqual(config.ports, [
		{port: 9000, name: 'api'},
		{port: 9001, name: 'bridge', clients: true},
	]);
	assert.deepEqual(config.logs, [path.join(dir, 'a.log')]);
});

test('bad input gives one line naming the key', () => {
	assert.match(
		errorOf(() => loadConfig({}, withFile({intervalMss: 1}).dir)),
		/^intervalMss: unknown key/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({endpoint: {urll: 'x'}}).dir)),
		/^endpoint\.urll: unknown key/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({intervalMs: '1000'}).dir)),
		/^intervalMs: must be a whole number from 100 to 3600000 \(got string\)/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({process: {match: '(unclosed'}}).dir)),
		/^process\.match: bad regular expression/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({endpoint: {url: 'ftp://x'}}).dir)),
		/^endpoint\.url: .* must start with ws:\/\//,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({ports: [{port: 70000}]}).dir)),
		/^ports\[0\]\.port: must be a port number/,
	);
	assert.match(
		errorOf(() =>
			loadConfig({}, withFile({alerts: {rules: [{severity: 'bad', pattern: 'x'}]}}).dir),
		),
		/^alerts\.rules\[0\]\.severity/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile('{not json').dir)),
		/not valid JSON/,
	);
	assert.match(
		errorOf(() => loadConfig({config: '/nonexistent/mcptop.json'}, tempDir())),
		/^--config: cannot read .*no such file/,
	);
	assert.match(
		errorOf(() => loadConfig({endpoint: 'localhost:6277'}, tempDir())),
		/^--endpoint:/,
	);
	assert.match(
		errorOf(() => loadConfig({}, withFile({endpoint: {transport: 'grpc'}}).dir)),
		/^endpoint\.transport: must be one of auto, streamable-http, sse, ws, http-get \(got "grpc"\)/,
	);
	assert.match(
		errorOf(() => loadConfig({transport: 'SSE'}, tempDir())),
		/^--transport: must be one of auto, streamable-http, sse, ws, http-get \(got "SSE"\)/,
	);
	assert.equal(loadConfig({transport: 'sse'}, tempDir()).config.endpoint.transport, 'sse');
	assert.match(
		errorOf(() => loadConfig({match: '*x'}, tempDir())),
		/^--match: bad regular expression/,
	);
	assert.match(
		errorOf(() => loadConfig({interval: '1'}, tempDir())),
		/did you mean 1s\?/,
	);
	assert.match(
		errorOf(() => parsePortFlag('abc')),
		/^--port:/,
	);
	assert.equal(parseDuration('500ms', '--interval'), 500);
});

test('NO_COLOR and --no-color turn colour off', () => {
	const saved = process.env['NO_COLOR'];
	try {
		delete process.env['NO_COLOR'];
		assert.equal(loadConfig({}, tempDir()).config.color, true);
		assert.equal(loadConfig({color: false}, tempDir()).config.color, false);
		process.env['NO_COLOR'] = '1';
		assert.equal(loadConfig({}, tempDir()).config.color, false);
	} finally {
		if (saved === undefined) delete process.env['NO_COLOR'];
		else process.env['NO_COLOR'] = saved;
	}
});
