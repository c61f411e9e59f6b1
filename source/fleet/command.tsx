import process from 'node:process';
import React from 'react';
import {render} from 'ink';
import {safeJson, sanitizeText} from '../lib/sanitize.js';
import type {Config} from '../types.js';
import {FleetApp} from './FleetApp.js';
import {FleetPoller} from './poller.js';
import {PrometheusClient} from './prometheus.js';
import {fleetExitCode, readFleet} from './rows.js';

/**
 * `mcptop fleet`: every build machine from Prometheus. --once prints the rows (JSON with --json, a
 * table line each without) and exits 0 when every machine is OK, 1 otherwise, 2 without a URL.
 */
export async function runFleet(
	config: Config,
	opts: {once: boolean; json: boolean},
): Promise<number> {
	if (config.fleet.prometheus === '') {
		process.stderr.write(
			'mcptop: fleet: no Prometheus to read: pass --prometheus URL or set fleet.prometheus\n',
		);
		return 2;
	}
	const client = new PrometheusClient(config.fleet.prometheus, config.fleet.timeoutMs);
	const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true;
	if (opts.once || opts.json || !interactive) {
		const data = await readFleet(client, config.fleet.match);
		for (const error of data.errors)
			process.stderr.write(`mcptop: fleet: ${sanitizeText(error)}\n`);
		if (opts.json) {
			process.stdout.write(
				safeJson({prometheus: client.url, time: data.time, rows: data.rows, errors: data.errors}) +
					'\n',
			);
		} else {
			for (const r of data.rows) {
				const p95 = r.latencyP95Ms === null ? '-' : `${r.latencyP95Ms}ms`;
				const loss = r.lossPercent === null ? '-' : `${r.lossPercent}%`;
				const rss = r.rssMb === null ? '-' : `${r.rssMb}MB`;
				const a = r.alertsLastHour;
				process.stdout.write(
					`${sanitizeText(`${r.health.padEnd(7)} ${r.host} (${r.instance})  p95 ${p95}  loss ${loss}  rss ${rss}  alerts/1h ${a.critical}C ${a.error}E ${a.warning}W`)}\n`,
				);
			}
		}
		return fleetExitCode(data);
	}
	const poller = new FleetPoller(client, config.fleet.match, config.fleet.refreshMs);
	poller.start();
	process.stdout.write('\u001B[?1049h');
	let left = false;
	const leave = () => {
		if (left) return;
		left = true;
		process.stdout.write('\u001B[?1049l\u001B[?25h');
	};
	process.on('exit', leave);
	const app = render(
		<FleetApp
			poller={poller}
			prometheus={client.url}
			color={config.color}
			onQuit={() => app.unmount()}
		/>,
		{exitOnCtrlC: false, patchConsole: false, maxFps: 20},
	);
	await app.waitUntilExit();
	poller.stop();
	leave();
	return 0;
}
