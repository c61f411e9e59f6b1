// The built demo stack (dist/demo: the MCP server and the fake Unreal Editor), started by the
// benchmark itself so mcptop can watch it without --demo: --demo replaces the watched logs with the
// demo's own, and the flood parts need mcptop to tail a file the benchmark writes.
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {repoRoot} from './bench-terminal.js';
import {stopPids} from './bench-proc.js';

export type BenchStack = {
	mcpPort: number;
	bridgePort: number;
	/** The demo server's own log (INFO every 0.3–1 s, some warnings and errors). */
	logFile: string;
	pids: number[];
	/** mcptop flags that watch this stack (endpoint, both ports); the process match is the default. */
	flags: string[];
	stop(): Promise<void>;
};

function outputLine(child: ChildProcess, timeoutMs: number): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		const timer = setTimeout(
			() => reject(new Error(`the demo server did not start within ${timeoutMs} ms`)),
			timeoutMs,
		);
		child.stdout!.on('data', (data: Buffer) => {
			text += data.toString();
			const newline = text.indexOf('\n');
			if (newline >= 0) {
				clearTimeout(timer);
				resolve(text.slice(0, newline));
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`the demo server exited with code ${code} before listening`));
		});
	});
}

export async function startBenchStack(dir: string): Promise<BenchStack> {
	const token = `mcptop-bench-${randomBytes(6).toString('hex')}`;
	const logFile = path.join(dir, 'unreal_blueprint_mcp.log');
	fs.writeFileSync(logFile, '');
	const owner = ['--demo-id', token, '--owner-pid', String(process.pid)];
	const server = spawn(
		process.execPath,
		[
			path.join(repoRoot, 'dist', 'demo', 'unreal_blueprint_mcp_server.js'),
			...['--port', '0', '--bridge-port', '0', '--log', logFile],
			...owner,
		],
		{cwd: dir, stdio: ['ignore', 'pipe', 'ignore']},
	);
	const pids: number[] = [];
	const stop = async () => {
		const left = await stopPids(pids);
		if (left.length > 0) throw new Error(`demo processes ${left.join(', ')} did not stop`);
	};
	try {
		if (server.pid !== undefined) pids.push(server.pid);
		const line = await outputLine(server, 15_000);
		// `listening mcp=http://127.0.0.1:P/mcp ws=ws://127.0.0.1:P bridge=ws://127.0.0.1:B demo-id=…`
		const m = /\bws=ws:\/\/127\.0\.0\.1:(\d+) bridge=ws:\/\/127\.0\.0\.1:(\d+)/.exec(line);
		if (!m) throw new Error(`unexpected first line from the demo server: ${line}`);
		const mcpPort = Number(m[1]);
		const bridgePort = Number(m[2]);
		const editor = spawn(
			process.execPath,
			[
				path.join(repoRoot, 'dist', 'demo', 'fake_unreal_editor.js'),
				...['--bridge-port', String(bridgePort)],
				...owner,
			],
			{cwd: dir, stdio: 'ignore'},
		);
		if (editor.pid !== undefined) pids.push(editor.pid);
		return {
			mcpPort,
			bridgePort,
			logFile,
			pids,
			flags: [
				...['--endpoint', `ws://127.0.0.1:${mcpPort}`],
				...['--port', `${mcpPort}:mcp`, '--port', `${bridgePort}:unreal bridge:clients`],
			],
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
