import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import {runBackup} from '../../source/actions/backup.js';
import {
	checkFiles,
	checkMcp,
	checkNetwork,
	checkPython,
	checkSystem,
	runValidation,
	worstStatus,
	type ValidationReport,
} from '../../source/actions/validate.js';
import type {ActionStep, Config} from '../../source/types.js';
import {startFakeMcp, startHttp} from '../helpers/restart-mcp.js';
import {RestartSandbox, freePort, sandboxConfig} from '../helpers/restart-procs.js';

let box: RestartSandbox;
let config: Config;
afterEach(() => box?.cleanup());

function fresh(): Config {
	box = new RestartSandbox();
	config = sandboxConfig(box, []);
	return config;
}

test('the verdict is the worst check', () => {
	assert.equal(worstStatus(['PASS', 'PASS']), 'PASS');
	assert.equal(worstStatus(['PASS', 'WARN', 'PASS']), 'WARN');
	assert.equal(worstStatus(['WARN', 'FAIL', 'PASS']), 'FAIL');
});

describe('system resources', () => {
	test('thresholds decide: generous PASS, percentages WARN, absolute minimums FAIL', async () => {
		const c = fresh();
		c.thresholds.system = {
			cpuPercent: 101,
			memoryPercent: 101,
			diskPercent: 101,
			availableMemoryMb: 0,
			freeDiskGb: 0,
		};
		const pass = await checkSystem(c);
		assert.equal(pass.status, 'PASS', pass.reason);
		assert.match(pass.reason, /CPU \d+%, memory \d+% \(\d+ MB available\), disk \d+%/);

		c.thresholds.system.memoryPercent = -1;
		const warn = await checkSystem(c);
		assert.equal(warn.status, 'WARN');
		assert.match(warn.reason, /memory \d+% > -1%/);
		assert.ok(warn.next);

		c.thresholds.system.availableMemoryMb = 1e12;
		const fail = await checkSystem(c);
		assert.equal(fail.status, 'FAIL');
		assert.match(fail.reason, /available memory \d+ MB < 1000000000000 MB/);
	});
});

describe('python environment', () => {
	test('a package that does not exist: FAIL naming it (and only it)', async () => {
		const c = fresh();
		c.project.python = 'mcp_server_env/bin/python';
		c.project.packages = ['json', 'mcptop_no_such_package_x1'];
		const r = await checkPython(c);
		assert.equal(r.status, 'FAIL');
		assert.match(r.reason, /missing packages: mcptop_no_such_package_x1 in python 3/);
		assert.doesNotMatch(r.reason, /json/);
		assert.match(r.reason, /mcp_server_env\/bin\/python not found/);
		assert.match(r.next ?? '', /-m pip install mcptop_no_such_package_x1/);
	});

	test('all packages importable: PASS with the version', async () => {
		const c = fresh();
		c.project.python = 'python3';
		c.project.packages = ['json', 'os.path'];
		const r = await checkPython(c);
		assert.equal(r.status, 'PASS', r.reason);
		assert.match(r.reason, /all 2 packages importable in python 3\.\d+/);
	});

	test('the project venv python is used when it exists', async () => {
		const c = fresh();
		// A stand-in interpreter that answers like the probe would.
		fs.mkdirSync(box.file('venv/bin'), {recursive: true});
		const fake = box.file('venv/bin/python');
		fs.writeFileSync(
			fake,
			'#!/bin/sh\necho \'{"version": "3.99.0", "executable": "fake", "missing": ["psutil"]}\'\n',
			{mode: 0o755},
		);
		c.project.python = 'venv/bin/python';
		const r = await checkPython(c);
		assert.equal(r.status, 'FAIL');
		assert.match(r.reason, /missing packages: psutil in python 3\.99\.0/);
		assert.match(r.next ?? '', new RegExp(`${fake} -m pip install`));
	});

	test('python not found, or hanging: FAIL', async () => {
		const c = fresh();
		c.project.python = 'mcptop-no-such-python';
		const missing = await checkPython(c);
		assert.equal(missing.status, 'FAIL');
		assert.match(missing.reason, /python not found: mcptop-no-such-python is not on PATH/);

		fs.writeFileSync(box.file('slowpy'), '#!/bin/sh\nexec sleep 5\n', {mode: 0o755});
		c.project.python = './slowpy';
		const slow = await checkPython(c, {timeoutMs: 300});
		assert.equal(slow.status, 'FAIL');
		assert.match(slow.reason, /did not answer within 0.3 s/);
	});
});

