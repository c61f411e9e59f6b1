// Durable, race-aware file helpers for the actions that write files (backup, restore).
// A copy is created with its final mode from the first moment (O_EXCL + mode, then fchmod so the
// umask cannot change it), written, fsynced and only then made visible by a rename.

import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp, {type FileHandle} from 'node:fs/promises';
import path from 'node:path';

const CHUNK_BYTES = 64 * 1024;
// O_NOFOLLOW refuses a symlink in the last path component; O_NONBLOCK keeps a FIFO from hanging open().
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const NON_BLOCK = fs.constants.O_NONBLOCK ?? 0;

/** Permission bits kept for copies; set-id and sticky bits are dropped on purpose. */
export const PERMISSION_BITS = 0o777;

export type CopyResult = {size: number; sha256: string};

function errno(err: unknown): string | undefined {
	return typeof err === 'object' && err !== null && 'code' in err
		? String((err as {code: unknown}).code)
		: undefined;
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
	const code = errno(err);
	return code !== undefined && codes.includes(code);
}

/** A file-system error in an operator's words, e.g. "permission denied". */
export function fsErrorText(err: unknown): string {
	switch (errno(err)) {
		case 'ENOENT':
			return 'does not exist';
		case 'ENOTDIR':
			return 'a parent in the path is not a folder';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'ENOSPC':
			return 'no space left on the device';
		case 'EDQUOT':
			return 'disk quota exceeded';
		case 'EROFS':
			return 'read-only file system';
		case 'ELOOP':
			return 'is a symlink';
		case 'EISDIR':
			return 'is a folder';
		case 'EEXIST':
			return 'already exists';
		case 'EIO':
			return 'input/output error';
		default:
			return err instanceof Error ? err.message : String(err);
	}
}

/** Like fsErrorText, prefixed with the path the error names, e.g. "/x/y: permission denied". */
export function fsErrorWhere(err: unknown): string {
	const where =
		typeof err === 'object' && err !== null && 'path' in err
			? String((err as {path: unknown}).path)
			: '';
	return where ? `${where}: ${fsErrorText(err)}` : fsErrorText(err);
}

/** True when `child` is `root` or lies inside it (both absolute, already resolved). */
export function isInside(root: string, child: string): boolean {
	const rel = path.relative(root, child);
	if (rel === '') return true;
	// Compare the first segment, not a prefix: a file named "..notes" is inside.
	return !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
}

/** fsync a folder so a rename or a new entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
	const handle = await fsp.open(dir, fs.constants.O_RDONLY);
	try {
		await handle.sync();
	} catch (err) {
		// Some file systems cannot fsync a folder; the data files themselves were synced.
		if (!isErrno(err, 'EINVAL', 'ENOTSUP', 'EISDIR', 'EBADF')) throw err;
	} finally {
		await handle.close();
	}
}

/**
 * `mkdir -p` that names the real cause and place. Node's recursive mkdir reports ENOENT ("does not
 * exist") when the first missing folder cannot be made on a read-only file system, and names the
 * whole path for EACCES; making the first missing folder alone gives the true error with its path.
 */
export async function makeDirTree(dir: string, mode: number): Promise<void> {
	try {
		await fsp.mkdir(dir, {recursive: true, mode});
		return;
	} catch (err) {
		// Recursive mkdir names the whole path for EACCES and says ENOENT for EROFS.
		if (!isErrno(err, 'ENOENT', 'EACCES', 'EPERM', 'EROFS')) throw err;
		let missing = path.resolve(dir);
		// Bounded by the path depth: the root always exists.
		while (path.dirname(missing) !== missing) {
			const parent = path.dirname(missing);
			if ((await fsp.lstat(parent).catch(() => null)) !== null) break;
			missing = parent;
		}
		try {
			await fsp.mkdir(missing, {mode});
		} catch (inner) {
			if (!isErrno(inner, 'EEXIST')) throw inner;
		}
	}
	// The first missing folder could be made after all (a race): make the rest.
	await fsp.mkdir(dir, {recursive: true, mode});
}

/**
 * Create `dir` (and missing parents) private to the user, or tighten an existing one to 0700.
 * Refuses a path that exists but is not a folder.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
	await makeDirTree(dir, 0o700);
	const stat = await fsp.stat(dir);
	if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
	if ((stat.mode & 0o777) !== 0o700) await fsp.chmod(dir, 0o700);
}

/** Create one new folder with exactly 0700, whatever the umask. Fails if it exists. */
export async function makePrivateDir(dir: string): Promise<void> {
	await fsp.mkdir(dir, {mode: 0o700});
	await fsp.chmod(dir, 0o700);
}

/**
 * Open an existing regular file for reading without following a symlink at its last component.
 * Throws an Error with an operator message when it is a symlink or not a regular file.
 */
