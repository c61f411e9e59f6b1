import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {configSizeLimit, loadConfig} from '../source/config.js';
import {removeTempDirs, runCli, tempDir} from './helpers/cli.js';
import {errorOf} from './helpers/config-error.js';

// A config path that is not a small regular file must be refused at once: a FIFO would block
// open() forever and /dev/zero would be read until memory runs out.
const hangGuardMs = 60_000;

let socketServer: net.Server;
let socketPath: string;
let socketDir: string;

before(async () => {
	socketDir = tempDir('mcptop-cfg-sock-');
	socketPath = path.join(socketDir, 'mcptop.config.json');
	socketServer = net.createServer();
	await new Promise<void>((resolve) => socketServer.listen(socketPath, resolve));
});
after(async () => {
	await new Promise<void>((resolve) => socketServer.close(() => resolve()));
	removeTempDirs();
});

/** A folder whose mcptop.config.json is made by `make`. */
function folderWith(make: (file: string) => void): {dir: string; file: string} {
	const dir = tempDir('mcptop-cfg-');
	const file = path.join(dir, 'mcptop.config.json');
	make(file);
	return {dir, file};
}

const fifo = (file: string) => execFileSync('mkfifo', [file]);
const devZero = (file: string) => fs.symlinkSync('/dev/zero', file);
const directory = (file: string) => fs.mkdirSync(file);
const twoMiB = (file: string) => fs.writeFileSync(file, ' '.repeat(2 * 1024 * 1024));
// Sparse: costs no disk, and is never read.
const threeGiB = (file: string) =>
	fs.truncateSync((fs.writeFileSync(file, ''), file), 3 * 1024 ** 3);

const kinds: Array<[string, (file: string) => void, RegExp]> = [
	['a FIFO', fifo, /: not a regular file \(a FIFO\)$/],
	['/dev/zero', devZero, /: not a regular file \(a character device\)$/],
	['a directory', directory, /: not a regular file \(a directory\)$/],
	['a 2 MiB file', twoMiB, /: 2\.0 MiB, more than the 1 MiB a config may be$/],
	['a sparse 3 GiB file', threeGiB, /: 3\.0 GiB, more than the 1 MiB a config may be$/],
];

for (const [name, make, reason] of kinds) {
	test(`${name} as --config is refused with one line`, () => {
		const {dir, file} = folderWith(make);
		const message = errorOf(() => loadConfig({config: file}, tempDir()));
		assert.ok(message.startsWith(`--config: cannot read ${file}: `), message);
		assert.match(message, reason);
		// Relative to the working folder, the same.
		assert.match(
			errorOf(() => loadConfig({config: 'mcptop.config.json'}, dir)),
			reason,
		);
	});

	test(`${name} found as ./mcptop.config.json is refused with one line`, () => {
		const {dir, file} = folderWith(make);
		const message = errorOf(() => loadConfig({}, dir));
		assert.ok(message.startsWith(`config: cannot read ${file}: `), message);
		assert.match(message, reason);
	});
}

test('a Unix socket as --config, or found in the folder, is refused', () => {
	assert.equal(
		errorOf(() => loadConfig({config: socketPath}, tempDir())),
		`--config: cannot read ${socketPath}: not a regular file (a socket)`,
	);
	assert.equal(
		errorOf(() => loadConfig({}, socketDir)),
		`config: cannot read ${socketPath}: not a regular file (a socket)`,
	);
});

test('a config at the size cap is read; one byte more is refused', () => {
	const atCap = folderWith((file) =>
		fs.writeFileSync(file, '{"intervalMs": 2000}'.padEnd(configSizeLimit, ' ')),
	);
	assert.equal(loadConfig({}, atCap.dir).config.intervalMs, 2000);
	const over = folderWith((file) =>
		fs.writeFileSync(file, '{"intervalMs": 2000}'.padEnd(configSizeLimit + 1, ' ')),
	);
	assert.match(
		errorOf(() => loadConfig({}, over.dir)),
		/: 1048577 bytes, more than the 1 MiB a config may be$/,
	);
});

test('a byte-order mark is allowed; bad JSON names the file', () => {
	const bom = folderWith((file) => fs.writeFileSync(file, '\uFEFF{"intervalMs": 3000}'));
	assert.equal(loadConfig({}, bom.dir).config.intervalMs, 3000);
	const bad = folderWith((file) => fs.writeFileSync(file, '{"intervalMs": 3000,\n\u001b[31m}'));
	const message = errorOf(() => loadConfig({}, bad.dir));
	assert.ok(message.startsWith(`config: ${bad.file} is not valid JSON (`), message);
	assert.doesNotMatch(message, /\u001b/);
});

test('a path with a NUL character or through a file is a ConfigError, not a crash', () => {
	assert.match(
		errorOf(() => loadConfig({config: 'a\u0000b'}, tempDir())),
		/^--config: cannot read \S*a␀b: the path contains a NUL character$/,
	);
	const {file} = folderWith((f) => fs.writeFileSync(f, '{}'));
	assert.match(
		errorOf(() => loadConfig({config: path.join(file, 'x.json')}, tempDir())),
		/: a part of the path is not a directory$/,
	);
});

for (const [name, make, reason] of kinds.slice(0, 2)) {
	test(`the CLI exits 2 at once for ${name}, as --config and found in the folder`, async () => {
		const {dir, file} = folderWith(make);
		for (const [args, prefix] of [
			[['--config', file, '--print-config'], `mcptop: --config: cannot read ${file}: `],
			[['--print-config'], `mcptop: config: cannot read ${file}: `],
		] as const) {
			const r = await runCli([...args], {cwd: dir, timeoutMs: hangGuardMs});
			assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} (null = hung), ${r.stderr}`);
			const lines = r.stderr.trim().split('\n');
			assert.equal(lines.length, 1, r.stderr);
			assert.ok(lines[0]?.startsWith(prefix), r.stderr);
			assert.match(lines[0] ?? '', reason);
			assert.equal(r.stdout, '');
		}
	});
}

test('the CLI exits 2 for a socket and a directory as --config', async () => {
	const dir = tempDir('mcptop-cfg-');
	for (const [file, kind] of [
		[socketPath, 'a socket'],
		[dir, 'a directory'],
	] as const) {
		const r = await runCli(['--config', file, '--print-config'], {timeoutMs: hangGuardMs});
		assert.equal(r.status, 2, r.stderr);
		assert.equal(r.stderr, `mcptop: --config: cannot read ${file}: not a regular file (${kind})\n`);
	}
});
