import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
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

const classifier = compileRules(defaultConfig().alerts.rules);

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

/**
 * Asks for a few more complete read cycles, to show that nothing more arrives: a quiet file under
 * a working watch has no cycles of its own until the backstop.
 */
async function settle(tail: LogTail): Promise<void> {
	for (let i = 0; i < 3; i++) {
		const cycles = tail.progress().cycles;
		tail.wake();
		await waitFor(() => tail.progress().cycles > cycles, 'one more read cycle');
	}
}

test('starts at the end and follows appends', async () => {
	fs.writeFileSync(file, 'old 1\nold 2 ERROR\nold 3\n');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'INFO one\n2025-09-17 10:00:00,123 - ERROR - bridge gone\nINFO three\n');
	await waitFor(() => got.lines === 3, 'three new lines');
	await settle(tail);
	assert.equal(got.lines, 3);
	assert.deepEqual(got.seen, [
		'INFO one',
		'2025-09-17 10:00:00,123 - ERROR - bridge gone',
		'INFO three',
	]);
	assert.equal(got.alerts.length, 1);
	assert.equal(got.alerts[0]!.severity, 'error');
	assert.equal(got.alerts[0]!.source, 'app.log');
	assert.equal(got.alerts[0]!.text, '2025-09-17 10:00:00,123 - ERROR - bridge gone');
	assert.deepEqual(tail.status(), {
		path: file,
		state: 'following',
		error: null,
		linesRead: 3,
		rotations: 0,
		truncations: 0,
	});
});

test('holds a partial last line until its newline, and drops CR of CRLF', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'abc');
	await waitFor(() => tail.progress().bytesRead === 3, 'the partial bytes to be read');
	await settle(tail);
	assert.equal(got.lines, 0);
	assert.equal(tail.progress().partialBytes, 3);
	fs.appendFileSync(file, 'def\r');
	await waitFor(() => tail.progress().bytesRead === 7, 'more partial bytes');
	fs.appendFileSync(file, '\nxyz\r\n');
	await waitFor(() => got.lines === 2, 'two complete lines');
	assert.deepEqual(got.seen, ['abcdef', 'xyz']);
	assert.equal(tail.progress().partialBytes, 0);
});

test('a line in progress at start is read whole once it ends', async () => {
	fs.writeFileSync(file, 'old\npart');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'ial\nnext\n');
	await waitFor(() => got.lines === 2, 'two lines');
	assert.deepEqual(got.seen, ['partial', 'next']);
});

test('a byte order mark and Unreal CRLF lines', async () => {
	const {tail, got} = follow();
	await settle(tail);
	assert.equal(tail.status().state, 'waiting');
	fs.writeFileSync(
		file,
		'\ufeff[2025.09.17-10.00.00:123][  0]LogUnrealBlueprintMCP: Warning: first\r\n' +
			'[2025.09.17-10.00.01:000][  1]LogUnrealBlueprintMCP: Server crash test\r\n',
	);
	await waitFor(() => got.lines === 2, 'two lines');
	assert.deepEqual(
		got.alerts.map((alert) => [alert.severity, alert.text.slice(30)]),
		[
			['warning', 'LogUnrealBlueprintMCP: Warning: first'],
			['critical', 'LogUnrealBlueprintMCP: Server crash test'],
		],
	);
});

test('follows rename rotation, including lines written to the old file after the rename', async () => {
	const writer = fs.openSync(file, 'a');
	try {
		const {tail, got} = follow();
		await following(tail);
		for (let i = 1; i <= 5; i++) fs.writeSync(writer, `before ${i}\n`);
		await waitFor(() => got.lines === 5, 'five lines before rotation');

		fs.renameSync(file, `${file}.1`);
		await waitFor(() => tail.status().state === 'waiting', 'the tail to notice the rename');
		// The writer has not reopened its log yet: these land in the renamed file.
		for (let i = 1; i <= 3; i++) fs.writeSync(writer, `late ${i}\n`);
		await waitFor(() => got.lines === 8, 'the late lines from the renamed file');

		fs.writeFileSync(file, 'new 1\nnew 2 WARNING\nnew 3\nnew 4\n');
		await waitFor(() => got.lines === 12, 'the new file from its start');
		assert.equal(tail.status().rotations, 1);
		assert.equal(tail.status().state, 'following');

		// Still inside the grace period: the old file is still read.
		fs.writeSync(writer, 'straggler\n');
		await waitFor(() => got.lines === 13, 'a line written to the old file after the switch');
		await settle(tail);
		assert.equal(got.lines, 13);
		const expected = [
			...[1, 2, 3, 4, 5].map((i) => `before ${i}`),
			...[1, 2, 3].map((i) => `late ${i}`),
			'new 1',
			'new 2 WARNING',
			'new 3',
			'new 4',
			'straggler',
		];
		assert.deepEqual(got.seen, expected);
		assert.deepEqual(
			got.alerts.map((alert) => alert.text),
			['new 2 WARNING'],
		);
	} finally {
		fs.closeSync(writer);
	}
});

