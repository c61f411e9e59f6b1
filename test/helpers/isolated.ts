import {execFile} from 'node:child_process';

/**
 * Runs an ES module body in a child node (with tsx) and parses what it prints. The timeout is a
 * hang guard, not a speed check: a backtracking engine on the inputs these tests feed would not
 * return at all.
 */
export function isolated(code: string, timeoutMs = 30_000): Promise<unknown> {
	return new Promise((resolve, reject) => {
		execFile(
			process.execPath,
			['--import', 'tsx', '--input-type=module', '-e', code],
			{timeout: timeoutMs, killSignal: 'SIGKILL'},
			(error, stdout, stderr) => {
				if (error?.killed) reject(new Error(`no answer within ${timeoutMs / 1000} s: it hung`));
				else if (error) reject(new Error(stderr || error.message));
				else resolve(JSON.parse(stdout));
			},
		);
	});
}
