import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, test, type TestContext} from 'node:test';
import {
	BACKUP_ID_PATTERN,
	type BackupManifest,
	currentTempOwner,
	formatBytes,
	latestBackupManifest,
	listBackups,
	runBackup,
	tempPrefix,
} from '../../source/actions/backup.js';
import {atomicWriteFile, fsErrorText} from '../../source/actions/fs-safe.js';
import {runRestore} from '../../source/actions/restore.js';
import {killByPid, startBackupChild, tempFoldersOf, treeSize} from '../helpers/backup-crash.js';
import {
	PROJECT_FILES,
	type TempProject,
	makeProject,
	makeTempRoot,
	modeOf,
	recordSteps,
	removeTree,
	snapshotTree,
	withUmask,
} from '../helpers/backup-fixtures.js';
import {mountTmpfs, remountReadOnly, unmount} from '../helpers/readonly-mount.js';
import {waitUntil} from '../helpers/restart-procs.js';

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) removeTree(root);
});

function project(): TempProject {
	const made = makeProject();
	roots.push(made.root);
	return made;
}

/** A clock that starts at `start` and moves one second per call. */
function steppingClock(start = '2026-11-24T10:30:00.123Z'): () => Date {
	let time = Date.parse(start);
	return () => {
		const now = new Date(time);
		time += 1000;
		return now;
	};
}

function sha256(data: string | Buffer): string {
	return crypto.createHash('sha256').update(data).digest('hex');
}

function readManifestFile(dir: string): BackupManifest {
	return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
}

test('backup round trip: copies, modes, private folder and manifest fields', async () => {
	await withUmask(0o022, async () => {
		const p = project();
		const steps = recordSteps();
		const result = await runBackup(
			{
				projectDir: p.projectDir,
				files: p.files,
				backupDir: p.backupDir,
				keep: 20,
				now: () => new Date('2026-11-24T10:30:00.123Z'),
			},
			steps.report,
		);
		assert.equal(result.ok, true, result.summary);
		assert.ok(result.data);
		const {id, dir, manifest} = result.data;
		assert.equal(id, '20261124-103000-123');
		assert.equal(dir, path.join(p.backupDir, id));
		assert.match(result.summary, /20261124-103000-123/);

		assert.equal(modeOf(p.backupDir), 0o700);
		assert.equal(modeOf(dir), 0o700);
		assert.equal(modeOf(path.join(dir, 'manifest.json')), 0o600);

		const onDisk = readManifestFile(dir);
		assert.deepEqual(onDisk, manifest);
		assert.equal(manifest.version, 1);
		assert.equal(manifest.id, id);
		assert.equal(manifest.createdAt, '2026-11-24T10:30:00.123Z');
		assert.equal(manifest.host, os.hostname());
		assert.equal(manifest.projectDir, p.projectDir);
		assert.deepEqual(manifest.missing, []);
		assert.deepEqual(
			manifest.files.map((file) => file.path),
			Object.keys(PROJECT_FILES),
		);
		for (const file of manifest.files) {
			const source = path.join(p.projectDir, file.path);
			const expected = PROJECT_FILES[file.path];
			assert.ok(expected);
			assert.equal(file.size, Buffer.byteLength(expected.content), file.path);
			assert.equal(file.sha256, sha256(expected.content), file.path);
			assert.equal(file.mode, expected.mode, file.path);
			assert.equal(file.mtimeMs, fs.statSync(source).mtimeMs, file.path);
			const copy = path.join(dir, 'files', file.path);
			assert.equal(fs.readFileSync(copy, 'utf8'), expected.content, file.path);
			assert.equal(modeOf(copy), expected.mode, file.path);
		}
		assert.equal(modeOf(path.join(dir, 'files', '.env')), 0o600);
		assert.equal(modeOf(path.join(dir, 'files', 'requirements.txt')), 0o644);
		assert.equal(modeOf(path.join(dir, 'files', 'config')), 0o700);

		assert.equal(steps.last('commit')?.status, 'ok');
		assert.equal(steps.last('copy:.env')?.status, 'ok');
		assert.equal(steps.last('missing'), undefined);
		assert.ok(steps.all.every((step) => step.status !== 'fail'));

		const list = await listBackups(p.backupDir);
		assert.equal(list.length, 1);
		assert.equal(list[0]?.id, id);
		assert.equal(list[0]?.valid, true);
		assert.equal(list[0]?.fileCount, 6);
		const bytes = Object.values(PROJECT_FILES).reduce(
			(sum, file) => sum + Buffer.byteLength(file.content),
			0,
		);
		assert.equal(list[0]?.bytes, bytes);
		assert.deepEqual(await latestBackupManifest(p.backupDir), manifest);
	});
});

