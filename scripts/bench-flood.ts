// Writers for the flood parts. They run in their own processes so the benchmark's event loop (which
// timestamps the screen) never waits on them, and their CPU is not mcptop's.
import {spawn} from 'node:child_process';

/**
 * Appends `copies` copies of `source` to `target` as fast as `cat` can, in a shell of its own.
 * Resolves with the ms from spawning to the writer's exit.
 */
export function appendAsFastAsPossible(
	source: string,
	target: string,
	copies = 1,
): {pid: number; done: Promise<number>} {
	const started = performance.now();
	const script = 'i=0; while [ "$i" -lt "$2" ]; do cat "$1" || exit 1; i=$((i+1)); done >> "$3"';
	const child = spawn('sh', ['-c', script, 'sh', source, String(copies), target], {
		stdio: 'ignore',
	});
	const done = new Promise<number>((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', (code) => {
			if (code === 0) resolve(performance.now() - started);
			else reject(new Error(`appending ${source} to ${target} failed (exit ${code})`));
		});
	});
	return {pid: child.pid ?? -1, done};
}

// Appends whole lines from a source file at a steady rate: every 10 ms, as many lines as the
// schedule is behind. Prints the number of lines written when it gets SIGTERM (or after maxSeconds).
const rateWriterCode = `
const fs = require('node:fs');
const [source, target, rateText, maxSecondsText] = process.argv.slice(1);
const rate = Number(rateText);
const data = fs.readFileSync(source);
const ends = [];
for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) ends.push(i + 1);
const fd = fs.openSync(target, 'a');
const started = performance.now();
let written = 0;
let next = 0;
let offset = 0;
function finish() {
	fs.closeSync(fd);
	process.stdout.write(JSON.stringify({lines: written, seconds: (performance.now() - started) / 1000}) + '\\n');
	process.exit(0);
}
process.on('SIGTERM', finish);
setInterval(() => {
	const seconds = (performance.now() - started) / 1000;
	if (seconds > Number(maxSecondsText)) return finish();
	let due = Math.floor(rate * seconds) - written;
	while (due > 0) {
		const take = Math.min(due, ends.length - next);
		const end = ends[next + take - 1];
		fs.writeSync(fd, data, offset, end - offset);
		written += take;
		due -= take;
		next += take;
		offset = end;
		if (next === ends.length) { next = 0; offset = 0; }
	}
}, 10);
`;

export type RateWriter = {
	pid: number;
	/** SIGTERM; resolves with what it wrote. */
	stop(): Promise<{lines: number; seconds: number}>;
};

export function startRateWriter(
	source: string,
	target: string,
	linesPerSecond: number,
	maxSeconds: number,
): RateWriter {
	const child = spawn(
		process.execPath,
		['-e', rateWriterCode, source, target, String(linesPerSecond), String(maxSeconds)],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	let output = '';
	child.stdout.on('data', (data: Buffer) => (output += data.toString()));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	return {
		pid: child.pid ?? -1,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([
				exited,
				new Promise<void>((resolve) => {
					timer = setTimeout(() => {
						child.kill('SIGKILL');
						resolve();
					}, 5000);
				}),
			]).finally(() => clearTimeout(timer));
			const line = output.trim().split('\n').at(-1) ?? '';
			try {
				return JSON.parse(line) as {lines: number; seconds: number};
			} catch {
				throw new Error(`the flood writer ended without reporting (${line || 'no output'})`);
			}
		},
	};
}