test('a rotated file is closed after the grace period', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({rotationGraceMs: 50});
	await following(tail);
	fs.appendFileSync(file, 'one\n');
	await waitFor(() => got.lines === 1, 'the first line');
	fs.renameSync(file, `${file}.1`);
	fs.writeFileSync(file, 'two\n');
	await waitFor(() => got.lines === 2, 'the line of the new file');
	await waitFor(() => tail.progress().retiredFiles === 0, 'the old file to be closed');
	assert.equal(openFilesUnder(dir) ?? 1, 1);
});

test('copytruncate: a file truncated in place is read again from its start', async () => {
	const writer = fs.openSync(file, 'a');
	try {
		const {tail, got} = follow();
		await following(tail);
		for (let i = 1; i <= 10; i++) fs.writeSync(writer, `first generation line ${i}\n`);
		await waitFor(() => got.lines === 10, 'ten lines');
		fs.copyFileSync(file, `${file}.1`);
		fs.truncateSync(file, 0);
		// O_APPEND writer: the next lines start at offset 0 of the truncated file.
		fs.writeSync(writer, 'after 1\nafter 2 ERROR\n');
		await waitFor(() => got.lines === 12, 'the lines written after truncation');
		await settle(tail);
		assert.equal(got.lines, 12);
		assert.equal(tail.status().truncations, 1);
		assert.deepEqual(got.seen.slice(-2), ['after 1', 'after 2 ERROR']);
		assert.equal(got.alerts.length, 1);
	} finally {
		fs.closeSync(writer);
	}
});

test('deletion and re-creation', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(file, 'a\nb\nc\n');
	await waitFor(() => got.lines === 3, 'three lines');
	fs.unlinkSync(file);
	await waitFor(() => tail.status().state === 'waiting', 'the tail to notice the deletion');
	fs.writeFileSync(file, 'd\ne CRITICAL\n');
	await waitFor(() => got.lines === 5, 'the re-created file from its start');
	await settle(tail);
	assert.equal(got.lines, 5);
	assert.deepEqual(got.seen, ['a', 'b', 'c', 'd', 'e CRITICAL']);
	assert.equal(got.alerts[0]!.severity, 'critical');
	assert.equal(tail.status().rotations, 1);
	assert.equal(tail.status().state, 'following');
});

test('a deleted file nobody writes to is closed after the grace period', async () => {
	fs.writeFileSync(file, 'x\n');
	const {tail} = follow({rotationGraceMs: 30});
	await following(tail);
	fs.unlinkSync(file);
	await waitFor(() => tail.progress().offset === null, 'the deleted file to be closed');
	assert.equal(tail.status().state, 'waiting');
	assert.equal(openFilesUnder(dir) ?? 0, 0);
});

test('a file that does not exist yet is waited for and read from its start', async () => {
	const nested = path.join(dir, 'later', 'server.log');
	const got = new BatchCollector();
	const tail = new LogTail({path: nested, classifier, pollMs: 20, onBatch: got.onBatch});
	tails.push(tail);
	tail.start();
	await settle(tail);
	assert.equal(tail.status().state, 'waiting');
	assert.equal(tail.status().error, null);
	fs.mkdirSync(path.dirname(nested));
	fs.writeFileSync(nested, 'hello\nFailed to bind\n');
	await waitFor(() => got.lines === 2, 'the lines of the late file');
	assert.equal(tail.status().state, 'following');
	assert.equal(tail.status().rotations, 0);
	assert.equal(got.alerts[0]!.source, 'server.log');
	assert.equal(got.alerts[0]!.severity, 'error');
});

test('backlogLines reads the last N complete lines, and the partial line completes later', async () => {
	const lines = Array.from({length: 10}, (_, i) => `line ${i + 1}`);
	fs.writeFileSync(file, lines.join('\n') + '\npart');
	const {tail, got} = follow({backlogLines: 3});
	await waitFor(() => got.lines === 3, 'three backlog lines');
	fs.appendFileSync(file, 'ial\n');
	await waitFor(() => got.lines === 4, 'the completed partial line');
	assert.deepEqual(got.seen, ['line 8', 'line 9', 'line 10', 'partial']);
	await settle(tail);
	assert.equal(got.lines, 4);
});

test('backlogLines larger than the file reads it all', async () => {
	fs.writeFileSync(file, 'a\nb\n');
	const {got} = follow({backlogLines: 50});
	await waitFor(() => got.lines === 2, 'both lines');
	assert.deepEqual(got.seen, ['a', 'b']);
});

