// Restore (SPEC 5): put the files of one backup back into the project directory.
//
// Order, so a bad backup can never damage the project:
// 1. verify: the id, the manifest, every entry path, every backup copy (no symlinks, size and SHA-256)
//    and every target (inside the project after resolving symlinked parents, not itself a symlink).
//    Any problem refuses the whole restore before anything is written.
// 2. pre_restore: each file about to be replaced is copied to `<file>.pre_restore` with its mode. When
//    that name is taken by older content, the older copy stays and the new one is
//    `<file>.pre_restore.<UTC time>`; when it already holds the same content it is reused.
// 3. write: every file is staged as a temp file next to its target (recorded mode, fsynced, hashed
//    again while copying), then all are renamed over their targets and each folder is fsynced.
//    Files the backup lists as missing are left alone.

import fsp from 'node:fs/promises';
import path from 'node:path';
import {plural} from '../lib/format.js';
import type {ActionResult, StepReporter} from '../types.js';
import {
	type BackupManifest,
	FILES_DIR,
	backupIdFor,
	readManifest,
	unsafeEntryPath,
} from './backup.js';
import {
	PERMISSION_BITS,
	copyIntoNewFile,
	fsErrorText,
	fsErrorWhere,
	fsyncDir,
	hashOpenFile,
	isErrno,
	isInside,
	openRegularFile,
	tempSiblingPath,
} from './fs-safe.js';

export type RestorePlan = {
	id: string;
	manifest: BackupManifest;
	/** Absolute paths that exist and will be replaced. */
	overwrite: string[];
	/** Absolute paths that already hold the backup's content and mode: left as they are. */
	unchanged: string[];
	/** Absolute paths that do not exist and will be created. */
	create: string[];
	/** Why the restore must not run; empty when it may. */
	problems: string[];
};

export type RestoreConfig = {projectDir: string; backupDir: string};

const MAX_PRE_RESTORE_NAMES = 100;

/** Why `id` cannot name a backup folder, or null. Ids are plain folder names. */
export function unsafeBackupId(id: string): string | null {
	if (typeof id !== 'string' || id.length === 0) return 'is empty';
	if (id.includes('\0')) return 'contains a NUL byte';
	if (id.includes('/') || id.includes('\\')) return 'contains a path separator';
	if (id.includes('..')) return "contains '..'";
	if (id.startsWith('.')) return 'names a hidden or temporary folder';
	return null;
}

function targetPath(projectDir: string, rel: string): string {
	return path.join(projectDir, ...rel.split('/'));
}

/** Check one backup copy: no symlinked folders or file, regular file, size and SHA-256 as recorded. */
async function checkBackupCopy(
	backupFolder: string,
	file: BackupManifest['files'][number],
): Promise<string | null> {
	const label = `backup copy of ${file.path}`;
	let current = backupFolder;
	for (const segment of [FILES_DIR, ...file.path.split('/').slice(0, -1)]) {
		current = path.join(current, segment);
		const stat = await fsp.lstat(current).catch(() => null);
		if (!stat) return `${label} is missing`;
		if (stat.isSymbolicLink()) return `${label}: folder ${segment} in the backup is a symlink`;
		if (!stat.isDirectory()) return `${label}: ${segment} in the backup is not a folder`;
	}
	let opened;
	try {
		opened = await openRegularFile(path.join(current, path.posix.basename(file.path)), label);
	} catch (err) {
		if (isErrno(err, 'ELOOP', 'ENOTREG')) return (err as Error).message;
		return `${label} ${fsErrorText(err)}`;
	}
	try {
		if (opened.stat.size !== file.size) {
			return `${label} is ${opened.stat.size} bytes, the manifest says ${file.size}`;
		}
		const actual = await hashOpenFile(opened.handle);
		if (actual.size !== file.size || actual.sha256 !== file.sha256) {
			return `${label} fails its SHA-256 check (changed or damaged)`;
		}
		return null;
	} catch (err) {
		return `${label}: ${fsErrorText(err)}`;
	} finally {
		await opened.handle.close();
	}
}

type TargetCheck =
	| {
			abs: string;
			exists: boolean;
			uid: number;
			gid: number;
			/** Permission bits; -1 if absent. */ mode: number;
	  }
	| {abs: string; problem: string};

/**
 * Check where a file would be written: the nearest existing parent must resolve inside the project
 * and be a folder; the target must be absent or a regular file (never a symlink).
 */
