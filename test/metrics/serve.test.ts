import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {cliArgs} from '../helpers/pty.js';
import {startMcpServer, stopAllMcpServers, type RunningServer} from '../helpers/mcp-servers.js';
import {commandMatch, promtoolBin, startServe, type Serve} from './support.js';

const scrapeAccept =
	'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function series(text: string, name: string): number | null {
	const line = text.split('\n').find((l) => l.startsWith(`${name} `));
	return line === undefined ? null : Number(line.slice(name.length + 1));
}

function promtool(text: string) {
	const r = spawnSync(promtoolBin, ['check', 'metrics'], {input: text, encoding: 'utf8'});
	return {status: r.status, out: r.stdout + r.stderr};
}

async function get(url: string, headers: Record<string, string> = {}) {
	const response = await fetch(url, {headers, signal: AbortSignal.timeout(5000)});
	return {
		status: response.status,
		type: response.headers.get('content-type') ?? '',
		body: await response.text(),
	};
}

/** Scrapes until `ok` holds, bounded. */
async function scrapeUntil(serve: Serve, ok: (text: string) => boolean): Promise<string> {
	let text = '';
	for (let i = 0; i < 120; i++) {
		text = (await get(`${serve.origin}/metrics`)).body;
		if (ok(text)) return text;
		await sleep(250);
	}
	throw new Error(`never held; last scrape:\n${text}\nstderr: ${serve.stderr()}`);
}

