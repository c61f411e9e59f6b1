// A backup running in a child process (test/helpers/backup-child.ts), for crash tests: wait until it
// pauses or until its temp folder appears, kill it with SIGKILL by pid, look at what it left behind.
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {BackupConfig} from '../../source/actions/backup.js';

const childScript = fileURLToPath(new URL('backup-child.ts', import.meta.url));

export type BackupChild = {
	child: ChildProcess;
	pid: number;
	/** Resolves once the backup blocked at its `pauseAt` file. */
	paused: Promise<void>;
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	stdout(): string;
	stderr(): string;
};

export function startBackupChild(
	cfg: BackupConfig & {pauseAt?: string},
	options: SpawnOptions = {},
): BackupChild {
	const child = spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(cfg)], {
		stdio: ['ignore', 'pipe', 'pipe'],
		...options,
	});
	if (child.pid === undefined) throw new Error('could not start the backup child');
	let out = '';
	let err = '';
	let onPaused: () => void = () => {};
	const paused = new Promise<void>((resolve) => (onPaused = resolve));
	child.stdout!.on('data', (d: Buffer) => {
		out += String(d);
		if (out.includes('paused\n')) onPaused();
	});
	child.stderr!.on('data', (d: Buffer) => (err += String(d)));
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.once('exit', (code, signal) => resolve({code, signal})),
	);
	return {child, pid: child.pid, paused, exited, stdout: () => out, stderr: () => err};
}

/** Temp folders in `backupDir` whose name records `pid` as their owner. */
export function tempFoldersOf(backupDir: string, pid: number): string[] {
	let names: string[];
	try {
		names = fs.readdirSync(backupDir);
	} catch {
		return [];
	}
	return names.filter((n) => n.startsWith(`.tmp-${pid}-`)).map((n) => path.join(backupDir, n));
}

/** Bytes of the regular files under `dir`. */
export function treeSize(dir: string): number {
	let total = 0;
	for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) total += treeSize(full);
		else if (entry.isFile()) total += fs.lstatSync(full).size;
	}
	return total;
}

/** SIGKILL by pid; a child that already exited is fine. */
export function killByPid(pid: number): void {
	try {
		process.kill(pid, 'SIGKILL');
	} catch {
		// Already gone.
	}
}