async function checkTarget(
	projectDir: string,
	realProject: string,
	rel: string,
): Promise<TargetCheck> {
	const abs = targetPath(projectDir, rel);
	const label = `target ${rel}`;
	let parent = path.dirname(abs);
	// Bounded by the path depth: projectDir itself exists.
	while (parent !== projectDir && isInside(projectDir, parent)) {
		if ((await fsp.lstat(parent).catch(() => null)) !== null) break;
		parent = path.dirname(parent);
	}
	let realParent: string;
	try {
		realParent = await fsp.realpath(parent);
	} catch (err) {
		return {abs, problem: `${label}: cannot resolve ${parent}: ${fsErrorText(err)}`};
	}
	if (!isInside(realProject, realParent)) {
		return {abs, problem: `${label} resolves outside the project directory (via ${realParent})`};
	}
	const parentStat = await fsp.stat(realParent).catch(() => null);
	if (!parentStat?.isDirectory()) return {abs, problem: `${label}: ${parent} is not a folder`};
	if (parent !== path.dirname(abs)) return {abs, exists: false, uid: -1, gid: -1, mode: -1};
	try {
		const stat = await fsp.lstat(abs);
		if (stat.isSymbolicLink()) {
			return {abs, problem: `${label} is a symlink; mcptop will not write through it`};
		}
		if (!stat.isFile()) {
			return {
				abs,
				problem: `${label} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}`,
			};
		}
		return {abs, exists: true, uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777};
	} catch (err) {
		if (isErrno(err, 'ENOENT')) return {abs, exists: false, uid: -1, gid: -1, mode: -1};
		return {abs, problem: `${label}: ${fsErrorText(err)}`};
	}
}

/** What a restore will do to each file, one line each, paths relative to the project folder. */
export function describeRestorePlan(plan: RestorePlan, projectDir: string): string[] {
	const rel = (f: string) => path.relative(path.resolve(projectDir), f) || f;
	const changes = plan.overwrite.length + plan.create.length;
	return [
		...(changes === 0 ? ['nothing would change: every file already matches this backup'] : []),
		...plan.overwrite.map((f) => `overwrite ${rel(f)} (the old copy is kept as .pre_restore)`),
		...plan.create.map((f) => `create ${rel(f)}`),
		...plan.unchanged.map((f) => `unchanged ${rel(f)} (already as in the backup: left alone)`),
	];
}

/**
 * Verify a backup against the project without writing anything. Throws an Error with an operator
 * message when the backup cannot be read at all (bad id, no such backup, broken manifest); returns
 * every other reason to refuse in `problems`.
 */
export async function planRestore(cfg: RestoreConfig, id: string): Promise<RestorePlan> {
	const bad = unsafeBackupId(id);
	if (bad) {
		throw new Error(`backup id ${JSON.stringify(id)} ${bad}; use a name from the backup list`);
	}
	const backupDir = path.resolve(cfg.backupDir);
	const folder = path.join(backupDir, id);
	let stat;
	try {
		stat = await fsp.lstat(folder);
	} catch (err) {
		if (isErrno(err, 'ENOENT')) throw new Error(`there is no backup ${id} in ${backupDir}`);
		throw new Error(`cannot open backup ${id}: ${fsErrorText(err)}`);
	}
	if (stat.isSymbolicLink()) throw new Error(`backup ${id} is a symlink; refusing it`);
	if (!stat.isDirectory()) throw new Error(`backup ${id} is not a folder`);
	const read = await readManifest(folder);
	if ('problem' in read) throw new Error(`backup ${id} cannot be used: ${read.problem}`);
	const {manifest} = read;

	const projectDir = path.resolve(cfg.projectDir);
	let realProject: string;
	try {
		realProject = await fsp.realpath(projectDir);
		if (!(await fsp.stat(realProject)).isDirectory()) throw new Error('not a folder');
	} catch {
		throw new Error(`project directory ${projectDir} does not exist or is not a folder`);
	}

	const problems: string[] = [];
	const overwrite: string[] = [];
	const unchanged: string[] = [];
	const create: string[] = [];
	const seen = new Set<string>();
	if (manifest.files.length === 0) problems.push(`backup ${id} holds no files`);
	for (const file of manifest.files) {
		const unsafe = unsafeEntryPath(file.path);
		if (unsafe) {
			problems.push(`manifest entry ${JSON.stringify(file.path)} ${unsafe}`);
			continue;
		}
		if (seen.has(file.path)) {
			problems.push(`manifest entry ${JSON.stringify(file.path)} is listed twice`);
			continue;
		}
		seen.add(file.path);
		const copyProblem = await checkBackupCopy(folder, file);
		if (copyProblem) problems.push(copyProblem);
		const target = await checkTarget(projectDir, realProject, file.path);
		if ('problem' in target) problems.push(target.problem);
		else if (!target.exists) create.push(target.abs);
		else if (target.mode === file.mode && (await sameContent(target.abs, file)))
			unchanged.push(target.abs);
		else overwrite.push(target.abs);
	}
	return {id, manifest, overwrite, unchanged, create, problems};
}

