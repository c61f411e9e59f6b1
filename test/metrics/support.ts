// Real `mcptop serve` processes and a real Prometheus for the metrics and fleet tests. Every process
// is started here, stopped by its PID, and every wait is bounded.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {cliArgs} from '../helpers/pty.js';
import {tempDir} from '../helpers/cli.js';

export const prometheusBin = '/usr/bin/prometheus';
export const promtoolBin = '/usr/bin/promtool';

/** Why the real Prometheus cannot run here, or null (`.ci/run` installs Debian's package). */
export function prometheusMissing(): string | null {
	for (const bin of [prometheusBin, promtoolBin])
		if (!fs.existsSync(bin)) return `${bin} is not installed (apt-get install prometheus)`;
	return null;
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
	await exited;
	clearTimeout(timer);
}

export type Serve = {
	pid: number;
	/** http://127.0.0.1:PORT */
	origin: string;
	/** 127.0.0.1:PORT, as Prometheus' targets list it. */
	target: string;
	stateDir: string;
	stderr(): string;
	stop(): Promise<void>;
};

/** The CLI from source as `mcptop serve --metrics-listen 127.0.0.1:0 …`; resolves once it listens. */
export async function startServe(
	args: string[],
	opts: {env?: Record<string, string>; timeoutMs?: number} = {},
): Promise<Serve> {
	const stateDir = tempDir('mcptop-serve-state-');
	const child = spawn(
		process.execPath,
		[...cliArgs, 'serve', '--metrics-listen', '127.0.0.1:0', '--state-dir', stateDir, ...args],
		{
			cwd: tempDir(),
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, XDG_CONFIG_HOME: tempDir(), ...opts.env},
		},
	);
	let stderr = '';
	child.stdout.resume();
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`mcptop serve did not listen in time: ${stderr}`)),
			opts.timeoutMs ?? 30_000,
		);
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
			if (m) {
				clearTimeout(timer);
				resolve(Number(m[1]));
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`mcptop serve exited with ${code}: ${stderr}`));
		});
	}).catch(async (error: unknown) => {
		await stopChild(child);
		throw error;
	});
	return {
		pid: child.pid!,
		origin: `http://127.0.0.1:${port}`,
		target: `127.0.0.1:${port}`,
		stateDir,
		stderr: () => stderr,
		stop: () => stopChild(child),
	};
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export type RunningPrometheus = {
	url: string;
	pid: number;
	/** An instant query's vector, as [labels, value] pairs. */
	query(promql: string): Promise<Array<{metric: Record<string, string>; value: number}>>;
	/** Polls `promql` until `ok` holds (bounded), returns the last answer. */
	waitFor(
		promql: string,
		ok: (result: Array<{metric: Record<string, string>; value: number}>) => boolean,
		timeoutMs?: number,
	): Promise<Array<{metric: Record<string, string>; value: number}>>;
	stop(): Promise<void>;
};

/** /usr/bin/prometheus on 127.0.0.1 with a temp config and storage, scraping `targets` every second. */
export async function startPrometheus(
	targets: string[],
	extra: {rules?: string} = {},
): Promise<RunningPrometheus> {
	const dir = tempDir('mcptop-prometheus-');
	const port = await freePort();
	const config = [
		'global:',
		'  scrape_interval: 1s',
		'  evaluation_interval: 1s',
		...(extra.rules ? ['rule_files:', `  - ${JSON.stringify(extra.rules)}`] : []),
		'scrape_configs:',
		'  - job_name: mcptop',
		'    static_configs:',
		`      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
		'',
	].join('\n');
	const configFile = path.join(dir, 'prometheus.yml');
	fs.writeFileSync(configFile, config);
	const check = spawnSync(promtoolBin, ['check', 'config', configFile], {encoding: 'utf8'});
	if (check.status !== 0) throw new Error(`promtool check config: ${check.stdout}${check.stderr}`);
	const child = spawn(
		prometheusBin,
		[
			`--config.file=${configFile}`,
			`--storage.tsdb.path=${path.join(dir, 'data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--storage.tsdb.retention.time=1h',
			'--log.level=warn',
		],
		{cwd: dir, stdio: ['ignore', 'ignore', 'pipe']},
	);
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
	const url = `http://127.0.0.1:${port}`;
	const query = async (promql: string) => {
		const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
			signal: AbortSignal.timeout(5000),
		});
		const body = (await response.json()) as {
			status: string;
			error?: string;
			data?: {result: Array<{metric: Record<string, string>; value: [number, string]}>};
		};
		if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? body.status}`);
		return (body.data?.result ?? []).map((r) => ({metric: r.metric, value: Number(r.value[1])}));
	};
	const running: RunningPrometheus = {
		url,
		pid: child.pid!,
		query,
		waitFor: async (promql, ok, timeoutMs = 30_000) => {
			const deadline = Date.now() + timeoutMs;
			let last: Awaited<ReturnType<typeof query>> = [];
			for (let i = 0; i < 600 && Date.now() < deadline; i++) {
				try {
					last = await query(promql);
					if (ok(last)) return last;
				} catch {
					// Not ready yet.
				}
				await sleep(250);
			}
			throw new Error(
				`Prometheus: ${promql} never held; last ${JSON.stringify(last)}; stderr: ${stderr}`,
			);
		},
		stop: () => stopChild(child),
	};
	try {
		await running.waitFor('vector(1)', (r) => r.length === 1, 30_000);
	} catch (error) {
		await running.stop();
		throw error;
	}
	return running;
}

/** A line of the server fixture's command line only it has: what --match is given. */
export function commandMatch(pid: number): string {
	const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
	const script = path.basename(argv.find((a) => a.endsWith('.mjs')) ?? argv.at(-1) ?? '');
	return script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const examples = path.join(
	path.dirname(fileURLToPath(import.meta.url)),
	'..',
	'..',
	'examples',
);

/** Every PromQL expression of the Grafana dashboard. */
export function dashboardExpressions(): string[] {
	const dashboard = JSON.parse(
		fs.readFileSync(path.join(examples, 'grafana-dashboard.json'), 'utf8'),
	) as {panels: Array<{targets: Array<{expr: string}>}>};
	return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
}