describe('network services', () => {
	let listener: net.Server;
	const held: net.Socket[] = [];
	let open = 0;
	before(async () => {
		// Keeps every connection open, like a server with a connected editor.
		listener = net.createServer((s) => held.push(s));
		await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
		open = (listener.address() as net.AddressInfo).port;
	});
	after(() => {
		for (const s of held) s.destroy();
		listener.close();
	});

	test('listening ports PASS; a closed port FAILs by name', async () => {
		const c = fresh();
		c.ports = [{port: open, name: 'mcp'}];
		const pass = await checkNetwork(c);
		assert.equal(pass.status, 'PASS', pass.reason);
		assert.match(pass.reason, new RegExp(`listening: ${open}`));

		const closed = await freePort();
		c.ports = [
			{port: open, name: 'mcp'},
			{port: closed, name: 'unreal bridge'},
		];
		const fail = await checkNetwork(c);
		assert.equal(fail.status, 'FAIL');
		assert.match(
			fail.reason,
			new RegExp(`port ${closed} \\(unreal bridge\\) refused the connection`),
		);
		assert.doesNotMatch(fail.reason, new RegExp(`port ${open}`));
		assert.match(fail.next ?? '', /restart/);
	});

	test('a clients port WARNs with no client connected and PASSes with one', async () => {
		const c = fresh();
		c.ports = [{port: open, name: 'bridge', clients: true}];
		const lonely = await checkNetwork(c);
		assert.equal(lonely.status, 'WARN');
		assert.match(lonely.reason, /port \d+ \(bridge\) has no connected clients/);

		const client = net.createConnection({host: '127.0.0.1', port: open});
		await new Promise((resolve) => client.once('connect', resolve));
		try {
			const connected = await checkNetwork(c);
			assert.equal(connected.status, 'PASS', connected.reason);
		} finally {
			client.destroy();
		}
	});
});

describe('MCP functionality', () => {
	test('tools/list and get_server_status answered: PASS; the token is sent', async () => {
		const c = fresh();
		const mcp = await startFakeMcp();
		try {
			c.endpoint.url = mcp.url;
			const r = await checkMcp(c, 's3cret-token');
			assert.equal(r.status, 'PASS', r.reason);
			assert.match(
				r.reason,
				/2 tools listed; get_server_status answered in \d+ ms \(WebSocket, 2025-06-18\)/,
			);
			assert.ok(mcp.methods.includes('tools/list'));
			assert.ok(mcp.methods.includes('tools/call'));
			assert.deepEqual(mcp.authorizations, ['Bearer s3cret-token']);
		} finally {
			await mcp.close();
		}
	});

	test('no tools, or a failing status tool: FAIL; no status tool: WARN', async () => {
		const c = fresh();
		const none = await startFakeMcp({tools: []});
		const broken = await startFakeMcp({statusError: true, statusText: 'database locked'});
		const other = await startFakeMcp({tools: ['echo']});
		try {
			c.endpoint.url = none.url;
			const r1 = await checkMcp(c, null);
			assert.equal(r1.status, 'FAIL');
			assert.match(r1.reason, /tools\/list returned no tools/);
			c.endpoint.url = broken.url;
			const r2 = await checkMcp(c, null);
			assert.equal(r2.status, 'FAIL');
			assert.match(
				r2.reason,
				/get_server_status failed \(WebSocket, 2025-06-18\): .*database locked/,
			);
			c.endpoint.url = other.url;
			const r3 = await checkMcp(c, null);
			assert.equal(r3.status, 'WARN');
			assert.match(r3.reason, /1 tools listed \(WebSocket, 2025-06-18\), but no get_server_status/);
		} finally {
			await Promise.all([none.close(), broken.close(), other.close()]);
		}
	});

	test('nothing listening: FAIL', async () => {
		const c = fresh();
		c.endpoint.url = `ws://127.0.0.1:${await freePort()}`;
		c.endpoint.timeoutMs = 2000;
		const r = await checkMcp(c, null);
		assert.equal(r.status, 'FAIL');
		assert.match(
			r.reason,
			/cannot open an MCP session at ws:\/\/127\.0\.0\.1:\d+: connection refused/,
		);
	});

	test('http endpoints: 2xx is WARN with the tools check skipped; 503 is FAIL', async () => {
		const c = fresh();
		const up = await startHttp(200);
		const down = await startHttp(503);
		try {
			c.endpoint.url = up.url;
			const r1 = await checkMcp(c, null);
			assert.equal(r1.status, 'WARN');
			assert.match(
				r1.reason,
				/HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/health; tools\/list .*skipped/,
			);
			assert.match(r1.reason, /Inspector proxy/);
			assert.match(r1.next!, /MCP_PROXY_AUTH_TOKEN/);
			c.endpoint.url = down.url;
			const r2 = await checkMcp(c, null);
			assert.equal(r2.status, 'FAIL');
			assert.match(r2.reason, /HTTP 503/);
		} finally {
			await Promise.all([up.close(), down.close()]);
		}
	});
});

