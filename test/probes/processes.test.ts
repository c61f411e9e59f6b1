import fs from 'node:fs';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {findMatchingProcesses, ProcessProbe} from '../../source/probes/processes.js';
import {hasProc} from '../../source/probes/proc.js';
import {
	busyCode,
	runToEnd,
	spawnMarked,
	stopChild,
	uniqueMarker,
	waitFor,
} from '../helpers/proc-children.js';

const linux = hasProc();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a matching child is found with pid, parent, name, memory and start time', async (t) => {
	const marker = uniqueMarker('idle');
	const before = Date.now();
	const {child, pid} = await spawnMarked(marker);
	t.after(() => stopChild(child));
	const readings = await new ProcessProbe({match: new RegExp(escape(marker))}).sample();
	assert.equal(readings.length, 1);
	const r = readings[0]!;
	assert.equal(r.pid, pid);
	assert.equal(r.ppid, process.pid);
	assert.equal(r.name, 'node');
	assert.ok(r.command.endsWith(marker), r.command);
	assert.ok(r.rssBytes > 0, `rss ${r.rssBytes}`);
	assert.ok(
		r.startedAt >= before - 1000 && r.startedAt <= Date.now() + 1000,
		`startedAt ${r.startedAt}`,
	);
	assert.ok(r.cpuPercent >= 0);
});

test('a busy child shows high CPU % once two samples apart', async (t) => {
	const marker = uniqueMarker('busy');
	const {child, pid} = await spawnMarked(marker, busyCode);
	t.after(() => stopChild(child));
	const probe = new ProcessProbe({match: new RegExp(escape(marker))});
	await probe.sample();
	// Each sample measures since the previous one; under heavy load a few windows may be needed.
	const busy = await waitFor(
		async () => {
			await new Promise((r) => setTimeout(r, 300));
			const r = (await probe.sample()).find((p) => p.pid === pid);
			return r && r.cpuPercent > 20 ? r : null;
		},
		'CPU % above 20',
		15_000,
		0,
	);
	assert.ok(
		busy.cpuPercent <= 105,
		`one thread cannot exceed one core by much: ${busy.cpuPercent}`,
	);
});

test(
	'a child stopped with SIGSTOP reads as state T, and as running again after SIGCONT',
	{skip: !linux},
	async (t) => {
		const marker = uniqueMarker('stopped');
		const {child, pid} = await spawnMarked(marker);
		t.after(() => {
			process.kill(pid, 'SIGCONT');
			return stopChild(child);
		});
		const probe = new ProcessProbe({match: new RegExp(escape(marker))});
		assert.notEqual((await probe.sample())[0]?.state, 'T');
		process.kill(pid, 'SIGSTOP');
		await waitFor(
			async () => ((await probe.sample())[0]?.state === 'T' ? true : null),
			'state T after SIGSTOP',
			5000,
			50,
		);
		process.kill(pid, 'SIGCONT');
		const resumed = await waitFor(
			async () => {
				const st = (await probe.sample())[0]?.state;
				return st !== undefined && st !== 'T' ? st : null;
			},
			'a running state after SIGCONT',
			5000,
			50,
		);
		assert.match(resumed, /^[RSD]$/);
	},
);

test('an idle child stays near 0 % CPU', {skip: !linux}, async (t) => {
	const marker = uniqueMarker('quiet');
	const {child, pid} = await spawnMarked(marker);
	t.after(() => stopChild(child));
	// Node's own start-up is not idleness: wait (bounded) until the child stops using CPU at all.
	const cpuTicks = () => {
		const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
		return Number(fields[11]) + Number(fields[12]);
	};
	for (let i = 0, last = -1; i < 50; i++) {
		const now = cpuTicks();
		if (now === last) break;
		last = now;
		await new Promise((r) => setTimeout(r, 200));
	}
	const probe = new ProcessProbe({match: new RegExp(escape(marker))});
	await probe.sample();
	await new Promise((r) => setTimeout(r, 500));
	const r = (await probe.sample()).find((p) => p.pid === pid);
	assert.ok(r && r.cpuPercent < 20, `cpu ${r?.cpuPercent}`);
});

test('a killed child disappears on the next sample', async (t) => {
	const marker = uniqueMarker('killed');
	const a = await spawnMarked(marker);
	const b = await spawnMarked(marker);
	t.after(() => stopChild(b.child));
	// A fake clock far from the next full scan: the vanished pid itself must trigger it.
	let now = 0;
	const probe = new ProcessProbe({match: new RegExp(escape(marker)), now: () => now});
	assert.deepEqual(
		(await probe.sample()).map((p) => p.pid),
		[a.pid, b.pid].sort((x, y) => x - y),
	);
	await stopChild(a.child);
	const c = await spawnMarked(marker);
	t.after(() => stopChild(c.child));
	now = 10;
	assert.deepEqual(
		(await probe.sample()).map((p) => p.pid),
		[b.pid, c.pid].sort((x, y) => x - y),
	);
});

