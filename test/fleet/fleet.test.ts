import assert from 'node:assert/strict';
import net from 'node:net';
import {after, before, describe, it} from 'node:test';
import type {FleetRow} from '../../source/fleet/rows.js';
import {removeTempDirs, runCli} from '../helpers/cli.js';
import {TerminalSession} from '../helpers/pty.js';
import {startMcpServer, stopAllMcpServers, type RunningServer} from '../helpers/mcp-servers.js';
import {
	commandMatch,
	dashboardExpressions,
	prometheusMissing,
	startPrometheus,
	startServe,
	type RunningPrometheus,
	type Serve,
} from '../metrics/support.js';

/** A port nothing listens on: a build machine whose mcptop is gone. */
function closedPort(): Promise<number> {
	return new Promise((resolve) => {
		const s = net.createServer().listen(0, '127.0.0.1', () => {
			const {port} = s.address() as net.AddressInfo;
			s.close(() => resolve(port));
		});
	});
}

describe(
	'a real Prometheus scraping three mcptop serve, and the fleet view',
	{skip: prometheusMissing() ?? false},
	() => {
		const servers: RunningServer[] = [];
		const serves: Serve[] = [];
		let prometheus: RunningPrometheus;
		let gone: string;

		before(async () => {
			for (let i = 0; i < 2; i++) servers.push(await startMcpServer('modern'));
			for (const server of servers) {
				serves.push(
					await startServe([
						'--endpoint',
						server.url,
						'--port',
						`${server.port}:mcp`,
						'--match',
						commandMatch(server.pid),
						'--log',
						'/nonexistent/mcptop-fleet-test.log',
					]),
				);
			}
			// The unhealthy machine: its server is not running (closed endpoint, no process).
			const closed = await closedPort();
			serves.push(
				await startServe([
					'--endpoint',
					`http://127.0.0.1:${closed}/mcp`,
					'--port',
					`${closed}:mcp`,
					'--match',
					'no-such-server-anywhere-mcptop-test',
				]),
			);
			gone = `127.0.0.1:${await closedPort()}`;
			prometheus = await startPrometheus([...serves.map((s) => s.target), gone]);
		});

		after(async () => {
			await prometheus?.stop();
			await Promise.all(serves.map((s) => s.stop()));
			await stopAllMcpServers();
			removeTempDirs();
		});

		it('scrapes every serve (OpenMetrics, as Prometheus asks) and answers PromQL for probe_success', async () => {
			const up = await prometheus.waitFor('up{job="mcptop"} == 1', (r) => r.length === 3);
			assert.deepEqual(
				up.map((r) => r.metric['instance']).sort(),
				serves.map((s) => s.target).sort(),
			);
			const success = await prometheus.waitFor(
				'probe_success{job="mcptop"}',
				(r) => r.length === 3 && r.filter((x) => x.value === 1).length === 2,
			);
			const failing = success.find((r) => r.value === 0);
			assert.equal(failing?.metric['instance'], serves[2]?.target);
			await prometheus.waitFor(`up{instance="${gone}"} == 0`, (r) => r.length === 1);
		});

		it('aggregates the latency histogram across machines (the OpenTelemetry buckets are the same everywhere)', async () => {
			const p95 = await prometheus.waitFor(
				'histogram_quantile(0.95, sum by (le) (rate(mcptop_mcp_request_duration_seconds_bucket{job="mcptop"}[1m])))',
				(r) => r.length === 1 && Number.isFinite(r[0]?.value) && (r[0]?.value ?? 0) > 0,
			);
			// A local server answers far below the top bucket.
			assert.ok((p95[0]?.value ?? Infinity) < 300);
			const perMachine = await prometheus.query(
				'sum by (instance) (mcptop_mcp_request_duration_seconds_count{job="mcptop"}) > 0',
			);
			assert.equal(perMachine.length, 2);
		});

		it('runs every Grafana dashboard expression without a PromQL error', async () => {
			for (const expr of dashboardExpressions())
				await prometheus.query(expr.replaceAll('$instance', '.+'));
		});

		it('mcptop fleet --once --json: one row per machine, the unhealthy and the unreachable first', async () => {
			await prometheus.waitFor('count(mcptop_health{job="mcptop"} == 1)', (r) => r[0]?.value === 3);
			// The p95 needs two scrapes of the histogram.
			await prometheus.waitFor(
				'count(histogram_quantile(0.95, sum by (instance, le) (rate(mcptop_mcp_request_duration_seconds_bucket{job="mcptop"}[5m]))) > 0)',
				(r) => r[0]?.value === 2,
			);
			const r = await runCli(['fleet', '--prometheus', prometheus.url, '--once', '--json'], {
				timeoutMs: 30_000,
			});
			assert.equal(r.status, 1, `not every machine is OK: exit 1\n${r.stderr}`);
			const out = JSON.parse(r.stdout) as {rows: FleetRow[]; errors: string[]};
			assert.deepEqual(out.errors, []);
			assert.equal(out.rows.length, 4);
			const byInstance = new Map(out.rows.map((row) => [row.instance, row]));
			assert.equal(byInstance.get(gone)?.health, 'DOWN');
			const sick = byInstance.get(serves[2]?.target ?? '');
			assert.equal(sick?.health, 'FAIL');
			assert.equal(sick?.endpointUp, false);
			assert.equal(sick?.lossPercent, 100);
			assert.deepEqual(
				out.rows.slice(0, 2).map((row) => row.health),
				['DOWN', 'FAIL'],
				'worst first',
			);
			for (const serve of serves.slice(0, 2)) {
				const row = byInstance.get(serve.target);
				assert.ok(row, serve.target);
				assert.notEqual(row.health, 'FAIL', JSON.stringify(row));
				assert.equal(row.endpointUp, true);
				assert.ok(row.latencyP95Ms !== null && row.latencyP95Ms > 0, JSON.stringify(row));
				assert.ok(row.rssMb !== null && row.rssMb > 1, JSON.stringify(row));
				assert.ok(row.lastRestart !== null && row.lastRestart < Date.now(), JSON.stringify(row));
				assert.ok(row.host.length > 0);
			}
		});

		it('the fleet screen in a terminal: rows, sort, filter, Enter for the detail, Esc, q', async () => {
			const session = new TerminalSession(['fleet', '--prometheus', prometheus.url], {
				cols: 120,
				rows: 24,
			});
			try {
				let screen = await session.waitFor(/4\/4 machines · \d not OK/);
				const sick = serves[2]?.target ?? '';
				const lines = screen.split('\n');
				const firstRow = lines.findIndex((l) => /^(DOWN|FAIL|WARN|OK|\?)\s/.test(l));
				assert.match(lines[firstRow] ?? '', /^DOWN /, screen);
				assert.match(lines[firstRow + 1] ?? '', /^FAIL /, screen);
				session.press('/');
				session.press(sick.split(':')[1] ?? '');
				screen = await session.waitFor(/1\/4 machines/);
				session.press('\r');
				session.press('\r');
				screen = await session.waitFor(/mcptop_endpoint_probes_total\{result="failure"\} [1-9]/);
				assert.match(screen, /health FAIL\s+endpoint DOWN\s+p95 —\s+loss 100%/);
				assert.match(screen, /mcptop_health\{state="FAIL"\} 1/);
				assert.match(screen, /mcptop_last_update_timestamp_seconds \d{10}\n/);
				session.press('\u001B');
				await session.waitFor((s) => !/mcptop_health/.test(s) && /1\/4 machines/.test(s));
				session.press('q');
				assert.equal(await session.exit(), 0);
			} finally {
				session.kill();
			}
		});

		it('mcptop fleet --once prints a line per machine; a URL that is not Prometheus is a FAIL line, exit 1', async () => {
			const text = await runCli(['fleet', '--prometheus', prometheus.url, '--once'], {
				timeoutMs: 30_000,
			});
			const lines = text.stdout.trim().split('\n');
			assert.equal(lines.length, 4, text.stdout);
			assert.match(lines[0] ?? '', /^DOWN /);
			const wrong = await runCli(
				['fleet', '--prometheus', serves[0]?.origin ?? '', '--once', '--json'],
				{
					timeoutMs: 30_000,
				},
			);
			assert.equal(wrong.status, 1);
			assert.match(wrong.stderr, /is it Prometheus\?/);
		});
	},
);
