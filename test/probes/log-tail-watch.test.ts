// The tail driven by watch events (inotify on Linux: the followed file, or its folder while there
// is none), with the stat backstop pushed out of reach: every tail -F guarantee must hold on events
// alone, and a quiet file must cost no cycles.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, beforeEach, test} from 'node:test';
import {defaultConfig} from '../../source/config.js';
import {compileRules} from '../../source/monitor/alert-rules.js';
import {LogTail, type LogTailOptions} from '../../source/probes/log-tail.js';
import {BatchCollector, makeTempDir, removeDir, waitFor} from '../helpers/logtail-support.js';

const classifier = compileRules(defaultConfig().alerts.rules);
const noBackstop = 600_000;

let dir = '';
let file = '';
const tails: LogTail[] = [];

beforeEach(() => {
	dir = makeTempDir();
	file = path.join(dir, 'app.log');
});

afterEach(async () => {
	await Promise.all(tails.splice(0).map((tail) => tail.stop()));
	removeDir(dir);
});

function follow(options: Partial<LogTailOptions> = {}): {tail: LogTail; got: BatchCollector} {
	const got = new BatchCollector();
	const tail = new LogTail({
		path: file,
		classifier,
		pollMs: 20,
		backstopMs: noBackstop,
		eventGapMs: 20,
		onBatch: got.onBatch,
		...options,
	});
	tails.push(tail);
	tail.start();
	return {tail, got};
}

async function following(tail: LogTail): Promise<void> {
	await waitFor(() => tail.status().state === 'following', 'the tail to open the file');
}

/** Asks for a few more read cycles, to show that nothing more arrives. */
async function settle(tail: LogTail): Promise<void> {
	for (let i = 0; i < 3; i++) {
		const cycles = tail.progress().cycles;
		tail.wake();
		await waitFor(() => tail.progress().cycles > cycles, 'one more read cycle');
	}
}

test('a quiet file under a working watch costs no read cycles until the backstop', async () => {
	fs.writeFileSync(file, 'old\n');
	const {tail} = follow();
	await following(tail);
	await sleep(50);
	const before = tail.progress().cycles;
	// A poll every 20 ms would have run about 15 cycles here.
	await sleep(300);
	assert.equal(tail.progress().cycles, before);
	fs.appendFileSync(file, 'INFO woke by the event\n');
	await waitFor(() => tail.progress().cycles > before, 'a cycle from the change event');
});

test('appends are read on change events alone', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	for (let i = 0; i < 5; i++) {
		fs.appendFileSync(file, `2025-09-17 10:00:0${i},000 - ERROR - event ${i}\n`);
		await waitFor(() => got.lines === i + 1, `line ${i + 1}`);
	}
	await settle(tail);
	assert.equal(got.lines, 5);
	assert.equal(got.counts.error, 5);
});

test('a partial line is held until its newline arrives, on events alone', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'INFO half');
	await waitFor(() => tail.progress().partialBytes === 9, 'the partial line held');
	assert.equal(got.lines, 0);
	fs.appendFileSync(file, ' and the rest\n');
	await waitFor(() => got.lines === 1, 'the completed line');
	assert.deepEqual(got.seen, ['INFO half and the rest']);
});

test('rename rotation on events, with writes to the old file after the rename', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({rotationGraceMs: 200});
	await following(tail);
	const old = fs.openSync(file, 'a');
	fs.writeSync(old, 'one\n');
	await waitFor(() => got.lines === 1, 'the first line');
	fs.renameSync(file, `${file}.1`);
	// The writer has not reopened its log yet: this line goes to the renamed file.
	fs.writeSync(old, 'two, after the rename\n');
	fs.closeSync(old);
	fs.writeFileSync(file, 'three, in the new file\n');
	await waitFor(() => got.lines === 3, 'all three lines');
	await waitFor(() => tail.progress().retiredFiles === 0, 'the old file closed');
	await settle(tail);
	assert.deepEqual([...got.seen].sort(), [
		'one',
		'three, in the new file',
		'two, after the rename',
	]);
	assert.equal(tail.status().rotations, 1);
});

