import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {SystemProbe} from '../../source/probes/system.js';
import {busyCode, spawnMarked, stopChild, uniqueMarker, waitFor} from '../helpers/proc-children.js';

const mib = 1024 * 1024;

test('readings are within sane ranges and agree with the OS', async () => {
	const probe = new SystemProbe();
	for (let i = 0; i < 2; i++) {
		const r = await probe.sample();
		assert.ok(r.cpuPercent >= 0 && r.cpuPercent <= 100, `cpu ${r.cpuPercent}`);
		assert.ok(r.memoryPercent > 0 && r.memoryPercent < 100, `memory ${r.memoryPercent}`);
		assert.ok(
			Math.abs(r.totalMb - os.totalmem() / mib) < 0.01 * (os.totalmem() / mib),
			`total ${r.totalMb}`,
		);
		assert.ok(r.availableMb > 0 && r.availableMb <= r.totalMb, `available ${r.availableMb}`);
		assert.ok(
			Math.abs(r.memoryPercent - (1 - r.availableMb / r.totalMb) * 100) < 0.2,
			'memory % is 1 - available / total',
		);
		assert.equal(r.diskPath, process.cwd());
		assert.ok(r.diskPercent >= 0 && r.diskPercent <= 100, `disk ${r.diskPercent}`);
		const s = fs.statfsSync(process.cwd());
		const freeGb = (s.bavail * s.bsize) / 1024 ** 3;
		assert.ok(Math.abs(r.diskFreeGb - freeGb) < 0.5, `free ${r.diskFreeGb} vs ${freeGb}`);
	}
});

test('a disk path that does not exist yet is measured on its nearest existing folder', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
	try {
		const r = await new SystemProbe({diskPath: path.join(dir, 'not', 'yet')}).sample();
		assert.equal(r.diskPath, dir);
		assert.ok(r.diskFreeGb >= 0);
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a core kept busy shows in system CPU %', async (t) => {
	const {child} = await spawnMarked(uniqueMarker('system-busy'), busyCode);
	t.after(() => stopChild(child));
	const probe = new SystemProbe();
	await probe.sample();
	// One spinning process keeps one core busy: half of that share is a safe floor under load.
	const floor = 50 / os.cpus().length;
	await waitFor(
		async () => {
			await new Promise((r) => setTimeout(r, 200));
			return (await probe.sample()).cpuPercent > floor;
		},
		`system CPU above ${floor} %`,
		15_000,
		0,
	);
});
