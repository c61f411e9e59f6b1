import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {type BackupManifest, runBackup} from '../../source/actions/backup.js';
import {describeRestorePlan, planRestore, runRestore} from '../../source/actions/restore.js';
import {
	PROJECT_FILES,
	type TempProject,
	makeProject,
	modeOf,
	recordSteps,
	removeTree,
	snapshotTree,
	withUmask,
} from '../helpers/backup-fixtures.js';

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) removeTree(root);
});

type BackedUp = TempProject & {id: string; folder: string};

async function backedUpProject(): Promise<BackedUp> {
	const p = makeProject();
	roots.push(p.root);
	const result = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(result.ok, true, result.summary);
	return {...p, id: result.data!.id, folder: result.data!.dir};
}

function cfgOf(p: TempProject) {
	return {projectDir: p.projectDir, backupDir: p.backupDir};
}

function projectFile(p: TempProject, rel: string): string {
	return path.join(p.projectDir, rel);
}

function read(file: string): string {
	return fs.readFileSync(file, 'utf8');
}

function editManifest(p: BackedUp, edit: (manifest: BackupManifest) => void): void {
	const file = path.join(p.folder, 'manifest.json');
	const manifest = JSON.parse(read(file)) as BackupManifest;
	edit(manifest);
	fs.writeFileSync(file, JSON.stringify(manifest));
}

function sha256(data: string): string {
	return crypto.createHash('sha256').update(data).digest('hex');
}

/** Restore must refuse and leave the project byte-for-byte as it was (no .pre_restore, no temps). */
async function assertRefused(p: BackedUp, id: string, pattern: RegExp): Promise<void> {
	const before = snapshotTree(p.root);
	const steps = recordSteps();
	const result = await runRestore(cfgOf(p), id, steps.report);
	assert.equal(result.ok, false);
	assert.match(result.summary, pattern);
	assert.equal(steps.last('verify')?.status, 'fail');
	assert.deepEqual(steps.order(), ['verify'], 'nothing after verify');
	assert.deepEqual(snapshotTree(p.root), before);
}

test('restore round trip: content and modes back, .pre_restore holds the old content, matching files untouched', async () => {
	await withUmask(0o022, async () => {
		const p = await backedUpProject();
		const server = projectFile(p, 'unreal_blueprint_mcp_server.py');
		const env = projectFile(p, '.env');
		fs.writeFileSync(server, 'print("broken")\n');
		fs.writeFileSync(env, 'MCPTOP_TOKEN=leaked\n');
		fs.chmodSync(env, 0o644);
		// Same content, other mode: restored (the mode is part of what a backup keeps).
		const security = projectFile(p, 'security_utils.py');
		fs.chmodSync(security, 0o600);
		// Same content and mode: left alone, not even its mtime changes.
		const memory = projectFile(p, 'memory_manager.py');
		const past = new Date('2026-01-02T03:04:05Z');
		fs.utimesSync(memory, past, past);
		fs.rmSync(projectFile(p, 'requirements.txt'));
		fs.rmSync(projectFile(p, 'config'), {recursive: true});

		const plan = await planRestore(cfgOf(p), p.id);
		assert.deepEqual(plan.problems, []);
		assert.deepEqual(plan.overwrite.sort(), [env, security, server]);
		assert.deepEqual(plan.unchanged, [memory]);
		assert.deepEqual(plan.create.sort(), [
			projectFile(p, 'config/settings.ini'),
			projectFile(p, 'requirements.txt'),
		]);

		const steps = recordSteps();
		const result = await runRestore(cfgOf(p), p.id, steps.report);
		assert.equal(result.ok, true, result.summary);
		assert.match(result.summary, /Restored 5 files .*; 1 already matched it/);

		for (const [rel, file] of Object.entries(PROJECT_FILES)) {
			assert.equal(read(projectFile(p, rel)), file.content, rel);
			assert.equal(modeOf(projectFile(p, rel)), file.mode, rel);
		}
		assert.equal(read(`${server}.pre_restore`), 'print("broken")\n');
		assert.equal(modeOf(`${server}.pre_restore`), 0o644);
		assert.equal(read(`${env}.pre_restore`), 'MCPTOP_TOKEN=leaked\n');
		assert.equal(modeOf(`${env}.pre_restore`), 0o644, 'the copy keeps the mode the file had');
		assert.equal(modeOf(`${security}.pre_restore`), 0o600);
		assert.equal(fs.existsSync(`${memory}.pre_restore`), false, 'an unchanged file is not copied');
		assert.equal(fs.statSync(memory).mtimeMs, past.getTime(), 'an unchanged file is not rewritten');
		assert.equal(fs.existsSync(projectFile(p, 'requirements.txt.pre_restore')), false);

		const order = steps.order();
		assert.equal(order[0], 'verify');
		assert.equal(order[1], 'pre_restore');
		assert.equal(order.at(-1), 'done');
		assert.deepEqual(
			order.filter((id) => id.startsWith('write:')).sort(),
			Object.keys(PROJECT_FILES)
				.filter((rel) => rel !== 'memory_manager.py')
				.map((rel) => `write:${rel}`)
				.sort(),
		);
		assert.equal(steps.last('unchanged')?.status, 'skipped');
		assert.match(steps.last('unchanged')?.detail ?? '', /memory_manager\.py/);
		assert.ok(
			order
				.filter((id) => id !== 'pre_restore' && id !== 'unchanged')
				.every((id) => steps.last(id)?.status === 'ok'),
		);
		const leftovers = [...snapshotTree(p.projectDir).keys()].filter((name) =>
			name.endsWith('.tmp'),
		);
		assert.deepEqual(leftovers, []);
	});
});