test('copies get their exact mode under any umask', async () => {
	for (const mask of [0o000, 0o077]) {
		await withUmask(mask, async () => {
			const p = project();
			const result = await runBackup(
				{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
				() => {},
			);
			assert.equal(result.ok, true, result.summary);
			const dir = result.data!.dir;
			assert.equal(modeOf(path.join(dir, 'files', '.env')), 0o600, `umask ${mask.toString(8)}`);
			assert.equal(modeOf(path.join(dir, 'files', 'memory_manager.py')), 0o644);
			assert.equal(modeOf(path.join(dir, 'files', 'config', 'settings.ini')), 0o640);
			assert.equal(modeOf(p.backupDir), 0o700);
		});
	}
});

test('an existing backup folder with a wider mode is tightened to 0700', async () => {
	const p = project();
	fs.mkdirSync(p.backupDir, {recursive: true});
	fs.chmodSync(p.backupDir, 0o755);
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(result.ok, true, result.summary);
	assert.equal(modeOf(p.backupDir), 0o700);
});

test('two backups in the same millisecond get distinct ids', async () => {
	const p = project();
	const cfg = {
		projectDir: p.projectDir,
		files: p.files,
		backupDir: p.backupDir,
		keep: 5,
		now: () => new Date('2026-11-24T10:30:00.123Z'),
	};
	const first = await runBackup(cfg, () => {});
	const second = await runBackup(cfg, () => {});
	assert.equal(first.ok && second.ok, true);
	assert.equal(first.data?.id, '20261124-103000-123');
	assert.match(second.data!.id, /^20261124-103000-123-[0-9a-f]{4}$/);
	assert.match(second.data!.id, BACKUP_ID_PATTERN);
	assert.equal(readManifestFile(second.data!.dir).id, second.data!.id);
	const ids = (await listBackups(p.backupDir)).map((b) => b.id).sort();
	assert.deepEqual(ids, [first.data!.id, second.data!.id].sort());
});

test('a failure in the middle of a backup leaves no backup and no temp folder', async () => {
	const p = project();
	// A folder where a file is expected: the first files are copied, then this one fails.
	fs.mkdirSync(path.join(p.projectDir, 'plugins'));
	const steps = recordSteps();
	const result = await runBackup(
		{
			projectDir: p.projectDir,
			files: ['unreal_blueprint_mcp_server.py', '.env', 'plugins', 'requirements.txt'],
			backupDir: p.backupDir,
			keep: 5,
		},
		steps.report,
	);
	assert.equal(result.ok, false);
	assert.match(result.summary, /plugins is a folder/);
	assert.equal(steps.last('copy:unreal_blueprint_mcp_server.py')?.status, 'ok');
	assert.equal(steps.last('copy:.env')?.status, 'ok');
	assert.equal(steps.last('copy:plugins')?.status, 'fail');
	assert.equal(steps.last('copy:requirements.txt'), undefined);
	assert.deepEqual(await listBackups(p.backupDir), []);
	assert.deepEqual(fs.readdirSync(p.backupDir), []);
	assert.equal(await latestBackupManifest(p.backupDir), null);
});

test('a symlinked project file fails the backup, leaving nothing', async () => {
	const p = project();
	const outside = path.join(p.root, 'shared.env');
	fs.writeFileSync(outside, 'SHARED=1\n');
	fs.rmSync(path.join(p.projectDir, '.env'));
	fs.symlinkSync(outside, path.join(p.projectDir, '.env'));
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(result.ok, false);
	assert.match(result.summary, /\.env is a symlink/);
	assert.deepEqual(fs.readdirSync(p.backupDir), []);
});

test(
	'an unreadable project file fails the backup, leaving nothing',
	{skip: process.getuid?.() === 0 ? 'root reads files whatever their mode' : false},
	async () => {
		const p = project();
		fs.chmodSync(path.join(p.projectDir, 'security_utils.py'), 0o000);
		const result = await runBackup(
			{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
			() => {},
		);
		assert.equal(result.ok, false);
		assert.match(result.summary, /security_utils\.py: permission denied/);
		assert.deepEqual(fs.readdirSync(p.backupDir), []);
	},
);

test('keeps the newest N valid backups and never touches other folders', async () => {
	const p = project();
	fs.mkdirSync(p.backupDir, {recursive: true, mode: 0o700});
	// Look like backups but have no valid manifest, or have one but a foreign name: never pruned.
	const noManifest = path.join(p.backupDir, '20000101-000000-000');
	fs.mkdirSync(noManifest);
	fs.writeFileSync(path.join(noManifest, 'notes.txt'), 'mine\n');
	const brokenManifest = path.join(p.backupDir, '20000101-000000-001');
	fs.mkdirSync(brokenManifest);
	fs.writeFileSync(path.join(brokenManifest, 'manifest.json'), '{"version": 1');

	const now = steppingClock('2020-01-01T00:00:00.000Z');
	const ids: string[] = [];
	const steps = recordSteps();
	for (let i = 0; i < 5; i++) {
		const result = await runBackup(
			{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 3, now},
			steps.report,
		);
		assert.equal(result.ok, true, result.summary);
		ids.push(result.data!.id);
		if (i === 0) {
			fs.cpSync(result.data!.dir, path.join(p.backupDir, 'my-copy'), {recursive: true});
		}
	}
	const list = await listBackups(p.backupDir);
	const valid = list.filter((b) => b.valid && BACKUP_ID_PATTERN.test(b.id)).map((b) => b.id);
	assert.deepEqual(valid, [ids[4], ids[3], ids[2]]);
	assert.equal(steps.last('prune')?.status, 'ok');
	assert.match(steps.last('prune')?.detail ?? '', new RegExp(ids[1]!));
	assert.ok(fs.existsSync(path.join(noManifest, 'notes.txt')));
	assert.ok(fs.existsSync(path.join(brokenManifest, 'manifest.json')));
	assert.ok(fs.existsSync(path.join(p.backupDir, 'my-copy', 'manifest.json')));
	const broken = list.find((b) => b.id === '20000101-000000-001');
	assert.equal(broken?.valid, false);
	assert.match(broken?.problem ?? '', /not valid JSON/);
	assert.deepEqual(
		fs.readdirSync(p.backupDir).filter((name) => name.startsWith('.')),
		[],
		'no leftovers of pruning',
	);
});

test('a missing file is reported as a warning and listed in the manifest', async () => {
	const p = project();
	fs.rmSync(path.join(p.projectDir, 'memory_manager.py'));
	const steps = recordSteps();
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		steps.report,
	);
	assert.equal(result.ok, true, result.summary);
	assert.match(result.summary, /missing: memory_manager\.py/);
	assert.equal(steps.last('missing')?.status, 'warn');
	assert.match(steps.last('missing')?.detail ?? '', /memory_manager\.py/);
	const manifest = result.data!.manifest;
	assert.deepEqual(manifest.missing, ['memory_manager.py']);
	assert.equal(manifest.files.length, 5);
	assert.ok(!fs.existsSync(path.join(result.data!.dir, 'files', 'memory_manager.py')));
});

test('no configured file present: the backup fails clearly and writes nothing', async () => {
	const p = project();
	const result = await runBackup(
		{
			projectDir: p.projectDir,
			files: ['gone.py', 'also-gone.txt'],
			backupDir: p.backupDir,
			keep: 5,
		},
		() => {},
	);
	assert.equal(result.ok, false);
	assert.match(result.summary, /none of the 2 configured files exists/);
	assert.deepEqual(await listBackups(p.backupDir), []);
	assert.equal(fs.existsSync(p.backupDir), false);
});

test('config entries that escape the project are refused before anything is written', async () => {
	const p = project();
	fs.writeFileSync(path.join(p.root, 'outside.txt'), 'not yours\n');
	for (const bad of ['../outside.txt', path.join(p.root, 'outside.txt'), '.']) {
		const result = await runBackup(
			{projectDir: p.projectDir, files: ['.env', bad], backupDir: p.backupDir, keep: 5},
			() => {},
		);
		assert.equal(result.ok, false, bad);
		assert.match(result.summary, /not inside the project directory/, bad);
		assert.equal(fs.existsSync(p.backupDir), false, bad);
	}
	// A symlinked folder inside the project that points outside is an escape too.
	const outsideDir = path.join(p.root, 'elsewhere');
	fs.mkdirSync(outsideDir);
	fs.writeFileSync(path.join(outsideDir, 'app.ini'), 'x\n');
	fs.symlinkSync(outsideDir, path.join(p.projectDir, 'linked'));
	const result = await runBackup(
		{projectDir: p.projectDir, files: ['.env', 'linked/app.ini'], backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(result.ok, false);
	assert.match(result.summary, /resolves outside the project directory/);
	assert.deepEqual(await listBackups(p.backupDir), []);
	assert.deepEqual(
		fs.readdirSync(p.backupDir).filter((name) => name.startsWith('.')),
		[],
	);
});

test('an absolute path inside the project is stored relative', async () => {
	const p = project();
	const result = await runBackup(
		{
			projectDir: p.projectDir,
			files: [path.join(p.projectDir, '.env'), './requirements.txt', 'requirements.txt'],
			backupDir: p.backupDir,
			keep: 5,
		},
		() => {},
	);
	assert.equal(result.ok, true, result.summary);
	assert.deepEqual(
		result.data!.manifest.files.map((file) => file.path),
		['.env', 'requirements.txt'],
	);
});

test('temp folders are ignored by the list; stale ones are removed by the next backup', async () => {
	const p = project();
	fs.mkdirSync(p.backupDir, {recursive: true, mode: 0o700});
	const stale = path.join(p.backupDir, '.tmp-20200101-000000-000-abc');
	const fresh = path.join(p.backupDir, '.tmp-20200101-000000-001-def');
	for (const dir of [stale, fresh]) {
		fs.mkdirSync(path.join(dir, 'files'), {recursive: true});
		fs.writeFileSync(path.join(dir, 'files', '.env'), 'partial');
	}
	const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
	fs.utimesSync(stale, twoHoursAgo, twoHoursAgo);
	assert.deepEqual(await listBackups(p.backupDir), []);

	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(result.ok, true, result.summary);
	assert.equal(fs.existsSync(stale), false);
	assert.equal(fs.existsSync(fresh), true);
	assert.deepEqual(
		(await listBackups(p.backupDir)).map((b) => b.id),
		[result.data!.id],
	);
});

test('a damaged backup is listed as invalid and skipped as the latest', async () => {
	const p = project();
	const now = steppingClock();
	const cfg = {projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5, now};
	const older = await runBackup(cfg, () => {});
	const newer = await runBackup(cfg, () => {});
	assert.equal(older.ok && newer.ok, true);
	fs.rmSync(path.join(newer.data!.dir, 'files', 'requirements.txt'));
	const list = await listBackups(p.backupDir);
	assert.deepEqual(
		list.map((b) => [b.id, b.valid]),
		[
			[newer.data!.id, false],
			[older.data!.id, true],
		],
	);
	assert.match(list[0]?.problem ?? '', /copy of requirements\.txt is missing/);
	assert.equal((await latestBackupManifest(p.backupDir))?.id, older.data!.id);
	assert.deepEqual(await listBackups(path.join(p.root, 'no-such-folder')), []);
});

test('a keep of less than 1 is refused', async () => {
	const p = project();
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 0},
		() => {},
	);
	assert.equal(result.ok, false);
	assert.match(result.summary, /backup\.keep/);
	assert.equal(fs.existsSync(p.backupDir), false);
});

test('atomicWriteFile writes the exact mode and replaces a symlink instead of following it', async () => {
	const root = makeTempRoot();
	roots.push(root);
	await withUmask(0o022, async () => {
		const victim = path.join(root, 'victim.txt');
		fs.writeFileSync(victim, 'keep me\n');
		const target = path.join(root, 'report.json');
		fs.symlinkSync(victim, target);
		await atomicWriteFile(target, '{"ok":true}\n', 0o600);
		assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n');
		assert.equal(fs.lstatSync(target).isFile(), true);
		assert.equal(fs.readFileSync(target, 'utf8'), '{"ok":true}\n');
		assert.equal(modeOf(target), 0o600);
		const names = [...snapshotTree(root).keys()].sort();
		assert.deepEqual(names, ['report.json', 'victim.txt']);
	});
});

/** A small project with one big file (sparse: it costs no disk until copied) and one small one. */
function crashProject(bigBytes: number): {root: string; projectDir: string; backupDir: string} {
	const root = makeTempRoot();
	roots.push(root);
	const projectDir = path.join(root, 'project');
	fs.mkdirSync(projectDir);
	fs.writeFileSync(path.join(projectDir, 'big.bin'), '');
	fs.truncateSync(path.join(projectDir, 'big.bin'), bigBytes);
	fs.writeFileSync(path.join(projectDir, 'a.txt'), 'first file\n');
	fs.writeFileSync(path.join(projectDir, 'small.txt'), 'small\n');
	return {root, projectDir, backupDir: path.join(root, 'backups')};
}

test('a backup killed with SIGKILL mid-copy leaves no backup; the next one removes its temp folder and says so', async () => {
	const big = 200 * 1024 * 1024;
	const p = crashProject(big);
	const cfg = {projectDir: p.projectDir, backupDir: p.backupDir, keep: 5};
	// The pause at small.txt is only a backstop: the kill normally lands while big.bin is copied.
	const crashing = startBackupChild({
		...cfg,
		files: ['big.bin', 'small.txt'],
		pauseAt: 'small.txt',
	});
	let paused = false;
	void crashing.paused.then(() => (paused = true));
	let copied = -1;
	const seen = await waitUntil(
		() => {
			const [temp] = tempFoldersOf(p.backupDir, crashing.pid);
			const size = temp
				? (fs.statSync(path.join(temp, 'files', 'big.bin'), {throwIfNoEntry: false})?.size ?? 0)
				: 0;
			if (size === 0 && !paused) return false;
			killByPid(crashing.pid);
			copied = size;
			return true;
		},
		60_000,
		2,
	);
	assert.ok(seen, `the child never started copying: ${crashing.stderr()}`);
	assert.deepEqual(await crashing.exited, {code: null, signal: 'SIGKILL'});
	assert.ok(copied > 0 && copied <= big);

	const [leftover] = tempFoldersOf(p.backupDir, crashing.pid);
	assert.ok(leftover, 'the killed backup left its temp folder');
	assert.deepEqual(await listBackups(p.backupDir), [], 'complete or absent: nothing is listed');
	const bytes = treeSize(leftover);
	assert.ok(bytes > 0);

	const steps = recordSteps();
	const result = await runBackup({...cfg, files: ['small.txt']}, steps.report);
	assert.equal(result.ok, true, result.summary);
	const said = `removed 1 stale temporary folder (${formatBytes(bytes)}) left by pid ${crashing.pid}`;
	assert.equal(steps.last('stale')?.detail, said);
	assert.equal(steps.last('stale')?.status, 'ok');
	assert.ok(result.summary.endsWith(`; ${said}`), result.summary);
	assert.equal(fs.existsSync(leftover), false);
	assert.deepEqual(
		(await listBackups(p.backupDir)).map((b) => [b.id, b.valid]),
		[[result.data!.id, true]],
	);
	// Nothing left to clean: the next backup says nothing about leftovers.
	const quiet = recordSteps();
	assert.equal((await runBackup({...cfg, files: ['small.txt']}, quiet.report)).ok, true);
	assert.equal(quiet.last('stale'), undefined);
});

test("a running backup's temp folder is left alone; once its process is killed the next backup removes it", async () => {
	const p = crashProject(0);
	const cfg = {projectDir: p.projectDir, backupDir: p.backupDir, keep: 5};
	const running = startBackupChild({...cfg, files: ['a.txt', 'small.txt'], pauseAt: 'small.txt'});
	try {
		await running.paused;
		const [temp] = tempFoldersOf(p.backupDir, running.pid);
		assert.ok(temp, 'the running backup has its temp folder');

		const steps = recordSteps();
		const result = await runBackup({...cfg, files: ['small.txt']}, steps.report);
		assert.equal(result.ok, true, result.summary);
		assert.equal(
			steps.last('stale')?.detail,
			`left 1 temporary folder alone: pid ${running.pid} still runs a backup`,
		);
		assert.ok(fs.existsSync(path.join(temp, 'files', 'a.txt')), 'its copy is untouched');
		assert.ok(!result.summary.includes('removed'), result.summary);

		killByPid(running.pid);
		assert.equal((await running.exited).signal, 'SIGKILL');
		const after = recordSteps();
		assert.equal((await runBackup({...cfg, files: ['small.txt']}, after.report)).ok, true);
		assert.equal(
			after.last('stale')?.detail,
			`removed 1 stale temporary folder (${formatBytes('first file\n'.length)}) left by pid ${running.pid}`,
		);
		assert.equal(fs.existsSync(temp), false);
	} finally {
		killByPid(running.pid);
	}
});

test("a temp folder whose pid now names another process is stale; this process's own is not", async () => {
	const p = project();
	fs.mkdirSync(p.backupDir, {recursive: true, mode: 0o700});
	const me = currentTempOwner();
	// Same pid (it is running: this test), another start time: the pid was handed out again.
	const reused = path.join(p.backupDir, `${tempPrefix({...me, startTicks: me.startTicks + 1})}abc`);
	const mine = path.join(p.backupDir, `${tempPrefix(me)}def`);
	for (const dir of [reused, mine]) fs.mkdirSync(dir);
	fs.writeFileSync(path.join(reused, 'partial'), 'x'.repeat(2048));
	const steps = recordSteps();
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		steps.report,
	);
	assert.equal(result.ok, true, result.summary);
	assert.equal(
		steps.last('stale')?.detail,
		`removed 1 stale temporary folder (2.0 KB) left by pid ${process.pid}`,
	);
	assert.equal(fs.existsSync(reused), false);
	assert.equal(fs.existsSync(mine), true);
});

