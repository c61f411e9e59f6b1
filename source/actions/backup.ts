// Backup (SPEC 5): copy the configured project files into a new timestamped folder under the backup
// directory, with a manifest of sizes, modes and SHA-256 sums. A backup is built in a hidden `.tmp-`
// folder, fsynced, and renamed into place, so it is either complete or absent.
//
// A backup killed mid-copy (kill -9, OOM, power loss) leaves its temp folder behind. Each temp
// folder's name says who writes it (`.tmp-<pid>-s<start time>-h<host>-…`), so the next backup
// removes the ones whose process is gone (or whose pid now names another process) and leaves those
// of a backup still running alone. Folders without an owner in the name (older mcptop versions) are
// removed once they are an hour old, as are those made on another host sharing the folder.
//
// Decisions:
// - Ids are UTC times (`20261124-103000-123`, plus `-a1b2` when that name is taken) so they sort in
//   time order across time-zone and DST changes.
// - Copies live in `<id>/files/<relative path>` so a project file named manifest.json cannot clash.
// - A configured file that is missing is listed in the manifest and reported as a warning. When none
//   of the configured files exists the backup fails and nothing is written.
// - Only regular files are backed up. A configured file that is a symlink, a folder or a device fails
//   the backup with a clear message: restore refuses to write through links, so a backup of one
//   could never be put back.

import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {plural} from '../lib/format.js';
import {hasProc, isGone as procGone, readProcStat} from '../probes/proc.js';
import type {ActionResult, StepReporter} from '../types.js';
import {
	PERMISSION_BITS,
	copyIntoNewFile,
	ensurePrivateDir,
	fsErrorText,
	fsErrorWhere,
	fsyncDir,
	isErrno,
	isInside,
	makePrivateDir,
	openRegularFile,
	writeNewFile,
} from './fs-safe.js';

export type BackupManifest = {
	version: 1;
	id: string;
	/** ISO time the backup was taken. */
	createdAt: string;
	host: string;
	/** Absolute project directory the files were copied from. */
	projectDir: string;
	files: Array<{
		/** Relative to projectDir, `/`-separated. */
		path: string;
		size: number;
		/** Permission bits (e.g. 0o600). */
		mode: number;
		mtimeMs: number;
		sha256: string;
	}>;
	/** Configured files that did not exist when the backup was taken. */
	missing: string[];
};

export type BackupSummary = {
	id: string;
	dir: string;
	createdAt: string;
	fileCount: number;
	bytes: number;
	/** Manifest readable and every copy present with its recorded size (checksums: see planRestore). */
	valid: boolean;
	problem?: string;
};

export type BackupConfig = {
	projectDir: string;
	/** Paths relative to projectDir (absolute paths inside projectDir are accepted too). */
	files: string[];
	backupDir: string;
	/** Number of backups to keep (the newest); at least 1. */
	keep: number;
	now?: () => Date;
};

export const MANIFEST_FILE = 'manifest.json';
export const FILES_DIR = 'files';
export const TEMP_PREFIX = '.tmp-';
export const BACKUP_ID_PATTERN = /^\d{8}-\d{6}-\d{3}(?:-[0-9a-f]{4,8})?$/;
const STALE_TEMP_MS = 60 * 60 * 1000;
const MAX_NAME_ATTEMPTS = 5;

function pad(value: number, width = 2): string {
	return String(value).padStart(width, '0');
}

