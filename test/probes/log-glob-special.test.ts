// A wildcard log path whose matches include things that are not regular files: they are skipped and
// named for what they are, never opened, and followed once a regular file takes their place.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {LogGlob} from '../../source/probes/log-glob.js';
import {
	BatchCollector,
	makeTempDir,
	openFilesUnder,
	removeDir,
	waitFor,
} from '../helpers/logtail-support.js';

const classifier = compileRules(defaultConfig().alerts.rules);

let dir = '';
const globs: LogGlob[] = [];
const servers: net.Server[] = [];

beforeEach(() => {
	dir = makeTempDir();
});

afterEach(async () => {
	await Promise.all(globs.splice(0).map(async (glob) => glob.stop()));
	await Promise.all(
		servers.splice(0).map(async (server) => new Promise((resolve) => server.close(resolve))),
	);
	removeDir(dir);
});

function watch(): {glob: LogGlob; got: BatchCollector} {
	const got = new BatchCollector();
	const glob = new LogGlob({
		pattern: path.join(dir, '*.log'),
		classifier,
		onBatch: got.onBatch,
		rescanMs: 50,
	});
	globs.push(glob);
	glob.start();
	return {glob, got};
}

test('matches that are not regular files are skipped and named, the regular ones followed', async () => {
	fs.writeFileSync(path.join(dir, 'app.log'), '');
	execFileSync('mkfifo', [path.join(dir, 'pipe.log')]);
	fs.mkdirSync(path.join(dir, 'old.log'));
	if (fs.existsSync('/dev/zero')) fs.symlinkSync('/dev/zero', path.join(dir, 'zero.log'));
	const server = net.createServer();
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock.log'), resolve));
	const {glob, got} = watch();
	await waitFor(() => glob.status().state === 'following', 'app.log to be followed');
	const others = fs.existsSync('/dev/zero') ? 3 : 2;
	assert.equal(
		glob.status().error,
		`skipped old.log: not a regular file: directory (and ${others} more)`,
	);
	fs.appendFileSync(path.join(dir, 'app.log'), 'bridge ERROR\n');
	await waitFor(() => got.lines === 1, 'the line of app.log');
	// Only app.log is open: the FIFO, the socket and the device never were.
	assert.equal(openFilesUnder(dir) ?? 1, 1);
});

test('a wildcard that matches only a FIFO says so, then follows the file that replaces it', async () => {
	const pipe = path.join(dir, 'pipe.log');
	execFileSync('mkfifo', [pipe]);
	const {glob, got} = watch();
	assert.equal(glob.status().state, 'error');
	assert.equal(glob.status().error, 'pipe.log: not a regular file: FIFO');
	assert.equal(openFilesUnder(dir) ?? 0, 0);
	fs.unlinkSync(pipe);
	fs.writeFileSync(pipe, 'first WARNING\n');
	await waitFor(() => got.lines === 1, 'the line of the regular file');
	assert.equal(glob.status().state, 'following');
	assert.equal(glob.status().error, null);
	assert.deepEqual(got.seen, ['first WARNING']);
});

test('a followed match replaced by a FIFO is reported with the same words', async () => {
	const log = path.join(dir, 'app.log');
	fs.writeFileSync(log, '');
	const {glob} = watch();
	await waitFor(() => glob.status().state === 'following', 'app.log to be followed');
	fs.unlinkSync(log);
	execFileSync('mkfifo', [log]);
	await waitFor(() => glob.status().state === 'error', 'the FIFO to be noticed');
	assert.equal(glob.status().error, 'app.log: not a regular file: FIFO');
});
