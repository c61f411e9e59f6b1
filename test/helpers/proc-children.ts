// Real child processes for the process and port probe tests, started and stopped by pid.
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';

/** Polls until fn returns a truthy value; bounded in time. */
export async function waitFor<T>(
	fn: () => T | Promise<T>,
	what: string,
	timeoutMs = 10_000,
	intervalMs = 25,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/** A string no other process on the machine has in its command line. */
export function uniqueMarker(label: string): string {
	return `mcptop-test-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export const idleCode = 'setInterval(() => {}, 1000)';
export const busyCode = 'for (;;) {}';

export type MarkedChild = {child: ChildProcess; pid: number};

/** `node -e CODE MARKER`: the marker appears in its command line once exec has happened. */
export async function spawnMarked(marker: string, code = idleCode): Promise<MarkedChild> {
	const child = spawn(process.execPath, ['-e', code, marker], {stdio: 'ignore'});
	const pid = child.pid;
	if (pid === undefined) throw new Error('child did not start');
	await waitFor(() => {
		try {
			return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
		} catch {
			return false;
		}
	}, `child ${pid} to exec`);
	return {child, pid};
}

/** SIGKILL by pid and wait until the child has been reaped. */
export async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	let timer: NodeJS.Timeout | undefined;
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => resolve());
		timer = setTimeout(resolve, 5000);
	});
	try {
		process.kill(child.pid, 'SIGKILL');
	} catch {
		// Already gone.
	}
	await exited;
	clearTimeout(timer);
}

/** Collects a child's stdout until it exits; bounded in time. */
export async function runToEnd(
	child: ChildProcess,
	timeoutMs = 20_000,
): Promise<{code: number | null; stdout: string; stderr: string}> {
	let stdout = '';
	let stderr = '';
	child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
	const timer = setTimeout(() => {
		if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
	}, timeoutMs);
	const code = await new Promise<number | null>((resolve) =>
		child.once('close', (c) => resolve(c)),
	);
	clearTimeout(timer);
	return {code, stdout, stderr};
}