test('a read-only file system is named as such, with the path, for the backup folder and restore targets', async (t: TestContext) => {
	const root = makeTempRoot();
	roots.push(root);
	const mnt = path.join(root, 'ro');
	fs.mkdirSync(mnt);
	const cannot = mountTmpfs(mnt);
	if (cannot !== null) {
		t.skip(`cannot mount a tmpfs here (${cannot}); needs root or CAP_SYS_ADMIN`);
		return;
	}
	try {
		// Made while still writable: a project, an existing private backup folder.
		const p = makeProject(fs.mkdtempSync(path.join(mnt, 'p-')));
		const existing = path.join(mnt, 'backups');
		fs.mkdirSync(existing, {mode: 0o700});
		const elsewhere = path.join(root, 'backups');
		const backup = await runBackup(
			{projectDir: p.projectDir, files: p.files, backupDir: elsewhere, keep: 5},
			() => {},
		);
		assert.equal(backup.ok, true, backup.summary);
		fs.writeFileSync(path.join(p.projectDir, '.env'), 'MCPTOP_TOKEN=changed\n');
		remountReadOnly(mnt);

		// Missing backup folder on it: Node's recursive mkdir says ENOENT here.
		const missing = path.join(mnt, 'state', 'backups');
		const created = await runBackup(
			{projectDir: p.projectDir, files: p.files, backupDir: missing, keep: 5},
			() => {},
		);
		assert.equal(created.ok, false);
		assert.equal(
			created.summary,
			`Backup failed: cannot create the backup folder ${missing}: ${path.join(mnt, 'state')}: read-only file system`,
		);
		assert.doesNotMatch(created.summary, /does not exist/);
		assert.match(created.next ?? '', /read-only file system: set backup\.dir/);

		// An existing backup folder on it.
		const written = await runBackup(
			{projectDir: p.projectDir, files: p.files, backupDir: existing, keep: 5},
			() => {},
		);
		assert.equal(written.ok, false);
		assert.equal(
			written.summary,
			`Backup failed: cannot write in the backup folder ${existing}: read-only file system`,
		);

		// Restoring into a project on it: refused before anything changes, with the path.
		const restore = await runRestore(
			{projectDir: p.projectDir, backupDir: elsewhere},
			backup.data!.id,
			() => {},
		);
		assert.equal(restore.ok, false);
		assert.match(
			restore.summary,
			new RegExp(
				`could not save a copy of ${path.join(p.projectDir, '.env').replace(/[.]/g, '\\.')}: read-only file system`,
			),
		);
		assert.equal(
			fs.readFileSync(path.join(p.projectDir, '.env'), 'utf8'),
			'MCPTOP_TOKEN=changed\n',
		);
	} finally {
		unmount(mnt);
	}
});

