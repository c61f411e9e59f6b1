// The built CLI, as `npm install` / `npm ci` leave it (prepare: tsc, then one bundled dist/cli.js):
// what `npx mcptop` and node_modules/.bin/mcptop run. The other end-to-end tests run the sources.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {processesWithStateHome, removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {builtBin, TerminalSession} from '../helpers/pty.js';

after(removeTempDirs);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	version: string;
};

test('the built bin exists and is one bundled file', () => {
	assert.ok(fs.existsSync(builtBin), `${builtBin} missing: run npm install (or npm run build)`);
	const code = fs.readFileSync(path.join(root, 'dist', 'cli.js'), 'utf8');
	// A shell line that starts node with the memory settings, then JavaScript (scripts/launcher.mjs).
	assert.match(code, /^#!\/bin\/sh\n":" \/\/; .*; exec node "\$0" "\$@"\n/);
	// Bundled: no import of the project's own compiled modules nor of ink/react from node_modules.
	assert.doesNotMatch(code, /from ['"](\.\/main\.js|ink|react)['"]/);
	// string-width (both copies), slice-ansi and widest-line are the wrapped ones (scripts/bundle.mjs).
	assert.equal(code.match(/=fastStringWidth\(stringWidth\d*\)/g)?.length, 2);
	assert.equal(code.match(/=fastSliceAnsi\(sliceAnsi,stringWidth\d*\)/g)?.length, 1);
	assert.equal(code.match(/=memoByText\(widestLine\)/g)?.length, 1);
	// Ink's measure and wrap caches are bounded (scripts/bundle.mjs), not left to grow.
	assert.equal(code.match(/cache\d*=new TwoGenerationMap\(4096\)/g)?.length, 2);
});

test('the built bin: --version, --help, and a bad flag exits 2', async () => {
	const version = await runCli(['--version'], {command: builtBin});
	assert.equal(version.status, 0, version.stderr);
	assert.equal(version.stdout.trim(), pkg.version);
	const help = await runCli(['--help'], {command: builtBin});
	assert.equal(help.status, 0, help.stderr);
	assert.match(help.stdout, /Exit codes: 0 ok/);
	const bad = await runCli(['--bogus'], {command: builtBin});
	assert.equal(bad.status, 2);
	assert.match(bad.stderr, /unknown flag --bogus/);
});

test('the built bin: --demo --once --json runs the built demo stack and stops it', async () => {
	const state = tempDir();
	const r = await runCli(['--demo', '--once', '--json'], {
		command: builtBin,
		env: {XDG_STATE_HOME: state},
	});
	assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
	const snap = JSON.parse(r.stdout) as {
		health: string;
		ports: Array<{listening: boolean; pid: number | null}>;
		processes: Array<{command: string}>;
	};
	assert.equal(r.status, snap.health === 'OK' ? 0 : 1);
	assert.ok(snap.ports.every((p) => p.listening && p.pid !== null));
	assert.ok(
		snap.processes.some((p) => p.command.includes('dist/demo/unreal_blueprint_mcp_server.js')),
		JSON.stringify(snap.processes),
	);
	assert.deepEqual(processesWithStateHome(state), [], 'demo processes left running');
});

test(
	'the built bin in a pseudo-terminal: four panes with data, then q exits 0',
	{timeout: 60_000},
	async () => {
		const state = tempDir();
		const session = new TerminalSession(['--demo'], {
			command: builtBin,
			cols: 100,
			rows: 30,
			env: {XDG_STATE_HOME: state},
		});
		try {
			const screen = await session.waitFor(
				(s) => /LISTEN\s+\d+/.test(s) && /now \d/.test(s) && /\d+ lines/.test(s),
				45_000,
			);
			assert.match(screen, /Processes/);
			// The launcher line (scripts/launcher.mjs) exec'd node under the same PID with glibc's
			// tunables set, and mcptop passed none of it on to the demo processes it started.
			assert.match(fs.readlinkSync(`/proc/${session.pid}/exe`), /\/node[^/]*$/);
			const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
			assert.ok(
				environ(session.pid).some((e) =>
					e.startsWith('GLIBC_TUNABLES=glibc.malloc.mmap_threshold='),
				),
				'mcptop runs without the launcher tunables',
			);
			const children = processesWithStateHome(state).filter((pid) => pid !== session.pid);
			assert.ok(children.length >= 2, `demo processes: ${children.join(', ')}`);
			for (const pid of children) {
				const inherited = environ(pid).filter((e) => /^(GLIBC_TUNABLES|MCPTOP_TUNED)=/.test(e));
				assert.deepEqual(inherited, [], `pid ${pid} inherited the launcher's settings`);
			}
			session.press('q');
			assert.equal(await session.exit(20_000), 0);
		} finally {
			session.kill();
		}
		assert.deepEqual(processesWithStateHome(state), [], 'demo processes left running');
	},
);