/** `20261124-103000-123` for a UTC time. */
export function backupIdFor(time: Date): string {
	return (
		`${time.getUTCFullYear()}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}-` +
		`${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}${pad(time.getUTCSeconds())}-` +
		pad(time.getUTCMilliseconds(), 3)
	);
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Why a manifest entry path is unsafe, or null when it is a plain relative path: no NUL, not
 * absolute, no `..`, `.` or empty segments, no backslashes (manifests always use `/`).
 */
export function unsafeEntryPath(entry: string): string | null {
	if (entry.length === 0) return 'is empty';
	if (entry.includes('\0')) return 'contains a NUL byte';
	if (entry.startsWith('/') || path.isAbsolute(entry) || /^[a-zA-Z]:/.test(entry))
		return 'is an absolute path';
	if (entry.includes('\\')) return 'contains a backslash';
	const segments = entry.split('/');
	if (segments.includes('..')) return "has a '..' segment";
	if (segments.some((segment) => segment === '' || segment === '.'))
		return 'is not a normalised relative path';
	return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validate untrusted manifest JSON. Entry paths are checked separately (see unsafeEntryPath). */
export function parseManifest(text: string): {manifest: BackupManifest} | {problem: string} {
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch {
		return {problem: 'manifest is not valid JSON'};
	}
	if (!isRecord(raw)) return {problem: 'manifest is not a JSON object'};
	if (raw['version'] !== 1) return {problem: `manifest version ${String(raw['version'])} is not 1`};
	for (const key of ['id', 'createdAt', 'host', 'projectDir'] as const) {
		if (typeof raw[key] !== 'string') return {problem: `manifest field "${key}" is not a string`};
	}
	if (Number.isNaN(Date.parse(raw['createdAt'] as string)))
		return {problem: 'manifest field "createdAt" is not a time'};
	if (!Array.isArray(raw['files'])) return {problem: 'manifest field "files" is not a list'};
	if (!Array.isArray(raw['missing']) || raw['missing'].some((m) => typeof m !== 'string'))
		return {problem: 'manifest field "missing" is not a list of paths'};
	const files: BackupManifest['files'] = [];
	for (const [index, entry] of raw['files'].entries()) {
		const where = `manifest files[${index}]`;
		if (!isRecord(entry)) return {problem: `${where} is not an object`};
		const {path: entryPath, size, mode, mtimeMs, sha256} = entry;
		if (typeof entryPath !== 'string') return {problem: `${where}.path is not a string`};
		if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
			return {problem: `${where}.size is not a byte count`};
		if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > PERMISSION_BITS)
			return {problem: `${where}.mode is not a permission mode`};
		if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs))
			return {problem: `${where}.mtimeMs is not a time`};
		if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
			return {problem: `${where}.sha256 is not a SHA-256 hex digest`};
		files.push({path: entryPath, size, mode, mtimeMs, sha256});
	}
	return {
		manifest: {
			version: 1,
			id: raw['id'] as string,
			createdAt: raw['createdAt'] as string,
			host: raw['host'] as string,
			projectDir: raw['projectDir'] as string,
			files,
			missing: raw['missing'] as string[],
		},
	};
}

/** Read and validate `<backupDir>/<id>/manifest.json` without following symlinks. */
export async function readManifest(
	dir: string,
): Promise<{manifest: BackupManifest} | {problem: string}> {
	let text: string;
	try {
		const {handle} = await openRegularFile(path.join(dir, MANIFEST_FILE), MANIFEST_FILE);
		try {
			text = await handle.readFile('utf8');
		} finally {
			await handle.close();
		}
	} catch (err) {
		return {problem: `${MANIFEST_FILE} ${fsErrorText(err)}`};
	}
	return parseManifest(text);
}

type ProjectEntry = {rel: string; abs: string};

/** Config entries as project-relative paths; throws naming every entry that escapes the project. */
function projectEntries(projectDir: string, files: string[]): ProjectEntry[] {
	const entries: ProjectEntry[] = [];
	const escaping: string[] = [];
	const seen = new Set<string>();
	for (const file of files) {
		const abs = path.resolve(projectDir, file);
		const rel = path.relative(projectDir, abs);
		if (file.includes('\0') || rel === '' || !isInside(projectDir, abs)) {
			escaping.push(JSON.stringify(file));
			continue;
		}
		const posix = rel.split(path.sep).join('/');
		if (seen.has(posix)) continue;
		seen.add(posix);
		entries.push({rel: posix, abs});
	}
	if (escaping.length > 0) {
		throw new Error(
			`refusing files that are not inside the project directory ${projectDir}: ${escaping.join(', ')}`,
		);
	}
	return entries;
}

