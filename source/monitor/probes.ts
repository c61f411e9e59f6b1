import path from 'node:path';
import {linearRegExp} from '../lib/safe-regex.js';
import {EndpointProbe} from '../probes/endpoint.js';
import {LogGlob, isLogPattern} from '../probes/log-glob.js';
import {LogTail} from '../probes/log-tail.js';
import {PortProbe} from '../probes/ports.js';
import {ProcessProbe} from '../probes/processes.js';
import {SystemProbe} from '../probes/system.js';
import {readProxyToken} from '../config.js';
import type {Config} from '../types.js';
import {AlertFeed} from '../logs/live-feed.js';
import {compileRules} from './alert-rules.js';
import type {LogBatch, MonitorProbes} from './store.js';

/** The real probes for a config; log batches go to `ingest` (the store). */
export function createProbes(
	config: Config,
	token: string | null,
	ingest: (batch: LogBatch) => void,
): MonitorProbes {
	const classifier = compileRules(config.alerts.rules, {
		patternFirst: config.alerts.patternFirst,
	});
	return {
		ports: new PortProbe({ports: config.ports}),
		processes: new ProcessProbe({match: linearRegExp(config.process.match)}),
		system: new SystemProbe({diskPath: path.resolve(config.project.dir)}),
		endpoint: new EndpointProbe({
			url: config.endpoint.url,
			transport: config.endpoint.transport,
			timeoutMs: config.endpoint.timeoutMs,
			token,
			proxyToken: readProxyToken(config),
		}),
		logs: config.logs.map((file) => {
			// Tracebacks grouped with their ERROR line, context kept (source/logs/live-feed.ts).
			const feed = new AlertFeed({
				source: path.basename(file),
				classifier,
				contextLines: config.alerts.contextLines,
				ingest,
			});
			const options = {
				classifier: feed.classifier,
				backlogLines: config.logBacklogLines,
				onBatch: feed.onBatch,
			};
			return feed.around(
				isLogPattern(file)
					? new LogGlob({pattern: file, ...options})
					: new LogTail({path: file, ...options}),
			);
		}),
	};
}