test('copytruncate on events: the truncated file is read again from its start', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'a fairly long first line before the copy\n');
	await waitFor(() => got.lines === 1, 'the first line');
	fs.truncateSync(file, 0);
	fs.appendFileSync(file, 'after\n');
	await waitFor(() => got.lines === 2, 'the line after the truncation');
	await settle(tail);
	assert.deepEqual(got.seen, ['a fairly long first line before the copy', 'after']);
	assert.equal(tail.status().truncations, 1);
});

test('deletion and re-creation on events', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({rotationGraceMs: 50});
	await following(tail);
	fs.appendFileSync(file, 'before\n');
	await waitFor(() => got.lines === 1, 'the first line');
	fs.unlinkSync(file);
	await waitFor(() => tail.status().state === 'waiting', 'the tail to notice the deletion');
	fs.writeFileSync(file, 'again 1\nagain 2\n');
	await waitFor(() => got.lines === 3, 'the re-created file read from its start');
	await settle(tail);
	assert.deepEqual(got.seen, ['before', 'again 1', 'again 2']);
	assert.equal(tail.status().state, 'following');
});

test('a file that does not exist yet is found by its creation event, without a fast poll', async () => {
	const {tail, got} = follow({pollMs: noBackstop});
	await waitFor(() => tail.progress().cycles >= 1, 'the first look');
	// A second cycle starts only after the first ended: the path was seen without a file, so the
	// file created next is new (read from its first byte), not one that existed at the start.
	tail.wake();
	await waitFor(() => tail.progress().cycles >= 2, 'the first look finished');
	assert.equal(tail.status().state, 'waiting');
	fs.writeFileSync(file, 'first\nsecond\n');
	await waitFor(() => got.lines === 2, 'both lines of the new file');
	assert.deepEqual(got.seen, ['first', 'second']);
});

test('many quick appends become few read cycles, and no line is lost', async () => {
	fs.writeFileSync(file, '');
	const gap = 100;
	const {tail, got} = follow({eventGapMs: gap});
	await following(tail);
	const cycles = tail.progress().cycles;
	const began = Date.now();
	for (let i = 0; i < 40; i++) {
		fs.appendFileSync(file, `INFO line ${i}\n`);
		await sleep(5);
	}
	await waitFor(() => got.lines === 40, 'all 40 lines');
	const elapsed = Date.now() - began;
	// One cycle per gap at most (plus the first event's and the last one's).
	assert.ok(
		tail.progress().cycles - cycles <= Math.ceil(elapsed / gap) + 2,
		`${tail.progress().cycles - cycles} cycles in ${elapsed} ms`,
	);
	assert.ok(tail.progress().cycles - cycles < 40);
	await settle(tail);
	assert.equal(got.lines, 40);
});

test('without a watch the poll follows appends', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({watch: false});
	await following(tail);
	fs.appendFileSync(file, 'INFO polled\n');
	await waitFor(() => got.lines === 1, 'the polled line');
	const before = tail.progress().cycles;
	await waitFor(() => tail.progress().cycles >= before + 3, 'the poll going on');
});

// A writer of its own, as a logging server is: the test's own stalls (two test files at once on two
// cores) then look like quiet spells to the tail, and the watch would open again for them.
const writerCode = `const fs = require('node:fs');
const [file, count] = [process.argv[1], Number(process.argv[2])];
let i = 0;
const timer = setInterval(() => {
	fs.appendFileSync(file, 'INFO line ' + i + '\\n');
	if (++i === count) clearInterval(timer);
}, 5);`;

test('a file written every few ms is read on a timer, its watch closed, and watched again once quiet', async () => {
	fs.writeFileSync(file, '');
	const gap = 100;
	const {tail, got} = follow({eventGapMs: gap});
	await following(tail);
	assert.equal(tail.progress().watching, true);
	const events = tail.progress().events;
	const writes = 200;
	const writer = spawn(process.execPath, ['-e', writerCode, file, String(writes)], {
		stdio: 'ignore',
	});
	const exited = new Promise((resolve) => writer.once('exit', resolve));
	let samples = 0;
	let closed = 0;
	while (writer.exitCode === null && samples < 1000) {
		samples++;
		if (!tail.progress().watching) closed++;
		await sleep(10);
	}
	await exited;
	await waitFor(() => got.lines === writes, `all ${writes} lines`);
	const seen = tail.progress().events - events;
	assert.ok(closed > samples / 2, `the watch was closed in ${closed} of ${samples} looks`);
	// The events of the first gap or two, not one per write.
	assert.ok(seen < writes / 2, `${seen} change events for ${writes} writes`);
	await waitFor(() => tail.progress().watching, 'the watch open again once the file is quiet');
	const cycles = tail.progress().cycles;
	await sleep(4 * gap);
	assert.ok(tail.progress().cycles - cycles <= 1, 'quiet again: no timer-driven cycles');
	fs.appendFileSync(file, '2025-09-17 10:00:00,000 - ERROR - after the burst\n');
	await waitFor(() => got.lines === writes + 1, 'a line after the burst, on its event');
	assert.equal(got.counts.error, 1);
});

