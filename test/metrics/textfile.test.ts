import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {TextfileWriter, textfileName} from '../../source/metrics/textfile.js';
import {removeTempDirs, tempDir} from '../helpers/cli.js';
import {promtoolBin, startServe} from './support.js';

// Reads the file as fast as it can in its own process (truly concurrent with the writer) and says
// how many reads were whole and which were not.
const reader = `
const fs = require('node:fs');
const [file, ms] = process.argv.slice(1);
const end = Date.now() + Number(ms);
let whole = 0, missing = 0; const broken = []; const seen = new Set();
while (Date.now() < end) {
	let text;
	try { text = fs.readFileSync(file, 'utf8'); } catch { missing++; continue; }
	const head = /^# begin (\\d+) (\\d+)\\n/.exec(text);
	const tail = /# end (\\d+)\\n$/.exec(text);
	if (head && tail && head[1] === tail[1] && text.length === Number(head[2])) { whole++; seen.add(head[1]); }
	else if (broken.length < 5) broken.push(text.length);
}
process.stdout.write(JSON.stringify({whole, missing, broken, versions: seen.size}));
`;

function body(n: number): string {
	// About 1 MiB: many write() calls each, so a reader of a non-atomic write would catch one half done.
	const filler = `mcptop_filler{n="${n}"} 1\n`.repeat(40_000);
	const rest = `${filler}# end ${n}\n`;
	let head = `# begin ${n} 0000000\n`;
	head = `# begin ${n} ${String(head.length + rest.length).padStart(7, '0')}\n`;
	return head + rest;
}

describe('--textfile', () => {
	after(removeTempDirs);

	it('replaces the file atomically: a concurrent reader never sees half of one', async () => {
		const dir = tempDir();
		const writer = new TextfileWriter(dir);
		const child = spawn(process.execPath, ['-e', reader, writer.path, '4000'], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
		let writes = 0;
		const deadline = Date.now() + 3500;
		for (let n = 0; n < 400 && Date.now() < deadline; n++) {
			await writer.write(body(n));
			writes++;
		}
		await done;
		await writer.close();
		const result = JSON.parse(out) as {whole: number; broken: number[]; versions: number};
		assert.deepEqual(result.broken, [], `partial reads of lengths ${result.broken.join(', ')}`);
		assert.ok(result.whole > 0 && writes > 3, JSON.stringify({result, writes}));
		assert.ok(result.versions > 1, 'the reader saw the file change while it read');
		// Only the metrics file is left: node_exporter reads *.prom, never the temporary name.
		assert.deepEqual(fs.readdirSync(dir), [textfileName]);
	});

	it('says what is wrong when the directory cannot be written, and keeps going', async () => {
		const dir = path.join(tempDir(), 'missing');
		const writer = new TextfileWriter(dir);
		await writer.write('x 1\n');
		assert.match(writer.error ?? '', /cannot write .*mcptop\.prom: ENOENT/);
		fs.mkdirSync(dir);
		await writer.write('x 2\n');
		assert.equal(writer.error, null);
		assert.equal(fs.readFileSync(writer.path, 'utf8'), 'x 2\n');
	});

	it('mcptop serve --textfile writes what node_exporter can read (promtool accepts it)', async () => {
		const dir = tempDir();
		const serve = await startServe([
			'--textfile',
			dir,
			'--interval',
			'200ms',
			'--endpoint',
			'http://127.0.0.1:1/mcp',
			'--port',
			'1:closed',
		]);
		try {
			const file = path.join(dir, textfileName);
			let text = '';
			for (let i = 0; i < 100 && !text.includes('mcptop_system_cpu_ratio '); i++) {
				await sleep(200);
				text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
			}
			assert.match(text, /^mcptop_up 0$/m);
			const check = spawnSync(promtoolBin, ['check', 'metrics'], {input: text, encoding: 'utf8'});
			assert.equal(check.status, 0, check.stdout + check.stderr);
			assert.deepEqual(
				fs.readdirSync(dir).filter((f) => f.endsWith('.prom')),
				[textfileName],
			);
		} finally {
			await serve.stop();
		}
	});
});