test('an older .pre_restore is never overwritten; identical content is not copied twice', async () => {
	const p = await backedUpProject();
	const file = projectFile(p, 'memory_manager.py');
	const plain = `${file}.pre_restore`;

	fs.writeFileSync(file, 'v2\n');
	const first = await runRestore(cfgOf(p), p.id, () => {});
	assert.equal(first.ok, true);
	assert.match(first.summary, /^Restored 1 file from backup/);
	assert.equal(read(plain), 'v2\n');

	fs.writeFileSync(file, 'v3\n');
	assert.equal((await runRestore(cfgOf(p), p.id, () => {})).ok, true);
	assert.equal(read(plain), 'v2\n', 'the older copy stays');
	const stamped = fs
		.readdirSync(p.projectDir)
		.filter((name) => name.startsWith('memory_manager.py.pre_restore.'));
	assert.equal(stamped.length, 1);
	assert.match(stamped[0]!, /^memory_manager\.py\.pre_restore\.\d{8}-\d{6}-\d{3}$/);
	assert.equal(read(path.join(p.projectDir, stamped[0]!)), 'v3\n');
	assert.equal(read(file), PROJECT_FILES['memory_manager.py']!.content);

	// The file now holds the same content as one copy's neighbour: v2 again is already saved.
	fs.writeFileSync(file, 'v2\n');
	assert.equal((await runRestore(cfgOf(p), p.id, () => {})).ok, true);
	assert.equal(
		fs.readdirSync(p.projectDir).filter((name) => name.startsWith('memory_manager.py.pre_restore'))
			.length,
		2,
	);
});

test('restoring onto a project that already matches writes nothing and says so', async () => {
	const p = await backedUpProject();
	const before = snapshotTree(p.projectDir);
	const plan = await planRestore(cfgOf(p), p.id);
	assert.deepEqual(plan.overwrite, []);
	assert.equal(plan.unchanged.length, Object.keys(PROJECT_FILES).length);
	const lines = describeRestorePlan(plan, p.projectDir);
	assert.equal(lines[0], 'nothing would change: every file already matches this backup');
	assert.ok(
		lines.slice(1).every((l) => l.startsWith('unchanged ')),
		lines.join('\n'),
	);
	const result = await runRestore(cfgOf(p), p.id, () => {});
	assert.equal(result.ok, true, result.summary);
	assert.match(result.summary, /Nothing to restore: the project already matches backup/);
	assert.deepEqual(snapshotTree(p.projectDir), before);
});

test('a tampered backup copy (same size) is refused and nothing is written', async () => {
	const p = await backedUpProject();
	fs.writeFileSync(projectFile(p, '.env'), 'MCPTOP_TOKEN=changed\n');
	const copy = path.join(p.folder, 'files', 'security_utils.py');
	const data = fs.readFileSync(copy);
	data[0] = data[0]! ^ 0x01;
	fs.writeFileSync(copy, data);
	await assertRefused(p, p.id, /security_utils\.py fails its SHA-256 check/);
	await assert.doesNotReject(planRestore(cfgOf(p), p.id));
	assert.equal((await planRestore(cfgOf(p), p.id)).problems.length, 1);
});

test('a backup copy with the wrong size is refused and nothing is written', async () => {
	const p = await backedUpProject();
	fs.appendFileSync(path.join(p.folder, 'files', 'config', 'settings.ini'), 'extra\n');
	await assertRefused(p, p.id, /settings\.ini is \d+ bytes, the manifest says \d+/);
});

