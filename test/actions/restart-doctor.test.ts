import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, afterEach, test} from 'node:test';
import {describePlan, planRestart, runRestart} from '../../source/actions/restart.js';
import type {ActionStep} from '../../source/types.js';
import {removeTempDirs, runCli, tempDir} from '../helpers/cli.js';
import {RestartSandbox, freePort, node, sandboxConfig} from '../helpers/restart-procs.js';

let box: RestartSandbox | undefined;
afterEach(() => {
	box?.cleanup();
	box = undefined;
});
after(removeTempDirs);

function recorder() {
	const steps = new Map<string, ActionStep>();
	return {report: (s: ActionStep) => void steps.set(s.id, s), steps};
}

test('a restart whose start command fails carries the doctor’s failing findings in its result', async () => {
	box = new RestartSandbox();
	const port = await freePort();
	const config = sandboxConfig(box, [port], {
		command: `'${node}' missing_server.js --port ${port}`,
		readyTimeoutMs: 5000,
	});
	const plan = await planRestart(config);
	assert.deepEqual(plan.problems, []);
	const {report, steps} = recorder();
	const result = await runRestart(config, plan, report);
	assert.equal(result.ok, false);
	assert.match(result.summary, /the start command exited with code 1/);
	assert.match(result.summary, /doctor: Server script: .*missing_server\.js does not exist/);
	const script = result.data.doctor?.find((c) => c.id === 'script');
	assert.equal(script?.status, 'FAIL');
	assert.equal(script?.triage?.priority, 'critical');
	assert.match(result.next!, /Restore it \(R\) or fix restart\.command/);
	// Only findings that need something: no PASS in the result.
	assert.ok(result.data.doctor!.every((c) => c.status !== 'PASS'));
	assert.equal(steps.get('doctor')?.status, 'fail');
	assert.match(steps.get('doctor')!.detail!, /FAIL Server script/);
});

test('restart.clean: the plan lists each matched file, the restart removes exactly those, never logs', async () => {
	box = new RestartSandbox();
	const port = await freePort();
	const config = sandboxConfig(box, [port]);
	const tmp = tempDir('mcptop-clean-');
	const file = (name: string, text = 'x') => {
		const full = path.join(tmp, name);
		fs.mkdirSync(path.dirname(full), {recursive: true});
		fs.writeFileSync(full, text);
		return full;
	};
	const sessions = [file('mcp_session_1.json', '{}'), file('mcp_session_2.json', '{"a":1}')];
	const cached = [file('mcp_cache/a.bin', 'abc'), file('mcp_cache/deep/b.bin')];
	const kept = [
		file('mcp_cache/server.log'),
		file('mcp_cache/old.log.1'),
		file('mcp_session_notes.txt'),
		file('other.json'),
	];
	fs.symlinkSync(kept[3]!, path.join(tmp, 'mcp_session_link.json'));
	config.restart.clean = [path.join(tmp, 'mcp_session_*.json'), path.join(tmp, 'mcp_cache/**')];
	config.logs = [path.join(tmp, 'mcp_cache', 'deep', 'b.bin')];
	const plan = await planRestart(config);
	assert.deepEqual(plan.problems, []);
	// The configured log is kept even though a glob matches it, and so is the symlink.
	assert.deepEqual(
		plan.clean.map((c) => c.path),
		[cached[0]!, ...sessions].sort(),
	);
	const lines = describePlan(plan);
	for (const f of [cached[0]!, ...sessions])
		assert.ok(
			lines.some((l) => l.startsWith(`remove ${f} (`)),
			lines.join('\n'),
		);
	assert.ok(lines.includes(`remove ${sessions[1]} (7 bytes)`));

	const {report, steps} = recorder();
	const result = await runRestart(config, plan, report);
	// The server the restart started, in its own group: the sandbox stops it with the rest.
	if (result.data.newPid) box!.track(result.data.newPid, true);
	assert.equal(result.ok, true, result.summary);
	assert.deepEqual(result.data.cleaned, [cached[0]!, ...sessions].sort());
	assert.equal(steps.get('clean')?.status, 'ok');
	for (const f of [cached[0]!, ...sessions]) assert.equal(fs.existsSync(f), false, f);
	for (const f of [...kept, cached[1]!]) assert.equal(fs.existsSync(f), true, f);
	assert.ok(fs.lstatSync(path.join(tmp, 'mcp_session_link.json')).isSymbolicLink());
	assert.equal(result.data.doctor, null);
});

test('restart.clean globs: relative to the config file; one whose wildcards start at / is refused', async () => {
	const dir = tempDir();
	fs.writeFileSync(
		path.join(dir, 'mcptop.config.json'),
		JSON.stringify({restart: {clean: ['cache/*.json', '/tmp/mcp_cache/']}}),
	);
	const printed = await runCli(['--print-config'], {cwd: dir});
	assert.equal(printed.status, 0, printed.stderr);
	assert.deepEqual((JSON.parse(printed.stdout) as {restart: {clean: string[]}}).restart.clean, [
		path.join(dir, 'cache/*.json'),
		'/tmp/mcp_cache/**',
	]);
	box = new RestartSandbox();
	const config = sandboxConfig(box, [await freePort()]);
	config.restart.clean = ['/*.json'];
	const plan = await planRestart(config);
	assert.deepEqual(plan.clean, []);
	assert.equal(plan.problems.length, 1);
	assert.match(
		plan.problems[0]!,
		/^restart\.clean: "\/\*\.json" is too broad \(its wildcards start at \/\)/,
	);
	assert.ok(describePlan(plan).some((l) => l.startsWith('cannot restart: restart.clean:')));
});