export async function openRegularFile(
	file: string,
	label = file,
): Promise<{handle: FileHandle; stat: fs.Stats}> {
	let handle: FileHandle;
	try {
		handle = await fsp.open(file, fs.constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
	} catch (err) {
		if (isErrno(err, 'ELOOP'))
			throw Object.assign(new Error(`${label} is a symlink`), {code: 'ELOOP'});
		throw err;
	}
	try {
		const stat = await handle.stat();
		if (!stat.isFile()) {
			const what = stat.isDirectory() ? 'a folder' : 'not a regular file';
			throw Object.assign(new Error(`${label} is ${what}`), {code: 'ENOTREG'});
		}
		return {handle, stat};
	} catch (err) {
		await handle.close();
		throw err;
	}
}

/** SHA-256 and size of everything readable from an open file, from offset 0. */
export async function hashOpenFile(handle: FileHandle): Promise<CopyResult> {
	const hash = crypto.createHash('sha256');
	const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
	let size = 0;
	for (;;) {
		const {bytesRead} = await handle.read(buffer, 0, CHUNK_BYTES, size);
		if (bytesRead === 0) break;
		hash.update(buffer.subarray(0, bytesRead));
		size += bytesRead;
	}
	return {size, sha256: hash.digest('hex')};
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
	let done = 0;
	while (done < data.length) {
		const {bytesWritten} = await handle.write(data, done, data.length - done, position + done);
		done += bytesWritten;
	}
}

/**
 * Open a file that must not exist yet, with `mode` from its creation (O_EXCL never follows or reuses
 * an existing path, symlinks included); fchmod makes the mode exact under any umask.
 */
async function createExclusive(
	dest: string,
	mode: number,
	owner?: {uid: number; gid: number},
): Promise<FileHandle> {
	const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NO_FOLLOW;
	const handle = await fsp.open(dest, flags, mode & PERMISSION_BITS);
	try {
		// Best effort: only root can give a file away, and some file systems refuse even root.
		if (owner) await handle.chown(owner.uid, owner.gid).catch(() => undefined);
		await handle.chmod(mode & PERMISSION_BITS);
		return handle;
	} catch (err) {
		await handle.close();
		await fsp.unlink(dest).catch(() => undefined);
		throw err;
	}
}

/**
 * Copy an open source file into a new file `dest` created with `mode`, hashing what is written,
 * then fsync. The new file is removed again when anything fails. Returns the written size and hash.
 */
export async function copyIntoNewFile(
	source: FileHandle,
	dest: string,
	mode: number,
	owner?: {uid: number; gid: number},
): Promise<CopyResult> {
	const handle = await createExclusive(dest, mode, owner);
	try {
		const hash = crypto.createHash('sha256');
		const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
		let size = 0;
		for (;;) {
			const {bytesRead} = await source.read(buffer, 0, CHUNK_BYTES, size);
			if (bytesRead === 0) break;
			const chunk = buffer.subarray(0, bytesRead);
			hash.update(chunk);
			await writeAll(handle, chunk, size);
			size += bytesRead;
		}
		await handle.sync();
		await handle.close();
		return {size, sha256: hash.digest('hex')};
	} catch (err) {
		await handle.close().catch(() => undefined);
		await fsp.unlink(dest).catch(() => undefined);
		throw err;
	}
}

/** Write `data` into a new file `dest` created with `mode`, then fsync. Fails if `dest` exists. */
export async function writeNewFile(
	dest: string,
	data: string | Buffer,
	mode: number,
): Promise<void> {
	const handle = await createExclusive(dest, mode);
	try {
		await writeAll(handle, Buffer.isBuffer(data) ? data : Buffer.from(data), 0);
		await handle.sync();
		await handle.close();
	} catch (err) {
		await handle.close().catch(() => undefined);
		await fsp.unlink(dest).catch(() => undefined);
		throw err;
	}
}

/** A hidden, unique name next to `target` for a file that will be renamed over it. */
export function tempSiblingPath(target: string, tag: string): string {
	const random = crypto.randomBytes(6).toString('hex');
	return path.join(path.dirname(target), `.${path.basename(target)}.${tag}-${random}.tmp`);
}

/**
 * Replace (or create) `target` atomically: a temp file in the same folder created with `mode`,
 * written and fsynced, renamed over the target, then the folder fsynced. Readers see the old or the
 * new content, never a mix. A symlink at `target` is replaced, not followed.
 */
export async function atomicWriteFile(
	target: string,
	data: string | Buffer,
	mode: number,
): Promise<void> {
	const temp = tempSiblingPath(target, 'mcptop');
	await writeNewFile(temp, data, mode);
	try {
		await fsp.rename(temp, target);
	} catch (err) {
		await fsp.unlink(temp).catch(() => undefined);
		throw err;
	}
	await fsyncDir(path.dirname(target));
}

/**
 * The nearest folder that exists (the folder itself, else its parent, …), so a missing project dir
 * still gets its disk measured and its checks run somewhere real.
 */
export async function existingDir(dir: string): Promise<string> {
	let current = path.resolve(dir);
	for (let i = 0; i < 64; i++) {
		try {
			if ((await fsp.stat(current)).isDirectory()) return current;
		} catch {
			// Try the parent.
		}
		const parent = path.dirname(current);
		if (parent === current) break;
		current = parent;
	}
	return '/';
}