test('manifest entries with .., an absolute path or a NUL byte are refused', async () => {
	const p = await backedUpProject();
	const payload = 'owned\n';
	// Put a matching copy where `files/../x` points, so only the path check can stop it.
	fs.writeFileSync(path.join(p.folder, 'x'), payload);
	const entry = {size: payload.length, mode: 0o644, mtimeMs: 0, sha256: sha256(payload)};
	editManifest(p, (m) => m.files.push({path: '../x', ...entry}));
	await assertRefused(p, p.id, /"\.\.\/x" has a '\.\.' segment/);
	assert.equal(fs.existsSync(path.join(p.root, 'x')), false);

	const absolute = path.join(p.root, 'abs-target');
	editManifest(p, (m) => {
		m.files = m.files.filter((file) => file.path !== '../x');
		m.files.push({path: absolute, ...entry});
	});
	await assertRefused(p, p.id, /is an absolute path/);
	assert.equal(fs.existsSync(absolute), false);

	editManifest(p, (m) => {
		m.files = m.files.filter((file) => file.path !== absolute);
		m.files.push({path: 'a\0b', ...entry});
	});
	await assertRefused(p, p.id, /contains a NUL byte/);
});

test('a symlink in the backup is refused, even one pointing at matching content', async () => {
	const p = await backedUpProject();
	const copy = path.join(p.folder, 'files', 'memory_manager.py');
	const elsewhere = path.join(p.root, 'same-content.py');
	fs.copyFileSync(copy, elsewhere);
	fs.rmSync(copy);
	fs.symlinkSync(elsewhere, copy);
	fs.writeFileSync(projectFile(p, 'memory_manager.py'), 'changed\n');
	await assertRefused(p, p.id, /backup copy of memory_manager\.py is a symlink/);
});

test('a symlinked folder inside the backup is refused', async () => {
	const p = await backedUpProject();
	const configCopy = path.join(p.folder, 'files', 'config');
	const elsewhere = path.join(p.root, 'config-copy');
	fs.cpSync(configCopy, elsewhere, {recursive: true});
	fs.rmSync(configCopy, {recursive: true});
	fs.symlinkSync(elsewhere, configCopy);
	await assertRefused(p, p.id, /folder config in the backup is a symlink/);
});

test('a symlinked target in the project is refused; the link target is untouched', async () => {
	const p = await backedUpProject();
	const outside = path.join(p.root, 'outside.py');
	fs.writeFileSync(outside, 'not part of the project\n');
	const target = projectFile(p, 'security_utils.py');
	fs.rmSync(target);
	fs.symlinkSync(outside, target);
	await assertRefused(p, p.id, /target security_utils\.py is a symlink/);
	assert.equal(read(outside), 'not part of the project\n');
	assert.equal(fs.lstatSync(target).isSymbolicLink(), true);
});

test('a target whose folder resolves outside the project is refused', async () => {
	const p = await backedUpProject();
	const outsideDir = path.join(p.root, 'outside-config');
	fs.mkdirSync(outsideDir);
	fs.writeFileSync(path.join(outsideDir, 'settings.ini'), 'outside\n');
	fs.rmSync(projectFile(p, 'config'), {recursive: true});
	fs.symlinkSync(outsideDir, projectFile(p, 'config'));
	await assertRefused(
		p,
		p.id,
		/target config\/settings\.ini resolves outside the project directory/,
	);
	assert.equal(read(path.join(outsideDir, 'settings.ini')), 'outside\n');
});

test('bad or unknown ids are refused', async () => {
	const p = await backedUpProject();
	fs.mkdirSync(path.join(p.backupDir, '.tmp-20200101-000000-000-abc'));
	const cases: Array<[string, RegExp]> = [
		['../backups/' + p.id, /contains a path separator/],
		['..', /contains '\.\.'/],
		[`${p.id}/..`, /contains a path separator/],
		['', /is empty/],
		['.tmp-20200101-000000-000-abc', /hidden or temporary/],
		['a\0b', /NUL byte/],
		['20200101-000000-000', /there is no backup 20200101-000000-000/],
	];
	for (const [id, pattern] of cases) {
		await assertRefused(p, id, pattern);
		await assert.rejects(planRestore(cfgOf(p), id), pattern);
	}
});

test('a broken manifest is refused with its reason', async () => {
	const p = await backedUpProject();
	fs.writeFileSync(path.join(p.folder, 'manifest.json'), '{"version": 2}');
	await assertRefused(p, p.id, /manifest version 2 is not 1/);
	fs.rmSync(path.join(p.folder, 'manifest.json'));
	await assertRefused(p, p.id, /manifest\.json does not exist/);
});

test('files missing at backup time are left alone by a restore', async () => {
	const p = makeProject();
	roots.push(p.root);
	fs.rmSync(projectFile(p, 'requirements.txt'));
	const backup = await runBackup(
		{projectDir: p.projectDir, files: p.files, backupDir: p.backupDir, keep: 5},
		() => {},
	);
	assert.equal(backup.ok, true, backup.summary);
	fs.writeFileSync(projectFile(p, 'requirements.txt'), 'added later\n');
	const steps = recordSteps();
	const result = await runRestore(cfgOf(p), backup.data!.id, steps.report);
	assert.equal(result.ok, true, result.summary);
	assert.equal(read(projectFile(p, 'requirements.txt')), 'added later\n');
	assert.match(steps.last('done')?.detail ?? '', /left as they are: requirements\.txt/);
});
