// Real temp folders for the backup and restore tests: a small project, a step recorder and a
// byte-for-byte picture of a folder tree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {ActionStep, StepReporter} from '../../source/types.js';

export type ProjectFile = {content: string; mode: number};

/** The default profile's five files plus one in a subfolder. */
export const PROJECT_FILES: Record<string, ProjectFile> = {
	'unreal_blueprint_mcp_server.py': {content: 'print("server")\n', mode: 0o644},
	'memory_manager.py': {content: 'LIMIT_MB = 500\n', mode: 0o644},
	'security_utils.py': {content: 'def check():\n\treturn True\n', mode: 0o644},
	'.env': {content: 'MCPTOP_TOKEN=very-secret\n', mode: 0o600},
	'requirements.txt': {content: 'fastmcp\nwebsockets\npydantic\npsutil\n', mode: 0o644},
	'config/settings.ini': {content: '[server]\nport = 6277\n', mode: 0o640},
};

export type TempProject = {root: string; projectDir: string; backupDir: string; files: string[]};

export function makeTempRoot(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
}

export function removeTree(dir: string): void {
	fs.rmSync(dir, {recursive: true, force: true});
}

/** A project folder with PROJECT_FILES (exact modes) and a not-yet-created backup folder. */
export function makeProject(root = makeTempRoot()): TempProject {
	const projectDir = path.join(root, 'project');
	fs.mkdirSync(projectDir);
	for (const [rel, file] of Object.entries(PROJECT_FILES)) {
		const full = path.join(projectDir, rel);
		fs.mkdirSync(path.dirname(full), {recursive: true});
		fs.writeFileSync(full, file.content);
		fs.chmodSync(full, file.mode);
	}
	return {
		root,
		projectDir,
		backupDir: path.join(root, 'state', 'backups'),
		files: Object.keys(PROJECT_FILES),
	};
}

export type StepLog = {
	report: StepReporter;
	/** Every report in order. */
	all: ActionStep[];
	/** The last report for a step id. */
	last(id: string): ActionStep | undefined;
	/** Step ids in the order they were first reported. */
	order(): string[];
};

export function recordSteps(): StepLog {
	const all: ActionStep[] = [];
	return {
		report: (step) => {
			all.push({...step});
		},
		all,
		last: (id) => all.filter((step) => step.id === id).at(-1),
		order: () => [...new Set(all.map((step) => step.id))],
	};
}

export function modeOf(file: string): number {
	return fs.lstatSync(file).mode & 0o777;
}

export type TreeEntry = {kind: 'file' | 'dir' | 'link' | 'other'; mode: number; data: string};

/** Every entry under `dir` (relative path → kind, mode, content/link target), symlinks not followed. */
export function snapshotTree(dir: string): Map<string, TreeEntry> {
	const out = new Map<string, TreeEntry>();
	const walk = (current: string) => {
		for (const name of fs.readdirSync(current).sort()) {
			const full = path.join(current, name);
			const rel = path.relative(dir, full);
			const stat = fs.lstatSync(full);
			const mode = stat.mode & 0o7777;
			if (stat.isSymbolicLink()) out.set(rel, {kind: 'link', mode, data: fs.readlinkSync(full)});
			else if (stat.isDirectory()) {
				out.set(rel, {kind: 'dir', mode, data: ''});
				walk(full);
			} else if (stat.isFile()) {
				out.set(rel, {kind: 'file', mode, data: fs.readFileSync(full).toString('base64')});
			} else out.set(rel, {kind: 'other', mode, data: ''});
		}
	};
	walk(dir);
	return out;
}

/** Run `fn` with a process umask, restoring the previous one afterwards. */
export async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
	const previous = process.umask(mask);
	try {
		return await fn();
	} finally {
		process.umask(previous);
	}
}
