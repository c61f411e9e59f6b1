import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliSource = path.join(root, 'source', 'cli.tsx');
/** The tsx loader by absolute URL, so the CLI runs from source whatever the working folder. */
export const tsxLoader = import.meta.resolve('tsx');
/** Node arguments that run the CLI from source. */
export const cliArgs = ['--import', tsxLoader, cliSource];
/** The built CLI as npm links it (the prepare script builds and bundles it into dist/cli.js). */
export const builtBin = path.join(root, 'node_modules', '.bin', 'mcptop');

/** The real CLI in a pseudo-terminal, its output fed to a headless xterm: what an operator sees. */
export class TerminalSession {
	readonly term: InstanceType<typeof xterm.Terminal>;
	private readonly proc: pty.IPty;
	exitCode: number | null = null;
	private readonly exited: Promise<number>;
	output = '';

	constructor(
		args: string[],
		opts: {
			cols?: number;
			rows?: number;
			env?: Record<string, string>;
			cwd?: string;
			/** The program to run instead of the CLI from source (e.g. builtBin). */
			command?: string;
		} = {},
	) {
		const cols = opts.cols ?? 100;
		const rows = opts.rows ?? 30;
		this.term = new xterm.Terminal({cols, rows, allowProposedApi: true});
		const [file, argv] = opts.command
			? [opts.command, args]
			: [process.execPath, [...cliArgs, ...args]];
		this.proc = pty.spawn(file, argv, {
			cols,
			rows,
			cwd: opts.cwd ?? root,
			// Ink only writes the last frame when CI is set.
			env: {
				...(process.env as Record<string, string>),
				CI: 'false',
				TERM: 'xterm-256color',
				...opts.env,
			},
		});
		this.proc.onData((data) => {
			this.output += data;
			if (this.output.length > 2_000_000) this.output = this.output.slice(-1_000_000);
			this.term.write(data);
		});
		this.exited = new Promise((resolve) => {
			this.proc.onExit(({exitCode}) => {
				this.exitCode = exitCode;
				resolve(exitCode);
			});
		});
	}

	get pid(): number {
		return this.proc.pid;
	}

	/** The visible screen as text lines. */
	screen(): string {
		const buffer = this.term.buffer.active;
		const lines: string[] = [];
		for (let i = 0; i < this.term.rows; i++) {
			lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
		}
		return lines.join('\n');
	}

	/** Wait (bounded) until the screen satisfies the check. */
	async waitFor(
		check: RegExp | ((screen: string) => boolean),
		timeoutMs = 20_000,
	): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		const test = typeof check === 'function' ? check : (s: string) => check.test(s);
		while (Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 50));
			const screen = this.screen();
			if (test(screen)) return screen;
			if (this.exitCode !== null) break;
		}
		throw new Error(
			`timed out waiting for ${String(check)}; exit=${this.exitCode}; screen:\n${this.screen()}`,
		);
	}

	press(keys: string): void {
		this.proc.write(keys);
	}

	resize(cols: number, rows: number): void {
		this.proc.resize(cols, rows);
		this.term.resize(cols, rows);
	}

	async exit(timeoutMs = 15_000): Promise<number> {
		let timer: NodeJS.Timeout | undefined;
		const result = await Promise.race([
			this.exited,
			new Promise<number>((_, reject) => {
				timer = setTimeout(
					() => reject(new Error(`the CLI did not exit; screen:\n${this.screen()}`)),
					timeoutMs,
				);
			}),
		]).finally(() => clearTimeout(timer));
		return result;
	}

	/** Closes the terminal's master side, as sshd does when a session drops or tmux for a closed pane. */
	hangUp(): void {
		(this.proc as unknown as {destroy(): void}).destroy();
	}

	kill(): void {
		if (this.exitCode === null) {
			try {
				this.proc.kill('SIGKILL');
			} catch {
				// Already gone.
			}
		}
	}
}