async function pathExists(file: string): Promise<boolean> {
	try {
		await fsp.lstat(file);
		return true;
	} catch (err) {
		if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
		throw err;
	}
}

/** The process writing a temp folder, as recorded in the folder's name. */
export type TempOwner = {pid: number; startTicks: number; host: string};

const TEMP_OWNER_PATTERN = /^\.tmp-(\d+)-s(\d+)-h([0-9a-f]{8})-/;

let ownStartTicks: number | undefined;

/** Short hash of the host name: a pid only means something on the host that handed it out. */
function hostTag(): string {
	return crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
}

/** This process, as the owner of the temp folders it makes (start time 0 without /proc). */
export function currentTempOwner(): TempOwner {
	ownStartTicks ??= readProcStat(process.pid)?.startTicks ?? 0;
	return {pid: process.pid, startTicks: ownStartTicks, host: hostTag()};
}

/** `.tmp-<pid>-s<start ticks>-h<host>-`: the start of every temp folder name `owner` makes. */
export function tempPrefix(owner: TempOwner = currentTempOwner()): string {
	return `${TEMP_PREFIX}${owner.pid}-s${owner.startTicks}-h${owner.host}-`;
}

export function parseTempOwner(name: string): TempOwner | null {
	const m = TEMP_OWNER_PATTERN.exec(name);
	return m ? {pid: Number(m[1]), startTicks: Number(m[2]), host: m[3]!} : null;
}

/** Is the process that named a temp folder still running? A pid with another start time is not it. */
function ownerState(owner: TempOwner): 'running' | 'gone' | 'elsewhere' {
	if (owner.host !== hostTag()) return 'elsewhere';
	if (hasProc()) {
		const stat = readProcStat(owner.pid);
		if (procGone(stat)) return 'gone';
		return owner.startTicks !== 0 && stat!.startTicks !== owner.startTicks ? 'gone' : 'running';
	}
	try {
		process.kill(owner.pid, 0);
		return 'running';
	} catch (err) {
		return isErrno(err, 'ESRCH') ? 'gone' : 'running';
	}
}

/** Bytes of the regular files under `dir`, symlinks not followed. */
async function treeBytes(dir: string): Promise<number> {
	let total = 0;
	const entries = await fsp.readdir(dir, {withFileTypes: true}).catch(() => []);
	for (const entry of entries) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) total += await treeBytes(full);
		else if (entry.isFile()) total += (await fsp.lstat(full).catch(() => null))?.size ?? 0;
	}
	return total;
}

export type TempCleanup = {
	/** `pid` is null when the name records no owner on this host. */
	removed: Array<{name: string; bytes: number; pid: number | null}>;
	/** Temp folders of backups still running in another process: left alone. */
	inUse: Array<{name: string; pid: number}>;
	failed: Array<{name: string; problem: string}>;
};

/**
 * Remove the temp folders of interrupted backups from `backupDir`: those whose owner is no longer
 * running; without a recorded owner on this host, those untouched for an hour. Never a folder of a
 * backup that is still running. Best effort: what could not be removed is listed.
 */
export async function removeStaleTemps(backupDir: string): Promise<TempCleanup> {
	const result: TempCleanup = {removed: [], inUse: [], failed: []};
	for (const name of await fsp.readdir(backupDir)) {
		if (!name.startsWith(TEMP_PREFIX)) continue;
		const full = path.join(backupDir, name);
		const stat = await fsp.lstat(full).catch(() => null);
		// A symlink or a file with such a name was not made by mcptop.
		if (!stat?.isDirectory()) continue;
		const owner = parseTempOwner(name);
		const state = owner ? ownerState(owner) : 'elsewhere';
		if (state === 'running') {
			if (owner!.pid !== process.pid) result.inUse.push({name, pid: owner!.pid});
			continue;
		}
		if (state === 'elsewhere' && Date.now() - stat.mtimeMs < STALE_TEMP_MS) continue;
		const bytes = await treeBytes(full);
		try {
			await fsp.rm(full, {recursive: true, force: true});
			result.removed.push({name, bytes, pid: state === 'gone' ? owner!.pid : null});
		} catch (err) {
			// Another backup may be removing it at the same moment.
			if (await pathExists(full).catch(() => true))
				result.failed.push({name, problem: fsErrorText(err)});
		}
	}
	return result;
}

