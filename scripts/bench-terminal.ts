// The built CLI (dist/cli.js run as a program, the way users run it) in a pseudo-terminal, its
// output parsed by a headless xterm. Unlike the test helper, this one notes when each chunk of
// output arrived and checks waiting conditions after every parsed chunk, so "when did the screen
// first show X" is known to the chunk, not to a polling interval.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {stopPids} from './bench-proc.js';
import {glibcTunables} from './launcher.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const builtCli = path.join(repoRoot, 'dist', 'cli.js');

/**
 * How to start a built CLI as users do: the file itself, so its launcher line runs
 * (scripts/launcher.mjs). With node flags (profiles) node must run it; the launcher's settings then
 * go in the environment, as the launcher would have set them.
 */
export function cliCommand(
	args: string[],
	nodeArgs: string[] = [],
	cli = builtCli,
): {file: string; argv: string[]; env: Record<string, string>} {
	if (nodeArgs.length === 0) return {file: cli, argv: args, env: {}};
	return {
		file: process.execPath,
		argv: [...nodeArgs, cli, ...args],
		env: {GLIBC_TUNABLES: glibcTunables, MCPTOP_TUNED: '1'},
	};
}

type Waiter = {
	test: (screen: string) => boolean;
	resolve: (found: {screen: string; at: number}) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
	label: string;
};

export type SessionOptions = {
	cols: number;
	rows: number;
	cwd: string;
	env: Record<string, string>;
	/** Node flags before the script, e.g. --cpu-prof. */
	nodeArgs?: string[];
	/** A program other than the built CLI (the Ink floor): [node args..., script or -e code], or
	 * the argv of `file`. */
	command?: string[];
	/** An executable other than node (htop, btop side by side); `command` is then its argv. */
	file?: string;
};

export class BenchTerminal {
	readonly term: InstanceType<typeof xterm.Terminal>;
	/** performance.now() just before the process was spawned. */
	readonly spawnedAt: number;
	exitCode: number | null = null;
	/** performance.now() when the process exited. */
	exitedAt: number | null = null;
	bytes = 0;
	private readonly proc: pty.IPty;
	private readonly exited: Promise<number>;
	private waiters: Waiter[] = [];

	constructor(args: string[], opts: SessionOptions) {
		this.term = new xterm.Terminal({
			cols: opts.cols,
			rows: opts.rows,
			allowProposedApi: true,
			scrollback: 0,
		});
		const cli = cliCommand(args, opts.nodeArgs);
		const [file, argv, env] = opts.command
			? [opts.file ?? process.execPath, opts.command, {}]
			: [cli.file, cli.argv, cli.env];
		this.spawnedAt = performance.now();
		this.proc = pty.spawn(file, argv, {
			cols: opts.cols,
			rows: opts.rows,
			cwd: opts.cwd,
			// Ink writes only the last frame when CI is set.
			env: {...opts.env, ...env, CI: 'false', TERM: 'xterm-256color'},
		});
		this.proc.onData((data) => {
			const at = performance.now();
			this.bytes += data.length;
			this.term.write(data, () => this.check(at));
		});
		this.exited = new Promise((resolve) => {
			this.proc.onExit(({exitCode}) => {
				this.exitedAt = performance.now();
				this.exitCode = exitCode;
				for (const waiter of this.waiters.splice(0)) {
					clearTimeout(waiter.timer);
					waiter.reject(
						new Error(`the CLI exited (${exitCode}) while waiting for ${waiter.label}`),
					);
				}
				resolve(exitCode);
			});
		});
	}

	get pid(): number {
		return this.proc.pid;
	}

	screen(): string {
		const buffer = this.term.buffer.active;
		const lines: string[] = [];
		for (let i = 0; i < this.term.rows; i++) {
			lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
		}
		return lines.join('\n');
	}

	private check(at: number): void {
		if (this.waiters.length === 0) return;
		const screen = this.screen();
		this.waiters = this.waiters.filter((waiter) => {
			if (!waiter.test(screen)) return true;
			clearTimeout(waiter.timer);
			waiter.resolve({screen, at});
			return false;
		});
	}

	/**
	 * Resolves with the screen and the arrival time of the output chunk after which the screen
	 * first passed the test (checked now, and after every chunk from now on).
	 */
	waitFor(
		test: (screen: string) => boolean,
		label: string,
		timeoutMs: number,
	): Promise<{screen: string; at: number}> {
		const screen = this.screen();
		if (test(screen)) return Promise.resolve({screen, at: performance.now()});
		if (this.exitCode !== null) {
			return Promise.reject(new Error(`the CLI has exited (${this.exitCode}); wanted ${label}`));
		}
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiters = this.waiters.filter((w) => w.timer !== timer);
				reject(
					new Error(
						`timed out after ${timeoutMs} ms waiting for ${label}; screen:\n${this.screen()}`,
					),
				);
			}, timeoutMs);
			this.waiters.push({test, resolve, reject, timer, label});
		});
	}

	/** Writes keys; returns performance.now() at the write. */
	press(keys: string): number {
		const at = performance.now();
		this.proc.write(keys);
		return at;
	}

	/** Quit with `q`; SIGTERM then SIGKILL by PID when it does not exit in time. */
	async quit(timeoutMs = 15_000): Promise<number | null> {
		if (this.exitCode === null) this.proc.write('q');
		let timer: NodeJS.Timeout | undefined;
		const code = await Promise.race([
			this.exited,
			new Promise<null>((resolve) => {
				timer = setTimeout(() => resolve(null), timeoutMs);
			}),
		]).finally(() => clearTimeout(timer));
		if (code === null) await stopPids([this.pid]);
		this.term.dispose();
		return code;
	}

	/** For cleanup after a failure. */
	async kill(): Promise<void> {
		if (this.exitCode === null) await stopPids([this.pid], 1000);
		await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
	}
}

const frameChecks: Array<[string, RegExp, boolean]> = [
	['Ports title', /─ Ports|▶ Ports/, true],
	['a LISTEN row with a PID', /\bLISTEN\s+\d+/, true],
	['Processes title', /Processes/, true],
	['a process row (PID, CPU, RSS)', /^\d+\s+\S+\s+\d+(\.\d+)?\s+\d+(\.\d+)?/m, true],
	['Latency title', /Latency/, true],
	['"now N ms"', /now \d+(\.\d+)?\s*ms/, true],
	['"N lines" in the Alerts title', /Alerts .*· \d+ lines/, true],
	['the log followed (no "waiting for")', /waiting for \//, false],
];

/** What the first full frame still lacks, in words (empty when the frame is full). */
export function missingFromFrame(screen: string): string[] {
	return frameChecks.filter(([, re, want]) => re.test(screen) !== want).map(([name]) => name);
}

/** The first frame with data in all four panes (issue 5's "first full frame"). */
export function fullFrame(screen: string): boolean {
	return missingFromFrame(screen).length === 0;
}

export type AlertTotals = {critical: number; error: number; warning: number; lines: number};

/** The totals in the Alerts pane's title: "crit N · err N · warn N · N lines". */
export function alertTotals(screen: string): AlertTotals | null {
	const m = /crit (\d+) · err (\d+) · warn (\d+) · (\d+) lines/.exec(screen);
	return m
		? {critical: Number(m[1]), error: Number(m[2]), warning: Number(m[3]), lines: Number(m[4])}
		: null;
}