describe('mcptop serve', () => {
	let server: RunningServer;
	let serve: Serve;
	let log: string;
	before(async () => {
		server = await startMcpServer('modern');
		log = path.join(tempDir(), 'server.log');
		fs.writeFileSync(log, '');
		const config = path.join(tempDir(), 'mcptop.config.json');
		// The shortest report period allowed, so one report arrives while the suite runs.
		fs.writeFileSync(config, JSON.stringify({reports: {everyMs: 10_000}}));
		serve = await startServe([
			'--config',
			config,
			'--endpoint',
			server.url,
			'--port',
			`${server.port}:mcp`,
			'--match',
			commandMatch(server.pid),
			'--log',
			log,
			'--interval',
			'500ms',
		]);
	});
	after(async () => {
		await serve?.stop();
		await stopAllMcpServers();
		removeTempDirs();
	});

	it('serves 0.0.4 text that promtool accepts, with the probe and the latency histogram', async () => {
		const text = await scrapeUntil(
			serve,
			(t) => (series(t, 'mcptop_mcp_request_duration_seconds_count') ?? 0) >= 3,
		);
		assert.equal(series(text, 'probe_success'), 1);
		assert.equal(series(text, `mcptop_port_listening{port="${server.port}",name="mcp"}`), 1);
		assert.equal(series(text, 'mcptop_processes'), 1);
		// One observation per successful probe, no more.
		assert.equal(
			series(text, 'mcptop_mcp_request_duration_seconds_count'),
			series(text, 'mcptop_endpoint_probes_total{result="success"}'),
		);
		const check = promtool(text);
		assert.equal(check.status, 0, check.out);
	});

	it('answers OpenMetrics to the Accept header Prometheus sends', async () => {
		const r = await get(`${serve.origin}/metrics`, {Accept: scrapeAccept});
		assert.equal(r.status, 200);
		assert.match(r.type, /^application\/openmetrics-text; version=1\.0\.0/);
		assert.ok(r.body.endsWith('# EOF\n'));
		const plain = await get(`${serve.origin}/metrics`);
		assert.match(plain.type, /^text\/plain; version=0\.0\.4/);
	});

	it('counts log alerts by severity as they are appended', async () => {
		fs.appendFileSync(
			log,
			'2026-11-24 10:00:00,123 - ERROR - boom\n2026-11-24 10:00:01,123 - WARNING - slow\n2026-11-24 10:00:02,123 - ERROR - again\n',
		);
		const text = await scrapeUntil(
			serve,
			(t) => series(t, 'mcptop_alerts_total{severity="error"}') === 2,
		);
		assert.equal(series(text, 'mcptop_alerts_total{severity="warning"}'), 1);
		assert.equal(series(text, 'mcptop_log_lines_total'), 3);
		assert.ok(!text.includes('boom'), 'no log text in a label');
	});

	it('scrapes back to back never hold the ticks back: the snapshot time keeps moving', async () => {
		const seen = new Set<number>();
		let scrapes = 0;
		const until = Date.now() + 4000;
		await Promise.all(
			Array.from({length: 8}, async () => {
				for (let i = 0; i < 500 && Date.now() < until; i++) {
					const text = (await get(`${serve.origin}/metrics`)).body;
					scrapes++;
					const t = series(text, 'mcptop_last_update_timestamp_seconds');
					if (t !== null) seen.add(t);
				}
			}),
		);
		// 4 s at a 500 ms interval is about 8 snapshots; scrapes must not have stopped them.
		assert.ok(seen.size >= 4, `${seen.size} snapshots seen in ${scrapes} scrapes`);
		assert.ok(scrapes > seen.size * 2, 'several scrapes per snapshot, served from the cache');
	});

	it('writes a health report to <state-dir>/reports every reports.everyMs', async () => {
		const dir = path.join(serve.stateDir, 'reports');
		let files: string[] = [];
		for (let i = 0; i < 120 && files.length === 0; i++) {
			await sleep(250);
			files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
		}
		assert.equal(files.length, 1, serve.stderr());
		const report = JSON.parse(fs.readFileSync(path.join(dir, files[0] ?? ''), 'utf8')) as {
			kind: string;
			period: {snapshots: number};
			latency: {probes: number; p95Ms: number | null};
			services: {ports: Array<{port: number; listeningPercent: number}>};
		};
		assert.equal(report.kind, 'mcptop-health-report');
		assert.ok(report.period.snapshots >= 5);
		assert.ok(report.latency.probes >= 5 && report.latency.p95Ms !== null);
		assert.deepEqual(
			report.services.ports.map((p) => [p.port, p.listeningPercent]),
			[[server.port, 100]],
		);
	});

	it('/healthz answers for the collector; other paths 404; POST 405', async () => {
		const health = await get(`${serve.origin}/healthz`);
		assert.equal(health.status, 200);
		assert.equal((JSON.parse(health.body) as {status: string}).status, 'ok');
		assert.equal((await get(`${serve.origin}/nope`)).status, 404);
		const post = await fetch(`${serve.origin}/metrics`, {
			method: 'POST',
			signal: AbortSignal.timeout(5000),
		});
		assert.equal(post.status, 405);
	});
});