function pidWords(pids: number[]): string {
	const unique = [...new Set(pids)].sort((a, b) => a - b);
	return `${unique.length === 1 ? 'pid' : 'pids'} ${unique.join(', ')}`;
}

/** What a cleanup did, in one line; null when there was nothing to clean. */
export function describeTempCleanup(cleanup: TempCleanup): string | null {
	const parts: string[] = [];
	const {removed, inUse, failed} = cleanup;
	if (removed.length > 0) {
		const bytes = removed.reduce((sum, r) => sum + r.bytes, 0);
		const pids = removed.flatMap((r) => (r.pid === null ? [] : [r.pid]));
		const unowned = removed.length - pids.length;
		const who = [
			...(pids.length > 0 ? [pidWords(pids)] : []),
			...(unowned > 0
				? [
						`${unowned === 1 ? 'an' : unowned} interrupted ${unowned === 1 ? 'backup' : 'backups'} over an hour ago`,
					]
				: []),
		].join(' and ');
		parts.push(
			`removed ${plural(removed.length, 'stale temporary folder')} (${formatBytes(bytes)}) left by ${who}`,
		);
	}
	if (inUse.length > 0)
		parts.push(
			`left ${plural(inUse.length, 'temporary folder')} alone: ${pidWords(inUse.map((u) => u.pid))} still ${inUse.length === 1 ? 'runs' : 'run'} a backup`,
		);
	if (failed.length > 0)
		parts.push(`could not remove ${failed.map((f) => `${f.name} (${f.problem})`).join(', ')}`);
	return parts.length > 0 ? parts.join('; ') : null;
}

/** Make the folders of `rel` inside `root` (each 0700), remembering new ones for fsync. */
async function makeParents(root: string, rel: string, created: string[]): Promise<void> {
	const parts = rel.split('/').slice(0, -1);
	let current = root;
	for (const part of parts) {
		current = path.join(current, part);
		if (created.includes(current)) continue;
		await makePrivateDir(current);
		created.push(current);
	}
}

/** The next step for a folder mcptop cannot write to, by cause. */
function writableNext(err: unknown, dir: string): string {
	if (isErrno(err, 'EROFS'))
		return `${dir} is on a read-only file system: set backup.dir in the config to a writable folder.`;
	if (isErrno(err, 'EACCES', 'EPERM'))
		return `Run mcptop as a user that may write to ${dir}, or set backup.dir to a folder you own.`;
	return `Check that ${dir} is writable and has free space.`;
}

class BackupFailure extends Error {
	constructor(
		message: string,
		readonly next?: string,
	) {
		super(message);
	}
}