test('writes to other files in the folder wake nothing while the file is followed', async () => {
	fs.writeFileSync(file, 'old\n');
	const neighbour = path.join(dir, 'editor.log');
	fs.writeFileSync(neighbour, '');
	const {tail, got} = follow();
	await following(tail);
	await waitFor(() => tail.progress().watchKind === 'file', 'the watch on the followed file');
	const callbacks = tail.progress().watchCallbacks;
	const cycles = tail.progress().cycles;
	for (let i = 0; i < 50; i++) {
		fs.appendFileSync(neighbour, `INFO neighbour ${i}\n`);
		if (i % 10 === 0) await sleep(5);
	}
	await sleep(100);
	assert.equal(
		tail.progress().watchCallbacks,
		callbacks,
		"the neighbour's writes reached the tail",
	);
	assert.equal(tail.progress().cycles, cycles);
	fs.appendFileSync(file, 'INFO its own\n');
	await waitFor(() => got.lines === 1, 'its own line, on its event');
	assert.deepEqual(got.seen, ['INFO its own']);
});

test('a log path that is a symbolic link is followed on the target file’s events', async () => {
	const elsewhere = makeTempDir();
	try {
		const target = path.join(elsewhere, 'server.log');
		fs.writeFileSync(target, '');
		fs.symlinkSync(target, file);
		const {tail, got} = follow();
		await following(tail);
		await waitFor(() => tail.progress().watchKind === 'file', 'the watch on the followed file');
		fs.appendFileSync(target, 'INFO through the link\n');
		await waitFor(() => got.lines === 1, 'the line written to the target');
		assert.deepEqual(got.seen, ['INFO through the link']);
	} finally {
		await Promise.all(tails.splice(0).map((tail) => tail.stop()));
		removeDir(elsewhere);
	}
});

test('the watch moves to the folder while no file is followed, and back to the new file', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({rotationGraceMs: 50});
	await following(tail);
	await waitFor(() => tail.progress().watchKind === 'file', 'the watch on the followed file');
	fs.unlinkSync(file);
	await waitFor(() => tail.progress().watchKind === 'folder', 'the folder watch once it is gone');
	fs.writeFileSync(file, 'back\n');
	await waitFor(() => got.lines === 1, 'the re-created file');
	await waitFor(() => tail.progress().watchKind === 'file', 'the watch on the new file');
	fs.appendFileSync(file, 'more\n');
	await waitFor(() => got.lines === 2, 'an append to the new file, on its event');
	assert.deepEqual(got.seen, ['back', 'more']);
});

test('an append read under the file’s own watch costs one read, no stat of the path', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	await waitFor(() => tail.progress().watchKind === 'file', 'the watch on the followed file');
	// Cycles run one at a time: once line 1 is read, every earlier cycle (and its stat) is over.
	fs.appendFileSync(file, 'INFO line 1\n');
	await waitFor(() => got.lines === 1, 'line 1');
	const stats = tail.progress().pathStats;
	for (let i = 2; i <= 6; i++) {
		fs.appendFileSync(file, `INFO line ${i}\n`);
		await waitFor(() => got.lines === i, `line ${i}`);
	}
	assert.equal(tail.progress().pathStats, stats, 'the appends were followed by stats of the path');
	// A rename still gets its stat: the tail finds the new file at the path.
	fs.renameSync(file, `${file}.1`);
	fs.writeFileSync(file, 'INFO in the new file\n');
	await waitFor(() => got.lines === 7, 'the new file after the rename');
	assert.ok(tail.progress().pathStats > stats);
	assert.equal(tail.status().rotations, 1);
});
