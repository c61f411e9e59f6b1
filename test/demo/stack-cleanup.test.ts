import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {childNodeFlags, isProcessAlive, processesWithToken} from '../../source/demo/stack.js';
import {exitWithin, stopChild, waitFor} from '../helpers/demo-rpc.js';

type Started = {
	dir: string;
	token: string;
	pids: number[];
	started: {server: number; editor: number};
};

const ownerScript = fileURLToPath(new URL('../helpers/demo-owner.ts', import.meta.url));

async function startOwner(mode: 'crash' | 'hang') {
	const child = spawn(process.execPath, [...childNodeFlags(), ownerScript, mode], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		output += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		output += chunk;
	});
	const line = await waitFor(() => /^\{.*\}$/m.exec(output)?.[0], 'the demo to start', 30_000);
	return {child, started: JSON.parse(line) as Started, output: () => output};
}

function forceStop(pids: number[]): void {
	for (const pid of pids) {
		if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
	}
}

test('a crash of the CLI stops the demo processes and removes the folder (exit hook)', async () => {
	const owner = await startOwner('crash');
	const {started} = owner;
	try {
		assert.equal(started.pids.length, 2);
		const exit = await exitWithin(owner.child, 10_000);
		assert.equal(exit?.code, 1, owner.output());
		assert.match(owner.output(), /simulated crash/);
		await waitFor(() => started.pids.every((pid) => !isProcessAlive(pid)), 'demo processes to end');
		assert.deepEqual(processesWithToken(started.token), []);
		assert.equal(fs.existsSync(started.dir), false);
	} finally {
		await stopChild(owner.child);
		forceStop(started.pids);
		fs.rmSync(started.dir, {recursive: true, force: true});
	}
});

test('SIGKILL of the CLI: the demo processes notice their owner is gone and leave', async () => {
	const owner = await startOwner('hang');
	const {started} = owner;
	try {
		assert.equal(started.pids.length, 2);
		process.kill(owner.child.pid!, 'SIGKILL');
		await exitWithin(owner.child, 10_000);
		await waitFor(
			() => started.pids.every((pid) => !isProcessAlive(pid)),
			'demo processes to end',
			15_000,
		);
		assert.deepEqual(processesWithToken(started.token), []);
	} finally {
		await stopChild(owner.child);
		forceStop(started.pids);
		// Nothing runs in a SIGKILLed process, so the folder is left; this test removes it.
		fs.rmSync(started.dir, {recursive: true, force: true});
	}
});