export async function runBackup(
	cfg: BackupConfig,
	report: StepReporter,
): Promise<ActionResult & {data?: {id: string; dir: string; manifest: BackupManifest}}> {
	const projectDir = path.resolve(cfg.projectDir);
	const backupDir = path.resolve(cfg.backupDir);
	const now = cfg.now ?? (() => new Date());
	let temp: string | null = null;
	let failedStep = 'check';
	let failedLabel = 'Check the project files';

	try {
		report({id: 'check', label: 'Check the project files', status: 'running'});
		if (!Number.isInteger(cfg.keep) || cfg.keep < 1) {
			throw new BackupFailure(
				`backup.keep must be a whole number of at least 1 (got ${cfg.keep})`,
				'Fix backup.keep in the config.',
			);
		}
		if (cfg.files.length === 0) {
			throw new BackupFailure('no project files are configured', 'List them in project.files.');
		}
		let realProject: string;
		try {
			realProject = await fsp.realpath(projectDir);
			if (!(await fsp.stat(realProject)).isDirectory()) throw new Error('not a folder');
		} catch {
			throw new BackupFailure(
				`project directory ${projectDir} does not exist or is not a folder`,
				'Check project.dir in the config.',
			);
		}
		const entries = projectEntries(projectDir, cfg.files);
		const present: ProjectEntry[] = [];
		const missing: string[] = [];
		for (const entry of entries) {
			if (await pathExists(entry.abs)) present.push(entry);
			else missing.push(entry.rel);
		}
		if (present.length === 0) {
			throw new BackupFailure(
				`none of the ${entries.length} configured files exists in ${projectDir}; nothing to back up`,
				'Check project.dir and project.files in the config.',
			);
		}
		report({
			id: 'check',
			label: 'Check the project files',
			status: 'ok',
			detail: `${present.length} of ${entries.length} files present`,
		});
		if (missing.length > 0) {
			report({
				id: 'missing',
				label: 'Missing files',
				status: 'warn',
				detail: `not found, not backed up: ${missing.join(', ')}`,
			});
		}

		failedStep = 'dir';
		failedLabel = 'Prepare the backup folder';
		report({id: failedStep, label: failedLabel, status: 'running', detail: backupDir});
		try {
			await ensurePrivateDir(backupDir);
		} catch (err) {
			throw new BackupFailure(
				`cannot create the backup folder ${backupDir}: ${fsErrorWhere(err)}`,
				writableNext(err, backupDir),
			);
		}
		// Before the new copy: the leftovers may be what fills the disk.
		const cleanup = await removeStaleTemps(backupDir).catch((err): TempCleanup => ({
			removed: [],
			inUse: [],
			failed: [{name: backupDir, problem: fsErrorText(err)}],
		}));
		const cleaned = describeTempCleanup(cleanup);
		if (cleaned !== null)
			report({
				id: 'stale',
				label: 'Remove leftovers of interrupted backups',
				status: cleanup.failed.length > 0 ? 'warn' : 'ok',
				detail: cleaned,
			});
		const startedAt = now();
		const baseId = backupIdFor(startedAt);
		let filesRoot: string;
		try {
			temp = await fsp.mkdtemp(path.join(backupDir, tempPrefix()));
			await fsp.chmod(temp, 0o700);
			filesRoot = path.join(temp, FILES_DIR);
			await makePrivateDir(filesRoot);
		} catch (err) {
			throw new BackupFailure(
				`cannot write in the backup folder ${backupDir}: ${fsErrorText(err)}`,
				writableNext(err, backupDir),
			);
		}
		report({id: failedStep, label: failedLabel, status: 'ok', detail: backupDir});

		const manifestFiles: BackupManifest['files'] = [];
		const createdDirs: string[] = [];
		for (const entry of present) {
			failedStep = `copy:${entry.rel}`;
			failedLabel = `Copy ${entry.rel}`;
			report({id: failedStep, label: failedLabel, status: 'running'});
			const realParent = await fsp.realpath(path.dirname(entry.abs)).catch(() => null);
			if (realParent !== null && !isInside(realProject, realParent)) {
				throw new BackupFailure(
					`${entry.rel} resolves outside the project directory (via ${realParent})`,
					'Remove the symlinked folder or the entry from project.files.',
				);
			}
			let opened;
			try {
				opened = await openRegularFile(entry.abs, entry.rel);
			} catch (err) {
				if (isErrno(err, 'ENOENT', 'ENOTDIR')) {
					// Removed since the check: same as missing.
					missing.push(entry.rel);
					report({
						id: failedStep,
						label: failedLabel,
						status: 'warn',
						detail: 'disappeared; not backed up',
					});
					continue;
				}
				if (isErrno(err, 'ELOOP', 'ENOTREG')) {
					throw new BackupFailure(
						`${(err as Error).message}; mcptop backs up regular files only`,
						'List the real file in project.files instead of the link or folder.',
					);
				}
				throw new BackupFailure(`cannot read ${entry.rel}: ${fsErrorText(err)}`);
			}
			const mode = opened.stat.mode & PERMISSION_BITS;
			try {
				await makeParents(filesRoot, entry.rel, createdDirs);
				const copied = await copyIntoNewFile(opened.handle, path.join(filesRoot, entry.rel), mode);
				manifestFiles.push({
					path: entry.rel,
					size: copied.size,
					mode,
					mtimeMs: opened.stat.mtimeMs,
					sha256: copied.sha256,
				});
				report({
					id: failedStep,
					label: failedLabel,
					status: 'ok',
					detail: `${formatBytes(copied.size)}, mode ${mode.toString(8).padStart(4, '0')}`,
				});
			} catch (err) {
				throw new BackupFailure(`cannot copy ${entry.rel}: ${fsErrorText(err)}`);
			} finally {
				await opened.handle.close();
			}
		}
		if (manifestFiles.length === 0) {
			throw new BackupFailure(
				`none of the configured files exists in ${projectDir}; nothing to back up`,
			);
		}

		failedStep = 'commit';
		failedLabel = 'Save the backup';
		report({id: failedStep, label: failedLabel, status: 'running'});
		// Deepest folders first, so each parent is synced after its new entries.
		for (const dir of [...createdDirs].reverse()) await fsyncDir(dir);
		await fsyncDir(filesRoot);

		let id = baseId;
		let finalDir = '';
		let manifest: BackupManifest | null = null;
		for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
			id = attempt === 0 ? baseId : `${baseId}-${crypto.randomBytes(2).toString('hex')}`;
			finalDir = path.join(backupDir, id);
			if (await pathExists(finalDir)) continue;
			manifest = {
				version: 1,
				id,
				createdAt: startedAt.toISOString(),
				host: os.hostname(),
				projectDir,
				files: manifestFiles,
				missing,
			};
			const manifestPath = path.join(temp, MANIFEST_FILE);
			await fsp.rm(manifestPath, {force: true});
			await writeNewFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
			await fsyncDir(temp);
			try {
				// rename(2) replaces only an empty folder; a real backup always holds its manifest.
				await fsp.rename(temp, finalDir);
			} catch (err) {
				if (isErrno(err, 'EEXIST', 'ENOTEMPTY')) continue;
				throw err;
			}
			temp = null;
			break;
		}
		if (temp !== null || manifest === null) {
			throw new BackupFailure(`could not find a free backup name in ${backupDir}`, 'Try again.');
		}
		await fsyncDir(backupDir);
		const bytes = manifestFiles.reduce((sum, file) => sum + file.size, 0);
		report({id: failedStep, label: failedLabel, status: 'ok', detail: finalDir});

		report({id: 'prune', label: `Keep the newest ${cfg.keep}`, status: 'running'});
		try {
			const pruned = await pruneBackups(backupDir, cfg.keep, id);
			report({
				id: 'prune',
				label: `Keep the newest ${cfg.keep}`,
				status: 'ok',
				detail: pruned.length > 0 ? `removed ${pruned.join(', ')}` : 'nothing to remove',
			});
		} catch (err) {
			report({
				id: 'prune',
				label: `Keep the newest ${cfg.keep}`,
				status: 'warn',
				detail: `could not remove old backups: ${fsErrorText(err)}`,
			});
		}

		const missingText = missing.length > 0 ? `; missing: ${missing.join(', ')}` : '';
		const cleanedText =
			cleanup.removed.length > 0
				? `; ${describeTempCleanup({...cleanup, inUse: [], failed: []})}`
				: '';
		return {
			ok: true,
			summary: `Backup ${id} saved: ${plural(manifestFiles.length, 'file')}, ${formatBytes(bytes)}${missingText}${cleanedText}`,
			data: {id, dir: finalDir, manifest},
		};
	} catch (err) {
		if (temp !== null) await fsp.rm(temp, {recursive: true, force: true}).catch(() => undefined);
		const message =
			err instanceof BackupFailure || (err instanceof Error && !('code' in err))
				? err.message
				: `${failedLabel.toLowerCase()}: ${fsErrorWhere(err)}`;
		report({id: failedStep, label: failedLabel, status: 'fail', detail: message});
		return {
			ok: false,
			summary: `Backup failed: ${message}`,
			next: err instanceof BackupFailure && err.next ? err.next : writableNext(err, backupDir),
		};
	}
}

