import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cliArgs} from './pty.js';

const made: string[] = [];

/** A temp folder removed by removeTempDirs() (call it from the test file's after hook). */
export function tempDir(prefix = 'mcptop-test-'): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	made.push(dir);
	return dir;
}

export function removeTempDirs(): void {
	for (const dir of made.splice(0)) fs.rmSync(dir, {recursive: true, force: true});
}

export type CliResult = {status: number | null; stdout: string; stderr: string};

/**
 * The CLI from source with no terminal and no stdin, the way scripts and cron run it. It does not block:
 * the servers a test starts live in the test's own process.
 */
export async function runCli(
	args: string[],
	opts: {
		cwd?: string;
		env?: Record<string, string>;
		timeoutMs?: number;
		/** The program to run instead of the CLI from source (e.g. the built bin). */
		command?: string;
	} = {},
): Promise<CliResult> {
	const [file, argv] = opts.command
		? [opts.command, args]
		: [process.execPath, [...cliArgs, ...args]];
	const child = spawn(file, argv, {
		cwd: opts.cwd ?? tempDir(),
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, XDG_CONFIG_HOME: tempDir(), ...opts.env},
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
	const status = await new Promise<number | null>((resolve) =>
		child.on('close', (code) => resolve(code)),
	);
	clearTimeout(timer);
	return {status, stdout, stderr};
}

/** Processes still running with this XDG_STATE_HOME in their environment (what a demo started). */
export function processesWithStateHome(state: string): number[] {
	const left: number[] = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let env = '';
		try {
			env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
		} catch {
			continue;
		}
		if (env.split('\0').includes(`XDG_STATE_HOME=${state}`)) left.push(Number(entry));
	}
	return left;
}