async function sameContent(
	file: string,
	expected: {size: number; sha256: string},
): Promise<boolean> {
	try {
		const {handle} = await openRegularFile(file);
		try {
			const actual = await hashOpenFile(handle);
			return actual.size === expected.size && actual.sha256 === expected.sha256;
		} finally {
			await handle.close();
		}
	} catch {
		return false;
	}
}

/** Copy `target` to a `.pre_restore` name with its mode; never overwrites an existing copy. */
async function savePreRestore(target: string, stamp: string): Promise<string> {
	const {handle, stat} = await openRegularFile(target);
	try {
		const mode = stat.mode & PERMISSION_BITS;
		const owner = process.getuid?.() === 0 ? {uid: stat.uid, gid: stat.gid} : undefined;
		const plain = `${target}.pre_restore`;
		let saved: string | null = null;
		try {
			await copyIntoNewFile(handle, plain, mode, owner);
			saved = plain;
		} catch (err) {
			if (!isErrno(err, 'EEXIST')) throw err;
		}
		if (saved === null && (await sameContent(plain, await hashOpenFile(handle)))) return plain;
		for (let n = 0; saved === null && n < MAX_PRE_RESTORE_NAMES; n++) {
			const candidate = n === 0 ? `${plain}.${stamp}` : `${plain}.${stamp}-${n}`;
			try {
				await copyIntoNewFile(handle, candidate, mode, owner);
				saved = candidate;
			} catch (err) {
				if (!isErrno(err, 'EEXIST')) throw err;
			}
		}
		if (saved === null) throw new Error(`too many .pre_restore copies of ${target}`);
		await fsyncDir(path.dirname(target));
		return saved;
	} finally {
		await handle.close();
	}
}

/** Create the missing folders of `dir` one level at a time (default mode), never through links. */
async function makeFolders(projectDir: string, dir: string): Promise<void> {
	const rel = path.relative(projectDir, dir);
	let current = projectDir;
	for (const segment of rel === '' ? [] : rel.split(path.sep)) {
		current = path.join(current, segment);
		try {
			await fsp.mkdir(current);
		} catch (err) {
			if (!isErrno(err, 'EEXIST')) throw err;
		}
	}
}

function problemList(problems: string[]): string {
	const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
	return `${problems[0]}${more}`;
}

type Staged = {file: BackupManifest['files'][number]; target: string; temp: string};