describe('mcptop serve with a token, and the one-shot outputs', () => {
	after(async () => {
		await stopAllMcpServers();
		removeTempDirs();
	});

	it('requires the bearer token from MCPTOP_METRICS_TOKEN on /metrics, never printing it', async () => {
		const secret = 's3cret-metrics-token';
		const serve = await startServe(['--endpoint', 'http://127.0.0.1:1/mcp', '--port', '1:closed'], {
			env: {MCPTOP_METRICS_TOKEN: secret},
		});
		try {
			const none = await get(`${serve.origin}/metrics`);
			assert.equal(none.status, 401);
			assert.ok(!none.body.includes('mcptop_up'));
			assert.equal(
				(await get(`${serve.origin}/metrics`, {Authorization: 'Bearer wrong'})).status,
				401,
			);
			const ok = await get(`${serve.origin}/metrics`, {Authorization: `Bearer ${secret}`});
			assert.equal(ok.status, 200);
			assert.match(ok.body, /^mcptop_up /m);
			assert.equal((await get(`${serve.origin}/healthz`)).status !== 401, true);
			assert.ok(!serve.stderr().includes(secret));
			assert.ok(!ok.body.includes(secret));
		} finally {
			await serve.stop();
		}
	});

	it('--once --prom prints the same text once (promtool accepts it); exit 1 when unhealthy', async () => {
		const r = await runCli(
			[
				'--once',
				'--prom',
				'--endpoint',
				'http://127.0.0.1:1/mcp',
				'--port',
				'1:closed',
				'--state-dir',
				tempDir(),
			],
			{timeoutMs: 30_000},
		);
		assert.equal(r.status, 1, r.stderr);
		assert.equal(series(r.stdout, 'mcptop_up'), 0);
		assert.equal(series(r.stdout, 'probe_success'), 0);
		assert.equal(series(r.stdout, 'mcptop_port_listening{port="1",name="closed"}'), 0);
		const check = promtool(r.stdout);
		assert.equal(check.status, 0, check.out);
	});

	it('says what is wrong with the metrics flags in one line, exit 2', async () => {
		const cases: Array<[string[], RegExp]> = [
			[['--prom'], /^mcptop: --prom: .*--once/],
			[['serve', '--metrics-listen', '9464'], /^mcptop: --metrics-listen: "9464" is not HOST:PORT/],
			[['fleet', '--prometheus', 'ftp://x'], /^mcptop: --prometheus: .*http:\/\//],
			[['fleet'], /^mcptop: fleet: no Prometheus to read/],
		];
		for (const [args, message] of cases) {
			const r = await runCli(args, {timeoutMs: 30_000});
			assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, message);
			assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		}
		const dir = tempDir();
		fs.writeFileSync(
			path.join(dir, 'mcptop.config.json'),
			JSON.stringify({fleet: {match: 'job=x'}}),
		);
		const bad = await runCli(['fleet', '--prometheus', 'http://127.0.0.1:1'], {cwd: dir});
		assert.equal(bad.status, 2);
		assert.match(bad.stderr, /^mcptop: fleet\.match: "job=x" is not a label matcher/);
	});

	it('the monitor serves /metrics too when given --metrics-listen (here in its JSON-lines mode)', async () => {
		const port = await new Promise<number>((resolve) => {
			const probe = net.createServer().listen(0, '127.0.0.1', () => {
				const {port: p} = probe.address() as net.AddressInfo;
				probe.close(() => resolve(p));
			});
		});
		const child = spawn(
			process.execPath,
			[
				...cliArgs,
				'--metrics-listen',
				`127.0.0.1:${port}`,
				'--endpoint',
				'http://127.0.0.1:1/mcp',
				'--port',
				'1:x',
				'--state-dir',
				tempDir(),
			],
			{
				cwd: tempDir(),
				stdio: ['ignore', 'pipe', 'pipe'],
				env: {...process.env, XDG_CONFIG_HOME: tempDir()},
			},
		);
		let lines = 0;
		child.stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
		try {
			let text = '';
			// Both, in either order: the first JSON line may come a tick after the first scrape.
			for (let i = 0; i < 120 && (!/^mcptop_up /m.test(text) || lines === 0); i++) {
				await sleep(250);
				text = await get(`http://127.0.0.1:${port}/metrics`).then(
					(r) => r.body,
					() => '',
				);
			}
			assert.match(text, /^mcptop_up 0$/m);
			assert.ok(lines > 0, 'it still prints its JSON lines');
		} finally {
			const gone = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await gone;
		}
	});

	it('says so in one line when the listen address is taken, exit 2', async () => {
		const first = await startServe(['--endpoint', 'http://127.0.0.1:1/mcp', '--port', '1:closed']);
		try {
			const r = await runCli(
				[
					'serve',
					'--metrics-listen',
					first.target,
					'--endpoint',
					'http://127.0.0.1:1/mcp',
					'--port',
					'1:x',
					'--state-dir',
					tempDir(),
				],
				{timeoutMs: 30_000},
			);
			assert.equal(r.status, 2, r.stderr);
			assert.match(r.stderr, /already in use/);
		} finally {
			await first.stop();
		}
	});
});
