import readline from 'node:readline/promises';
import process from 'node:process';
import {plural} from './lib/format.js';
import {safeJson, sanitizeText} from './lib/sanitize.js';
import {formatBytes, listBackups, runBackup} from './actions/backup.js';
import {describePlan, planRestart, runRestart} from './actions/restart.js';
import {describeRestorePlan, planRestore, runRestore} from './actions/restore.js';
import {runValidation} from './actions/validate.js';
import {runLogsCommand} from './logs/logs-command.js';
import {describeDoctor, runDoctor, triageLine, triageValidation} from './actions/doctor.js';
import type {ActionResult, ActionStep, Config, StepReporter} from './types.js';

export const commandNames = [
	'validate',
	'backup',
	'restore',
	'restart',
	'logs',
	'doctor',
	'serve',
	'fleet',
];

export type CommandOptions = {
	token: string | null;
	yes: boolean;
	json: boolean;
	/** stdin and stdout are terminals: a y/N question can be asked. */
	interactive: boolean;
	/** `mcptop logs`: the time range (dates or 2h/7d ago). */
	since?: string;
	until?: string;
};

const statusWord: Record<ActionStep['status'], string> = {
	running: '...',
	ok: 'OK',
	warn: 'WARN',
	fail: 'FAIL',
	skipped: 'SKIP',
};

/** One line of output: what it carries may come from a server or a log, so nothing in it acts. */
function say(out: NodeJS.WritableStream, text: string): void {
	out.write(`${sanitizeText(text)}\n`);
}

/** Steps as lines: on stderr in --json mode so stdout stays one JSON document. */
function lineReporter(json: boolean): {report: StepReporter; steps: ActionStep[]} {
	const steps: ActionStep[] = [];
	const out = json ? process.stderr : process.stdout;
	const report: StepReporter = (step) => {
		const i = steps.findIndex((s) => s.id === step.id);
		if (i === -1) steps.push(step);
		else steps[i] = step;
		say(
			out,
			`${statusWord[step.status].padEnd(4)} ${step.label}${step.detail ? `: ${step.detail}` : ''}`,
		);
	};
	return {report, steps};
}

function finish(result: ActionResult, steps: ActionStep[], json: boolean): number {
	if (json) {
		process.stdout.write(safeJson({...result, steps}, 2) + '\n');
	} else {
		say(process.stdout, `${result.ok ? 'OK' : 'FAIL'} ${result.summary}`);
		if (result.next) say(process.stdout, `next: ${result.next}`);
	}
	return result.ok ? 0 : 1;
}

/** Destructive steps need a yes: --yes, or y at a terminal. Returns an exit code when refused. */
async function confirm(question: string, opts: CommandOptions): Promise<number | null> {
	if (opts.yes) return null;
	if (!opts.interactive) {
		process.stderr.write(
			'mcptop: refusing without confirmation: no terminal to ask y/N; pass --yes to proceed\n',
		);
		return 2;
	}
	const rl = readline.createInterface({input: process.stdin, output: process.stdout});
	try {
		const answer = await rl.question(`${sanitizeText(question)} [y/N] `);
		if (/^y(es)?$/i.test(answer.trim())) return null;
		process.stdout.write('cancelled: nothing was changed\n');
		return 1;
	} finally {
		rl.close();
	}
}

function refuseReadOnly(what: string): number {
	process.stderr.write(
		`mcptop: read-only mode: ${what} is disabled (--read-only / "readOnly": true)\n`,
	);
	return 2;
}

export async function runCommand(
	command: string,
	args: string[],
	config: Config,
	opts: CommandOptions,
): Promise<number> {
	const {report, steps} = lineReporter(opts.json);
	switch (command) {
		case 'validate': {
			const result = triageValidation(await runValidation(config, report, {token: opts.token}));
			if (!opts.json)
				for (const c of result.data.checks)
					if (c.triage) say(process.stdout, `triage ${c.name}: ${triageLine(c.triage)}`);
			return finish(result, steps, opts.json);
		}
		case 'doctor': {
			// Read-only, so it runs in --read-only mode too. Exit 1 on any FAIL.
			const result = await runDoctor(config, opts.json ? report : () => {});
			if (!opts.json)
				for (const line of describeDoctor(result.data.checks)) say(process.stdout, line);
			return finish(result, steps, opts.json);
		}
		case 'backup': {
			if (config.readOnly) return refuseReadOnly('backup');
			const result = await runBackup(
				{
					projectDir: config.project.dir,
					files: config.project.files,
					backupDir: config.backup.dir,
					keep: config.backup.keep,
				},
				report,
			);
			return finish(result, steps, opts.json);
		}
		case 'restore': {
			const id = args[0];
			const cfg = {projectDir: config.project.dir, backupDir: config.backup.dir};
			if (id === undefined) {
				const backups = await listBackups(config.backup.dir);
				if (opts.json) {
					process.stdout.write(safeJson(backups, 2) + '\n');
				} else if (backups.length === 0) {
					say(process.stdout, `no backups in ${config.backup.dir} (mcptop backup makes one)`);
				} else {
					for (const b of backups) {
						say(
							process.stdout,
							`${b.id}  ${b.createdAt}  ${plural(b.fileCount, 'file')}  ${formatBytes(b.bytes)}${b.valid ? '' : `  INVALID: ${b.problem ?? ''}`}`,
						);
					}
					process.stdout.write('restore one with: mcptop restore ID\n');
				}
				return 0;
			}
			if (config.readOnly) return refuseReadOnly('restore');
			let plan: Awaited<ReturnType<typeof planRestore>>;
			try {
				plan = await planRestore(cfg, id);
			} catch (error) {
				const message = error instanceof Error ? error.message : String(error);
				return finish(
					{ok: false, summary: `restore refused: ${message}`, data: {id}},
					steps,
					opts.json,
				);
			}
			if (plan.problems.length > 0) {
				return finish(
					{ok: false, summary: `restore refused: ${plan.problems.join('; ')}`, data: {id}},
					steps,
					opts.json,
				);
			}
			const out = opts.json ? process.stderr : process.stdout;
			for (const line of describeRestorePlan(plan, config.project.dir)) say(out, line);
			const refused = await confirm(`Restore backup ${id} into ${config.project.dir}?`, opts);
			if (refused !== null) return refused;
			return finish(await runRestore(cfg, id, report), steps, opts.json);
		}
		case 'restart': {
			if (config.readOnly) return refuseReadOnly('restart');
			const plan = await planRestart(config);
			const out = opts.json ? process.stderr : process.stdout;
			for (const line of describePlan(plan)) say(out, line);
			if (plan.problems.length > 0) {
				return finish(
					{ok: false, summary: `restart refused: ${plan.problems.join('; ')}`},
					steps,
					opts.json,
				);
			}
			const refused = await confirm('Restart the server as above?', opts);
			if (refused !== null) return refused;
			return finish(await runRestart(config, plan, report), steps, opts.json);
		}
		case 'logs':
			return runLogsCommand(args, config, {
				json: opts.json,
				...(opts.since === undefined ? {} : {since: opts.since}),
				...(opts.until === undefined ? {} : {until: opts.until}),
			});
		default:
			say(process.stderr, `mcptop: unknown command ${safeJson(command)}`);
			return 2;
	}
}
