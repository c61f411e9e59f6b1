import {plural} from '../lib/format.js';
import {formatBytes, listBackups, runBackup} from './backup.js';
import {runConcurrencyTest} from './concurrency-test.js';
import {runDoctor, triageCheck, triageValidation} from './doctor.js';
import {triageWords} from '../monitor/triage.js';
import {runIncidentDump} from './incident-dump.js';
import {runLatencyAnalysis} from './latency-analysis.js';
import {describePlan, planRestart, runRestart, type RestartPlan} from './restart.js';
import {describeRestorePlan, planRestore, runRestore} from './restore.js';
import type {ActionDefinition, ActionKind} from './runner.js';
import {runValidation} from './validate.js';
import type {IncidentContext} from '../monitor/store.js';
import {readProxyToken} from '../config.js';
import type {Config, StepReporter} from '../types.js';

/** Validation's WARN/FAIL steps name their triage in the dialog: "[critical · connection]". */
function withTriage(report: StepReporter): StepReporter {
	return (step) => {
		if (step.status !== 'warn' && step.status !== 'fail') return report(step);
		const status = step.status === 'warn' ? 'WARN' : 'FAIL';
		const reason = (step.detail ?? '').replace(/^(WARN|FAIL): /, '');
		const t = triageCheck({name: step.label, status, reason, next: null});
		report(t ? {...step, detail: `${step.detail ?? ''} [${triageWords(t)}]`} : step);
	};
}

/** The screen's actions: the same functions the subcommands run, wrapped for the dialog. */
export function actionDefinitions(
	config: Config,
	token: string | null,
	monitor: {incidentContext(): IncidentContext},
): Partial<Record<ActionKind, ActionDefinition>> {
	const backupCfg = {
		projectDir: config.project.dir,
		files: config.project.files,
		backupDir: config.backup.dir,
		keep: config.backup.keep,
	};
	const restoreCfg = {projectDir: config.project.dir, backupDir: config.backup.dir};
	return {
		restart: {
			title: 'Restart server',
			destructive: true,
			writes: true,
			plan: async () => {
				const plan = await planRestart(config);
				return {lines: describePlan(plan), problems: plan.problems, context: plan};
			},
			run: async (context, report, signal) =>
				runRestart(config, context as RestartPlan, report, {signal}),
		},
		backup: {
			title: 'Backup',
			destructive: false,
			writes: true,
			run: async (_context, report) => runBackup(backupCfg, report),
		},
		restore: {
			title: 'Restore backup',
			destructive: true,
			writes: true,
			choices: async () =>
				(await listBackups(config.backup.dir)).map((b) => ({
					id: b.id,
					label: `${b.id}  ${new Date(b.createdAt).toLocaleString()}  ${plural(b.fileCount, 'file')}  ${formatBytes(b.bytes)}${b.valid ? '' : `  INVALID: ${b.problem ?? ''}`}`,
				})),
			plan: async (id) => {
				const plan = await planRestore(restoreCfg, id ?? '');
				const lines = [
					`restore backup ${plan.id} into ${config.project.dir} (every checksum verified: OK)`,
					...describeRestorePlan(plan, config.project.dir),
				];
				return {lines, problems: plan.problems, context: plan.id};
			},
			run: async (context, report) => runRestore(restoreCfg, context as string, report),
		},
		validate: {
			title: 'Validation',
			destructive: false,
			writes: false,
			run: async (_context, report) =>
				triageValidation(await runValidation(config, withTriage(report), {token})),
		},
		doctor: {
			title: 'Doctor',
			destructive: false,
			writes: false,
			run: async (_context, report) =>
				runDoctor(config, report, {ports: monitor.incidentContext().snapshot.ports}),
		},
		dump: {
			title: 'Incident dump',
			destructive: false,
			writes: true,
			run: async (_context, report) =>
				runIncidentDump(config.stateDir, monitor.incidentContext(), report),
		},
		latency: {
			title: 'Latency analysis',
			destructive: false,
			writes: false,
			run: async (_context, report, signal) =>
				runLatencyAnalysis(
					{
						url: config.endpoint.url,
						transport: config.endpoint.transport,
						token,
						proxyToken: readProxyToken(config),
						timeoutMs: config.endpoint.timeoutMs,
						tools: config.analysis.tools,
						iterations: config.analysis.iterations,
						signal,
					},
					report,
				),
		},
		concurrency: {
			title: 'Concurrency test',
			destructive: false,
			writes: false,
			run: async (_context, report, signal) =>
				runConcurrencyTest(
					{
						url: config.endpoint.url,
						transport: config.endpoint.transport,
						token,
						proxyToken: readProxyToken(config),
						timeoutMs: config.endpoint.timeoutMs,
						workers: config.analysis.workers,
						requests: config.analysis.requests,
						signal,
					},
					report,
				),
		},
	};
}