async function summarise(backupDir: string, id: string): Promise<BackupSummary> {
	const dir = path.join(backupDir, id);
	const read = await readManifest(dir);
	if ('problem' in read) {
		const stat = await fsp.lstat(dir).catch(() => null);
		return {
			id,
			dir,
			createdAt: new Date(stat?.mtimeMs ?? 0).toISOString(),
			fileCount: 0,
			bytes: 0,
			valid: false,
			problem: read.problem,
		};
	}
	const {manifest} = read;
	const summary: BackupSummary = {
		id,
		dir,
		createdAt: manifest.createdAt,
		fileCount: manifest.files.length,
		bytes: manifest.files.reduce((sum, file) => sum + file.size, 0),
		valid: true,
	};
	for (const file of manifest.files) {
		const unsafe = unsafeEntryPath(file.path);
		if (unsafe)
			return {...summary, valid: false, problem: `entry ${JSON.stringify(file.path)} ${unsafe}`};
		const stat = await fsp.lstat(path.join(dir, FILES_DIR, file.path)).catch(() => null);
		if (!stat || !stat.isFile()) {
			return {...summary, valid: false, problem: `copy of ${file.path} is missing`};
		}
		if (stat.size !== file.size) {
			return {...summary, valid: false, problem: `copy of ${file.path} has the wrong size`};
		}
	}
	return summary;
}