describe('file integrity', () => {
	function project(c: Config): void {
		c.project.files = ['server.py', 'sub/.env', 'requirements.txt'];
		fs.writeFileSync(box.file('server.py'), 'print(1)\n');
		fs.mkdirSync(box.file('sub'));
		fs.writeFileSync(box.file('sub/.env'), 'A=1\n', {mode: 0o600});
		fs.writeFileSync(box.file('requirements.txt'), 'fastmcp\n');
	}

	test('no backup yet: WARN telling to press b', async () => {
		const c = fresh();
		project(c);
		const r = await checkFiles(c);
		assert.equal(r.status, 'WARN');
		assert.match(r.reason, /all 3 files present and non-empty; no backup yet; press b/);
	});

	test('a file changed since the latest backup: WARN naming it', async () => {
		const c = fresh();
		project(c);
		const backup = await runBackup(
			{projectDir: c.project.dir, files: c.project.files, backupDir: c.backup.dir, keep: 5},
			() => {},
		);
		assert.equal(backup.ok, true, backup.summary);
		const same = await checkFiles(c);
		assert.equal(same.status, 'PASS', same.reason);
		assert.match(same.reason, /unchanged since backup/);

		fs.writeFileSync(box.file('sub/.env'), 'A=2\n');
		const r = await checkFiles(c);
		assert.equal(r.status, 'WARN');
		assert.match(r.reason, /changed since backup [\d-]+ \(.*\): sub\/\.env$/);
		assert.match(r.next ?? '', /press b/);
	});

	test('missing or empty files: FAIL naming them', async () => {
		const c = fresh();
		project(c);
		fs.rmSync(box.file('server.py'));
		fs.writeFileSync(box.file('requirements.txt'), '');
		const r = await checkFiles(c);
		assert.equal(r.status, 'FAIL');
		assert.match(r.reason, /missing: server\.py, empty: requirements\.txt/);
	});
});

describe('runValidation', () => {
	test('five checks, the worst as verdict, the report saved without the token', async () => {
		const c = fresh();
		const token = 'tok-"secret"-123';
		// A server careless enough to echo the token: it must still not reach the report.
		const mcp = await startFakeMcp({statusText: `running, auth ${token}`});
		try {
			c.endpoint.url = mcp.url;
			c.ports = [{port: mcp.port, name: 'mcp'}];
			c.project.python = 'python3';
			c.project.packages = ['json', 'mcptop_no_such_package_x2'];
			c.project.files = ['server.py'];
			fs.writeFileSync(box.file('server.py'), 'print(1)\n');
			const steps: ActionStep[] = [];
			const result = await runValidation(c, (s) => steps.push(s), {token});
			const data: ValidationReport = result.data;

			assert.deepEqual(
				data.checks.map((ch) => ch.name),
				[
					'System resources',
					'Python environment',
					'Network services',
					'MCP functionality',
					'File integrity',
				],
			);
			const byName = new Map(data.checks.map((ch) => [ch.name, ch]));
			assert.equal(byName.get('Python environment')?.status, 'FAIL');
			assert.equal(byName.get('Network services')?.status, 'PASS');
			assert.equal(byName.get('MCP functionality')?.status, 'PASS');
			assert.equal(byName.get('File integrity')?.status, 'WARN');
			assert.equal(data.verdict, 'FAIL');
			assert.equal(result.ok, false);
			assert.match(result.summary, /^validation FAIL: .*1 FAIL .*mcptop_no_such_package_x2/);
			assert.match(result.next ?? '', /pip install/);
			for (const ch of data.checks)
				assert.ok(ch.status === 'PASS' || ch.next, `${ch.name} has a next step`);
			for (const id of ['system', 'python', 'network', 'mcp', 'files', 'report'])
				assert.ok(
					steps.some((s) => s.id === id && s.status !== 'running'),
					`step ${id} finished`,
				);

			assert.ok(data.reportPath);
			assert.equal(path.dirname(data.reportPath), path.join(c.stateDir, 'reports'));
			assert.match(
				path.basename(data.reportPath),
				/^validation-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/,
			);
			assert.equal(fs.statSync(path.dirname(data.reportPath)).mode & 0o777, 0o700);
			assert.equal(fs.statSync(data.reportPath).mode & 0o777, 0o600);
			const text = fs.readFileSync(data.reportPath, 'utf8');
			const saved = JSON.parse(text) as ValidationReport;
			assert.equal(saved.verdict, 'FAIL');
			assert.equal(saved.reportPath, data.reportPath);
			assert.equal(saved.checks.length, 5);
			assert.ok(!text.includes('secret'), 'token not in the report');
			assert.ok(!JSON.stringify(result).includes('secret'), 'token not in the result');
			assert.match(text, /running, auth \[token\]/);

			// Each run keeps its own report.
			const second = await runValidation(c, () => {}, {token});
			assert.notEqual(second.data.reportPath, data.reportPath);
			assert.ok(fs.existsSync(data.reportPath));
		} finally {
			await mcp.close();
		}
	});
});