test('a line of several MB is counted once, capped, and never buffered whole', async () => {
	fs.writeFileSync(file, '');
	const maxLineBytes = 1000;
	const {tail, got} = follow({maxLineBytes});
	await following(tail);
	const piece = Buffer.alloc(1024 * 1024, 'x');
	fs.appendFileSync(file, 'ERROR huge ');
	let keptMax = 0;
	for (let i = 0; i < 6; i++) {
		fs.appendFileSync(file, piece);
		const expected = 11 + (i + 1) * piece.length;
		await waitFor(() => tail.progress().bytesRead === expected, `megabyte ${i + 1} to be read`);
		keptMax = Math.max(keptMax, tail.progress().partialKeptBytes);
	}
	assert.equal(got.lines, 0);
	assert.ok(keptMax <= maxLineBytes + 4, `kept ${keptMax} bytes of a partial line`);
	// A long line inside one read, and a long line of two-byte characters.
	fs.appendFileSync(
		file,
		'\nshort\n' + 'WARN ' + 'y'.repeat(5000) + '\n' + 'é'.repeat(1000) + '\n',
	);
	await waitFor(() => got.lines === 4, 'the huge line and the lines after it');
	assert.equal(got.alerts.length, 2);
	const huge = got.alerts[0]!;
	assert.equal(huge.severity, 'error');
	assert.equal(huge.text.length, maxLineBytes + 1);
	assert.ok(huge.text.startsWith('ERROR huge xxx'));
	assert.ok(huge.text.endsWith('…'));
	assert.equal(got.alerts[1]!.text, 'WARN ' + 'y'.repeat(995) + '…');
	// 1000 bytes of 'é' = 500 characters, never half a character.
	assert.equal(got.seen[3], 'é'.repeat(500) + '…');
});

test('invalid UTF-8, NUL bytes and escape sequences are made harmless', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	fs.appendFileSync(
		file,
		Buffer.concat([
			Buffer.from('ERROR bad '),
			Buffer.from([0xff, 0xfe, 0xc3]),
			Buffer.from(' \x1b[31mred\x1b[0m \x1b]0;pwned\x07title nul\x00 tab\there \u202eevil\n'),
			Buffer.from([0x00, 0x00, 0x80, 0x0a]),
		]),
	);
	await waitFor(() => got.lines === 2, 'two lines');
	const text = got.alerts[0]!.text;
	assert.equal(text, 'ERROR bad \ufffd\ufffd\ufffd red title nul␀ tab here evil');
	assert.deepEqual(got.seen[1], '␀␀\ufffd');
	assert.doesNotMatch(got.seen.join(''), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
});

test('counts stay exact over 200,000 lines in many appends and small reads', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow({chunkBytes: 64 * 1024, maxBytesPerCycle: 256 * 1024});
	await following(tail);
	const expected = {lines: 0, critical: 0, error: 0, warning: 0};
	const total = 200_000;
	let text = '';
	for (let i = 0; i < total; i++) {
		let level = 'INFO';
		if (i % 1000 === 7) level = 'CRITICAL';
		else if (i % 100 === 3) level = 'ERROR';
		else if (i % 20 === 1) level = 'WARNING';
		if (level === 'CRITICAL') expected.critical++;
		if (level === 'ERROR') expected.error++;
		if (level === 'WARNING') expected.warning++;
		expected.lines++;
		text += `2025-09-17 10:00:00,${i % 1000} - ${level} - message ${i}${i % 7 === 0 ? '\r\n' : '\n'}`;
	}
	// Appends that split lines in the middle, as a real writer's buffered flushes do.
	const bytes = Buffer.from(text);
	const step = Math.ceil(bytes.length / 13) + 17;
	for (let start = 0; start < bytes.length; start += step) {
		fs.appendFileSync(file, bytes.subarray(start, start + step));
	}
	await waitFor(() => got.lines >= total, 'all 200,000 lines', 25_000);
	await settle(tail);
	assert.deepEqual(
		{lines: got.lines, ...got.counts},
		{
			lines: expected.lines,
			critical: expected.critical,
			error: expected.error,
			warning: expected.warning,
		},
	);
	assert.equal(got.alerts.length, expected.critical + expected.error + expected.warning);
	assert.equal(tail.status().linesRead, total);
	assert.equal(got.seen.at(-1), `2025-09-17 10:00:00,999 - INFO - message ${total - 1}`);
	assert.ok(got.batches > 1 && got.largestBatch < total, 'delivered in several bounded batches');
});

test('lastLines holds the last 20 lines of a batch', async () => {
	fs.writeFileSync(file, Array.from({length: 50}, (_, i) => `l${i}`).join('\n') + '\n');
	const batches: string[][] = [];
	const tail = new LogTail({
		path: file,
		classifier,
		backlogLines: 50,
		pollMs: 20,
		onBatch: (batch) => batches.push(batch.lastLines),
	});
	tails.push(tail);
	tail.start();
	await waitFor(() => batches.length > 0, 'a batch');
	assert.deepEqual(
		batches[0],
		Array.from({length: 20}, (_, i) => `l${i + 30}`),
	);
});

test('stop closes the file and stops reading', async () => {
	fs.writeFileSync(file, '');
	const {tail, got} = follow();
	await following(tail);
	assert.equal(openFilesUnder(dir) ?? 1, 1);
	await tail.stop();
	assert.equal(openFilesUnder(dir) ?? 0, 0);
	fs.appendFileSync(file, 'after stop\n');
	await new Promise((resolve) => setTimeout(resolve, 60));
	assert.equal(got.lines, 0);
});

test('an unreadable path is reported, not thrown', async () => {
	fs.mkdirSync(file);
	const {tail} = follow();
	await waitFor(() => tail.status().state === 'error', 'an error state');
	assert.equal(tail.status().error, 'not a regular file: directory');
});