/** Every backup folder in `backupDir`, newest first. Hidden and `.tmp-` folders are ignored. */
export async function listBackups(backupDir: string): Promise<BackupSummary[]> {
	let entries;
	try {
		entries = await fsp.readdir(path.resolve(backupDir), {withFileTypes: true});
	} catch (err) {
		if (isErrno(err, 'ENOENT')) return [];
		throw err;
	}
	const summaries: BackupSummary[] = [];
	for (const entry of entries) {
		// Dirent does not follow symlinks: a linked folder is not one of our backups.
		if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
		summaries.push(await summarise(path.resolve(backupDir), entry.name));
	}
	return summaries.sort(
		(a, b) =>
			Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
	);
}

/** The manifest of the newest valid backup, or null when there is none. */
export async function latestBackupManifest(backupDir: string): Promise<BackupManifest | null> {
	for (const summary of await listBackups(backupDir)) {
		if (!summary.valid) continue;
		const read = await readManifest(summary.dir);
		if ('manifest' in read) return read.manifest;
	}
	return null;
}

/**
 * Delete valid backups beyond the newest `keep`. Only folders named like backup ids with a valid
 * manifest are candidates; `protect` (the backup just made) is never deleted. Each folder is first
 * renamed to a `.tmp-` name so a half-deleted backup is never listed.
 */
export async function pruneBackups(
	backupDir: string,
	keep: number,
	protect?: string,
): Promise<string[]> {
	const candidates = (await listBackups(backupDir)).filter(
		(summary) => summary.valid && BACKUP_ID_PATTERN.test(summary.id),
	);
	const doomed = candidates.slice(keep).filter((summary) => summary.id !== protect);
	const removed: string[] = [];
	for (const summary of doomed) {
		const trash = path.join(
			backupDir,
			`${tempPrefix()}prune-${summary.id}-${crypto.randomBytes(3).toString('hex')}`,
		);
		await fsp.rename(summary.dir, trash);
		removed.push(summary.id);
		await fsp.rm(trash, {recursive: true, force: true});
	}
	if (removed.length > 0) await fsyncDir(backupDir);
	return removed;
}