test('new processes are looked for at most every fullScanEveryMs', {skip: !linux}, async (t) => {
	const marker = uniqueMarker('scan');
	const a = await spawnMarked(marker);
	t.after(() => stopChild(a.child));
	let now = 1000;
	const probe = new ProcessProbe({
		match: new RegExp(escape(marker)),
		fullScanEveryMs: 5000,
		now: () => now,
	});
	assert.deepEqual(
		(await probe.sample()).map((p) => p.pid),
		[a.pid],
	);
	const b = await spawnMarked(marker);
	t.after(() => stopChild(b.child));
	now = 5999;
	assert.deepEqual(
		(await probe.sample()).map((p) => p.pid),
		[a.pid],
		'no scan before 5 s',
	);
	now = 6000;
	assert.deepEqual(
		(await probe.sample()).map((p) => p.pid),
		[a.pid, b.pid].sort((x, y) => x - y),
	);
});

test('excludePids are never reported; a /g pattern matches every time', async (t) => {
	const marker = uniqueMarker('excl');
	const a = await spawnMarked(marker);
	const b = await spawnMarked(marker);
	t.after(() => stopChild(a.child));
	t.after(() => stopChild(b.child));
	const probe = new ProcessProbe({match: new RegExp(escape(marker), 'g'), excludePids: [a.pid]});
	for (let i = 0; i < 3; i++)
		assert.deepEqual(
			(await probe.sample()).map((p) => p.pid),
			[b.pid],
		);
	assert.deepEqual(
		(await findMatchingProcesses(new RegExp(escape(marker)), [b.pid])).map((p) => p.pid),
		[a.pid],
	);
});

test('mcptop never matches itself nor the shell that started it', {skip: !linux}, async (t) => {
	const marker = uniqueMarker('self');
	const sibling = await spawnMarked(marker);
	t.after(() => stopChild(sibling.child));
	// The shell's and the probe's own command lines both contain the marker; `; exit` keeps the
	// shell alive as the probe's parent instead of exec'ing it.
	const script = path.join(repo, 'test/helpers/proc-run-probe.ts');
	const shell = spawn(
		'sh',
		['-c', `"${process.execPath}" --import tsx "${script}" processes "${marker}"; exit $?`],
		{
			cwd: repo,
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	const {code, stdout, stderr} = await runToEnd(shell);
	assert.equal(code, 0, stderr);
	const seen = JSON.parse(stdout) as {self: number; parent: number; pids: number[]};
	assert.equal(seen.parent, shell.pid, 'the probe ran under the shell');
	assert.deepEqual(seen.pids, [sibling.pid]);
});

// Takes the marker as its title (its command line) on SIGUSR2, as an exec or setproctitle would: the
// pid stays, the command line changes. The padding argument makes room for the new title.
const retitleCode = `process.on('SIGUSR2', () => { process.title = process.env.MCPTOP_TEST_TITLE; });
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);`;

test(
	'a process that comes to match under the same pid is seen at a rescan or at its recheck',
	{skip: !linux},
	async (t) => {
		const marker = uniqueMarker('retitle');
		const child = spawn(process.execPath, ['-e', retitleCode, 'x'.repeat(96)], {
			stdio: ['ignore', 'pipe', 'ignore'],
			env: {...process.env, MCPTOP_TEST_TITLE: marker},
		});
		t.after(() => stopChild(child));
		await new Promise((resolve) => child.stdout!.once('data', resolve));
		const pid = child.pid!;
		let now = 1000;
		const options = {
			match: new RegExp(escape(marker)),
			fullScanEveryMs: 5000,
			recheckEveryMs: 20_000,
			now: () => now,
		};
		const rescanned = new ProcessProbe(options);
		const rechecked = new ProcessProbe(options);
		const pids = async (probe: ProcessProbe) => (await probe.sample()).map((p) => p.pid);
		assert.deepEqual(await pids(rescanned), []);
		assert.deepEqual(await pids(rechecked), []);
		process.kill(pid, 'SIGUSR2');
		await waitFor(
			() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker),
			'the new title',
		);
		// A full scan 5 s later: the command line read at 1 s is not read again before 0.5 × 20 s.
		now = 6000;
		assert.deepEqual(await pids(rescanned), []);
		assert.deepEqual(await pids(rechecked), []);
		rescanned.rescan();
		assert.deepEqual(await pids(rescanned), [pid], 'a rescan reads every command line');
		// Past 1.5 × recheckEveryMs after the first read.
		now = 1000 + 30_001;
		assert.deepEqual(await pids(rechecked), [pid], 'read again at its recheck');
	},
);
