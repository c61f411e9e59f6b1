// Processes that match a sandbox's pattern without being its project's server: a copy of the same
// server started from another folder (another checkout on the same host) and a shell script named
// after the server. Started through the sandbox, so its cleanup stops them by pid.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {readProcess} from '../../source/actions/targets.js';
import {RestartSandbox, fixtureServer, node, waitUntil} from './restart-procs.js';

/** A second folder holding the fixture server under the same file name as the sandbox's. */
export class OtherCheckout {
	readonly dir: string;
	readonly serverName: string;

	constructor(readonly box: RestartSandbox) {
		this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-other-')));
		this.serverName = path.basename(box.serverFile);
		fs.copyFileSync(fixtureServer, path.join(this.dir, this.serverName));
	}

	remove(): void {
		fs.rmSync(this.dir, {recursive: true, force: true});
	}
}

/**
 * Starts `node <serverName> ...args` with `dir` as its working directory (the script named relative
 * to it, the way an operator starts it from a checkout), in its own process group, and waits until
 * it is listening (or started, with --no-listen).
 */
export async function startServerIn(
	box: RestartSandbox,
	dir: string,
	args: string[],
): Promise<number> {
	const ready = box.file(`ready-${crypto.randomBytes(3).toString('hex')}`);
	const child = box.start(node, [path.basename(box.serverFile), ...args, '--ready', ready], {
		cwd: dir,
		detached: true,
	});
	if (!(await waitUntil(() => fs.existsSync(ready)))) throw new Error(`server in ${dir} not ready`);
	return child.pid!;
}

/** `bash <pattern>_watchdog.sh` started in `dir`, sleeping: matches the pattern, is not the server. */
export async function startWatchdogScript(box: RestartSandbox, dir: string): Promise<number> {
	const name = `${box.pattern}_watchdog.sh`;
	fs.writeFileSync(path.join(dir, name), 'while :; do sleep 1; done\n', {mode: 0o755});
	const child = box.start('bash', [name], {cwd: dir, detached: true});
	const started = await waitUntil(async () =>
		Boolean((await readProcess(child.pid!))?.command.includes(name)),
	);
	if (!started) throw new Error('watchdog script did not start');
	return child.pid!;
}

/** SIGKILL one process by pid (its group when it leads one); true when it was still there. */
export function stopByPid(pid: number, group = false): boolean {
	try {
		process.kill(group ? -pid : pid, 'SIGKILL');
		return true;
	} catch {
		return false;
	}
}
