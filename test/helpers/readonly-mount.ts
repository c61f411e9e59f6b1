// A real read-only file system for the EROFS tests: a small tmpfs mounted on a temp folder, filled
// while writable, then remounted read-only. Mounting needs root (or CAP_SYS_ADMIN); where it is not
// permitted the tests skip and say why.
import {spawnSync} from 'node:child_process';
import assert from 'node:assert/strict';

/** Mounts a 4 MB tmpfs on `dir`; null when mounted, else why it could not be. */
export function mountTmpfs(dir: string): string | null {
	const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', dir], {
		encoding: 'utf8',
	});
	return r.status === 0 ? null : (r.stderr || r.error?.message || 'mount failed').trim();
}

export function remountReadOnly(dir: string): void {
	const r = spawnSync('mount', ['-o', 'remount,ro', dir], {encoding: 'utf8'});
	assert.equal(r.status, 0, r.stderr);
}

export function unmount(dir: string): void {
	spawnSync('umount', [dir]);
}
