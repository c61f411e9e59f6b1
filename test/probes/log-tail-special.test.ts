// Log paths that are not regular files: a FIFO, a character device, a socket, a folder. Never opened
// (a FIFO's open() blocks a thread-pool thread, /dev/zero never ends), shown as what they are, and
// looked at again, so a regular file that takes their place is followed.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {defaultConfig} from '../../source/config.js';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {LogTail, type LogTailOptions} from '../../source/probes/log-tail.js';
import {
	BatchCollector,
	makeTempDir,
	openFilesUnder,
	removeDir,
	waitFor,
} from '../helpers/logtail-support.js';
import {cliArgs} from '../helpers/pty.js';

const classifier = compileRules(defaultConfig().alerts.rules);

let dir = '';
let file = '';
const tails: LogTail[] = [];
const servers: net.Server[] = [];

beforeEach(() => {
	dir = makeTempDir();
	file = path.join(dir, 'app.log');
});

afterEach(async () => {
	await Promise.all(tails.splice(0).map(async (tail) => stopsCleanly(tail)));
	await Promise.all(
		servers.splice(0).map(async (server) => new Promise((resolve) => server.close(resolve))),
	);
	removeDir(dir);
});

function follow(
	where = file,
	options: Partial<LogTailOptions> = {},
): {tail: LogTail; got: BatchCollector} {
	const got = new BatchCollector();
	const tail = new LogTail({path: where, classifier, pollMs: 20, onBatch: got.onBatch, ...options});
	tails.push(tail);
	tail.start();
	return {tail, got};
}

/** Resolves once the first read cycle is over: the second one starts only after it. */
async function firstPollDone(tail: LogTail): Promise<void> {
	await waitFor(() => tail.progress().cycles >= 2, 'the first read cycle to end');
}

/** stop() settles (a hung open or read would keep it waiting), bounded so a hang fails the test. */
async function stopsCleanly(tail: LogTail): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([
		tail.stop(),
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error('stop() did not settle')), 5000);
		}),
	]).finally(() => clearTimeout(timer));
}

function mkfifo(where: string): void {
	execFileSync('mkfifo', [where]);
}

test('a FIFO is shown as a FIFO after one poll, never opened, and the tail stops cleanly', async () => {
	mkfifo(file);
	const {tail, got} = follow();
	await firstPollDone(tail);
	assert.equal(tail.status().state, 'error');
	assert.equal(tail.status().error, 'not a regular file: FIFO');
	assert.equal(openFilesUnder(dir) ?? 0, 0, 'the FIFO is not open');
	assert.equal(tail.progress().offset, null);
	await stopsCleanly(tail);
	assert.equal(got.lines, 0);
});

test('many FIFO logs leave the thread pool free for every other fs call', async () => {
	// Four blocked open()s would take every thread of libuv's default pool.
	const fifos = Array.from({length: 6}, (_, i) => path.join(dir, `pipe-${i}.log`));
	for (const fifo of fifos) mkfifo(fifo);
	const started = fifos.map((fifo) => follow(fifo).tail);
	for (const tail of started) await firstPollDone(tail);
	let timer: NodeJS.Timeout | undefined;
	const stats = await Promise.race([
		Promise.all(Array.from({length: 8}, async () => fsp.stat(dir))),
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error('fs calls starved')), 5000);
		}),
	]).finally(() => clearTimeout(timer));
	assert.equal(stats.length, 8);
	for (const tail of started) assert.equal(tail.status().error, 'not a regular file: FIFO');
});

for (const device of ['/dev/zero', '/dev/null']) {
	test(`${device} is a character device: not read, the tail stops cleanly`, async (t) => {
		if (!fs.existsSync(device)) return t.skip(`no ${device} here`);
		const {tail} = follow(device, {watch: false});
		await firstPollDone(tail);
		assert.equal(tail.status().state, 'error');
		assert.equal(tail.status().error, 'not a regular file: character device');
		assert.equal(tail.progress().bytesRead, 0);
		await stopsCleanly(tail);
	});
}

