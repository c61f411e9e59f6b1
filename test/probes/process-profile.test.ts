import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {ProcessProbe} from '../../source/probes/processes.js';
import {hasProc, parseProcIo} from '../../source/probes/proc.js';
import type {ProcessReading} from '../../source/types.js';
import {stopChild, uniqueMarker, waitFor} from '../helpers/proc-children.js';

const linux = hasProc();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-profile-'));
after(() => fs.rmSync(dir, {recursive: true, force: true}));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const chunk = 64 * 1024;
const readRate = 2 * 1024 * 1024;
const writeRate = 1024 * 1024;

// Paced by the clock, not by the timer: under load the child catches up, so its long-run rate is the
// one asked for. It starts counting only once `go` exists, so its own start-up reads are left out.
const ioCode = `
const fs = require('node:fs');
const [src, dst, go] = process.argv.slice(1, 4);
const buf = Buffer.alloc(${chunk}, 120);
fs.writeFileSync(src, buf);
const out = fs.openSync(dst, 'w');
const inp = fs.openSync(src, 'r');
let t0 = null, read = 0, written = 0;
setInterval(() => {
	if (t0 === null) { if (!fs.existsSync(go)) return; t0 = Date.now(); }
	const s = (Date.now() - t0) / 1000;
	while (read < s * ${readRate}) { fs.readSync(inp, buf, 0, ${chunk}, 0); read += ${chunk}; }
	while (written < s * ${writeRate}) { fs.writeSync(out, buf, 0, ${chunk}, 0); written += ${chunk}; }
}, 20);
`;

test('/proc/<pid>/io is parsed field by field', () => {
	const io = parseProcIo(
		'rchar: 4096\nwchar: 100\nsyscr: 3\nsyscw: 1\nread_bytes: 8192\nwrite_bytes: 0\ncancelled_write_bytes: 0\n',
	);
	assert.deepEqual(io, {rchar: 4096, wchar: 100, readBytes: 8192, writeBytes: 0});
	assert.equal(parseProcIo('garbage'), null);
});

test(
	'a child reading 2 MiB/s and writing 1 MiB/s is profiled within 20 %, with threads and descriptors',
	{skip: linux ? false : 'needs /proc'},
	async (t) => {
		const marker = uniqueMarker('io');
		const go = path.join(dir, 'go');
		const io = spawn(
			process.execPath,
			['-e', ioCode, path.join(dir, 'src'), path.join(dir, 'dst'), go, marker],
			{stdio: 'ignore'},
		);
		t.after(() => stopChild(io));
		await waitFor(() => fs.existsSync(path.join(dir, 'dst')), 'the child opened its files');
		const probe = new ProcessProbe({match: new RegExp(escape(marker))});
		fs.writeFileSync(go, '');
		await new Promise((r) => setTimeout(r, 300));
		let reading: ProcessReading | undefined = (await probe.sample())[0];
		assert.equal(reading?.pid, io.pid);
		// Bounded: 12 samples half a second apart; the figures are over the whole window.
		for (let i = 0; i < 12; i++) {
			await new Promise((r) => setTimeout(r, 500));
			reading = (await probe.sample()).find((p) => p.pid === io.pid);
		}
		const profile = reading!.profile!;
		assert.ok(profile.io, 'io visible for our own child');
		const within = (got: number, want: number, what: string) =>
			assert.ok(Math.abs(got - want) <= want * 0.2, `${what}: ${got} B/s, expected ${want} ± 20 %`);
		t.diagnostic(
			`read ${profile.io.read} B/s (want ${readRate}), write ${profile.io.write} B/s (want ${writeRate})`,
		);
		within(profile.io.read, readRate, 'read');
		within(profile.io.write, writeRate, 'write');
		assert.ok(profile.threads !== null && profile.threads >= 1, `threads ${profile.threads}`);
		// stdin/out/err are /dev/null plus the two files the child keeps open.
		assert.ok(profile.openFds !== null && profile.openFds >= 5, `fds ${profile.openFds}`);
		assert.equal(profile.cpu.recent.length, 13);
		assert.ok(profile.cpu.max1m >= profile.cpu.avg1m);
		assert.ok(profile.cpu.max5m >= profile.cpu.max1m);
	},
);