test('permission denied is named as such, with the path, not as a missing folder', async () => {
	const root = makeTempRoot();
	roots.push(root);
	const p = makeProject(root);
	const locked = path.join(root, 'locked');
	fs.mkdirSync(locked, {mode: 0o700});
	const backupDir = path.join(locked, 'state', 'backups');
	const cfg = {projectDir: p.projectDir, files: ['requirements.txt'], backupDir, keep: 5};
	let summary: string;
	let next: string | undefined;
	if (process.getuid?.() === 0) {
		// Root passes every permission check: run the backup as nobody, which may read the project
		// but not enter the locked folder.
		fs.chmodSync(root, 0o755);
		fs.chmodSync(p.projectDir, 0o755);
		const child = startBackupChild(cfg, {uid: 65534, gid: 65534, env: {...process.env, HOME: '/'}});
		const exit = await child.exited;
		assert.equal(exit.code, 0, child.stderr());
		({summary, next} = JSON.parse(child.stdout().trim().split('\n').at(-1)!) as {
			summary: string;
			next?: string;
		});
	} else {
		fs.chmodSync(locked, 0o500);
		({summary, next} = await runBackup(cfg, () => {}));
	}
	assert.equal(
		summary,
		`Backup failed: cannot create the backup folder ${backupDir}: ${path.join(locked, 'state')}: permission denied`,
	);
	assert.match(next ?? '', /Run mcptop as a user that may write to/);
	assert.equal(
		fsErrorText(Object.assign(new Error('x'), {code: 'EROFS'})),
		'read-only file system',
	);
});