export async function runRestore(
	cfg: RestoreConfig,
	id: string,
	report: StepReporter,
): Promise<ActionResult> {
	const verifyLabel = `Verify backup ${id}`;
	report({id: 'verify', label: verifyLabel, status: 'running'});
	let plan: RestorePlan;
	try {
		plan = await planRestore(cfg, id);
	} catch (err) {
		const message = err instanceof Error ? err.message : String(err);
		report({id: 'verify', label: verifyLabel, status: 'fail', detail: message});
		return {
			ok: false,
			summary: `Restore refused: ${message}`,
			next: 'Pick a backup from the list (mcptop restore without an id lists them).',
		};
	}
	if (plan.problems.length > 0) {
		report({id: 'verify', label: verifyLabel, status: 'fail', detail: plan.problems.join('; ')});
		return {
			ok: false,
			summary: `Restore of ${id} refused, nothing was written: ${problemList(plan.problems)}`,
			next: 'Pick another backup, or fix the project folder (symlinks) and try again.',
			data: {id, problems: plan.problems},
		};
	}
	const {manifest} = plan;
	const projectDir = path.resolve(cfg.projectDir);
	const note = manifest.projectDir !== projectDir ? ` (taken from ${manifest.projectDir})` : '';
	report({
		id: 'verify',
		label: verifyLabel,
		status: 'ok',
		detail: `${plural(manifest.files.length, 'file')} match their size and SHA-256${note}`,
	});

	const preLabel = 'Save .pre_restore copies';
	report({id: 'pre_restore', label: preLabel, status: 'running'});
	const preRestore: string[] = [];
	const stamp = backupIdFor(new Date());
	for (const target of plan.overwrite) {
		try {
			preRestore.push(await savePreRestore(target, stamp));
		} catch (err) {
			const message = `could not save a copy of ${target}: ${fsErrorText(err)}`;
			report({id: 'pre_restore', label: preLabel, status: 'fail', detail: message});
			return {
				ok: false,
				summary: `Restore of ${id} stopped before replacing anything: ${message}`,
				next: 'Check the project folder is writable and has free space.',
			};
		}
	}
	report({
		id: 'pre_restore',
		label: preLabel,
		status: plan.overwrite.length > 0 ? 'ok' : 'skipped',
		detail:
			plan.overwrite.length > 0
				? preRestore.map((file) => path.relative(projectDir, file)).join(', ')
				: 'no existing files to replace',
	});

	const realProject = await fsp.realpath(projectDir);
	const staged: Staged[] = [];
	const discardStaged = async (from = 0) => {
		for (const entry of staged.slice(from)) await fsp.unlink(entry.temp).catch(() => undefined);
	};
	let step = '';
	let stepLabel = '';
	// Files that already match the backup are not touched: no copy, no write, their mtime kept.
	const keep = new Set(plan.unchanged);
	if (keep.size > 0) {
		report({
			id: 'unchanged',
			label: 'Unchanged files',
			status: 'skipped',
			detail: `already as in the backup, left alone: ${plan.unchanged.map((f) => path.relative(projectDir, f)).join(', ')}`,
		});
	}
	try {
		for (const file of manifest.files) {
			if (keep.has(targetPath(projectDir, file.path))) continue;
			step = `write:${file.path}`;
			stepLabel = `Write ${file.path}`;
			report({id: step, label: stepLabel, status: 'running', detail: 'staging'});
			// Checked again right before writing: the project may have changed since the plan.
			let target = await checkTarget(projectDir, realProject, file.path);
			if ('problem' in target) throw new Error(target.problem);
			await makeFolders(projectDir, path.dirname(target.abs));
			target = await checkTarget(projectDir, realProject, file.path);
			if ('problem' in target) throw new Error(target.problem);
			const owner =
				target.exists && process.getuid?.() === 0 ? {uid: target.uid, gid: target.gid} : undefined;
			const source = await openRegularFile(
				path.join(path.resolve(cfg.backupDir), id, FILES_DIR, ...file.path.split('/')),
				`backup copy of ${file.path}`,
			);
			const temp = tempSiblingPath(target.abs, 'mcptop-restore');
			try {
				const copied = await copyIntoNewFile(source.handle, temp, file.mode, owner);
				staged.push({file, target: target.abs, temp});
				if (copied.size !== file.size || copied.sha256 !== file.sha256) {
					throw new Error(`backup copy of ${file.path} changed during the restore`);
				}
			} finally {
				await source.handle.close();
			}
		}
	} catch (err) {
		await discardStaged();
		const message = err instanceof Error && !('code' in err) ? err.message : fsErrorWhere(err);
		report({id: step, label: stepLabel, status: 'fail', detail: message});
		return {
			ok: false,
			summary: `Restore of ${id} stopped before replacing anything: ${message}`,
			next: 'Check the project folder and free space, then try again.',
		};
	}

	const written: string[] = [];
	for (const [index, entry] of staged.entries()) {
		const label = `Write ${entry.file.path}`;
		try {
			await fsp.rename(entry.temp, entry.target);
			await fsyncDir(path.dirname(entry.target));
			written.push(entry.target);
			report({
				id: `write:${entry.file.path}`,
				label,
				status: 'ok',
				detail: `mode ${entry.file.mode.toString(8).padStart(4, '0')}`,
			});
		} catch (err) {
			await discardStaged(index);
			const message = fsErrorWhere(err);
			report({id: `write:${entry.file.path}`, label, status: 'fail', detail: message});
			return {
				ok: false,
				summary: `Restore of ${id} failed after replacing ${written.length} of ${staged.length} files: ${message}`,
				next: 'The replaced files have .pre_restore copies; fix the cause and restore again.',
				data: {id, written, preRestore},
			};
		}
	}

	const missingNote =
		manifest.missing.length > 0
			? `; not in the backup, left as they are: ${manifest.missing.join(', ')}`
			: '';
	const unchangedNote = keep.size > 0 ? `; ${keep.size} already matched it` : '';
	report({
		id: 'done',
		label: 'Done',
		status: 'ok',
		detail: `${plural(written.length, 'file')} restored${unchangedNote}${missingNote}`,
	});
	return {
		ok: true,
		summary:
			(written.length > 0
				? `Restored ${plural(written.length, 'file')} from backup ${id}`
				: `Nothing to restore: the project already matches backup ${id}`) +
			(preRestore.length > 0 ? `; replaced files kept as .pre_restore copies` : '') +
			unchangedNote +
			missingNote,
		data: {
			id,
			written,
			preRestore,
			created: plan.create,
			unchanged: plan.unchanged,
			missing: manifest.missing,
		},
	};
}