test('a Unix socket path is a socket', async () => {
	const server = net.createServer();
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(file, resolve));
	const {tail} = follow();
	await firstPollDone(tail);
	assert.equal(tail.status().state, 'error');
	assert.equal(tail.status().error, 'not a regular file: socket');
	await stopsCleanly(tail);
});

test('a folder is a directory', async () => {
	fs.mkdirSync(file);
	const {tail} = follow();
	await firstPollDone(tail);
	assert.equal(tail.status().state, 'error');
	assert.equal(tail.status().error, 'not a regular file: directory');
	assert.equal(openFilesUnder(dir) ?? 0, 0);
});

test('a symlink to a FIFO is a FIFO', async () => {
	const fifo = path.join(dir, 'pipe');
	mkfifo(fifo);
	fs.symlinkSync(fifo, file);
	const {tail} = follow();
	await firstPollDone(tail);
	assert.equal(tail.status().error, 'not a regular file: FIFO');
});

test('a FIFO later replaced by a regular file is followed from its first line', async () => {
	mkfifo(file);
	const {tail, got} = follow();
	await firstPollDone(tail);
	assert.equal(tail.status().error, 'not a regular file: FIFO');
	fs.unlinkSync(file);
	fs.writeFileSync(file, 'first\nbridge ERROR one\n');
	await waitFor(() => tail.status().state === 'following', 'the regular file to be followed');
	assert.equal(tail.status().error, null);
	fs.appendFileSync(file, 'WARNING two\n');
	await waitFor(() => got.lines === 3, 'all three lines');
	assert.deepEqual(got.seen, ['first', 'bridge ERROR one', 'WARNING two']);
	assert.deepEqual(
		got.alerts.map((a) => a.severity),
		['error', 'warning'],
	);
});

test('a followed file replaced by a FIFO says so, then its regular successor is followed', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow(file, {rotationGraceMs: 0});
	await waitFor(() => tail.status().state === 'following', 'the file to be followed');
	fs.appendFileSync(file, 'before\n');
	await waitFor(() => got.lines === 1, 'the first line');
	fs.unlinkSync(file);
	mkfifo(file);
	await waitFor(
		() => tail.status().error === 'not a regular file: FIFO',
		'the FIFO to be recognised',
	);
	assert.equal(tail.status().state, 'error');
	fs.unlinkSync(file);
	fs.writeFileSync(file, 'after\n');
	await waitFor(() => got.lines === 2, 'the line of the new file');
	assert.deepEqual(got.seen, ['before', 'after']);
	assert.equal(tail.status().state, 'following');
	assert.equal(tail.status().rotations, 1);
});

test('a read-only log is followed like any other', async () => {
	fs.writeFileSync(file, 'old\n');
	fs.chmodSync(file, 0o444);
	const {tail, got} = follow();
	await waitFor(() => tail.status().state === 'following', 'the read-only file to be followed');
	fs.appendFileSync(file, 'new ERROR\n');
	await waitFor(() => got.lines === 1, 'the appended line');
	assert.deepEqual(got.seen, ['new ERROR']);
});

test('a log it may not read says permission denied, not "does not exist"', async (t) => {
	fs.writeFileSync(file, 'secret\n');
	fs.chmodSync(file, 0o000);
	const asRoot = process.getuid?.() === 0;
	if (!asRoot) {
		const {tail} = follow();
		await firstPollDone(tail);
		assert.equal(tail.status().state, 'error');
		assert.equal(tail.status().error, 'permission denied');
		return;
	}
	// Root reads every file: run the probe as nobody.
	fs.chmodSync(dir, 0o755);
	let output: string;
	try {
		output = execFileSync(process.execPath, [...cliArgs.slice(0, 2), childScript, file], {
			uid: 65534,
			gid: 65534,
			encoding: 'utf8',
			timeout: 20_000,
		});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
		return t.skip('this root may not start a process as another user');
	}
	const status = JSON.parse(output) as {state: string; error: string | null};
	assert.equal(status.state, 'error');
	assert.equal(status.error, 'permission denied');
});

const childScript = fileURLToPath(new URL('../helpers/log-tail-status-child.ts', import.meta.url));
