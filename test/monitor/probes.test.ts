import assert from 'node:assert/strict';
import {test} from 'node:test';
import {hasProc} from '../../source/probes/proc.js';
import {spawnMarked, stopChild, uniqueMarker} from '../helpers/proc-children.js';
import {isolated} from '../helpers/isolated.js';

const linux = hasProc();
const module = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);

test(
	'process.match that backtracks exponentially on a real command line: sampled, and matched',
	{skip: !linux && 'needs /proc'},
	async (t) => {
		const marker = uniqueMarker('redos');
		// `node -e CODE 'MARKER aaaa…a!'`: on V8, `(a+)+$` tries 2^36 ways to split the a's, then fails.
		const {child, pid} = await spawnMarked(
			`${marker} ${'a'.repeat(36)}!`,
			'setTimeout(() => {}, 60000)',
		);
		t.after(() => stopChild(child));
		const matching = `${marker}.*?((a+)+$|a+!)`;
		const failing = `${marker}.*?(a+)+$`;
		const found = (await isolated(
			`import {createProbes} from ${module('../../source/monitor/probes.ts')};
			import {defaultConfig} from ${module('../../source/config.ts')};
			import {findServerTargets} from ${module('../../source/actions/targets.ts')};
			const sample = async (match) => {
				const config = {...defaultConfig(), logs: [], process: {match}};
				const readings = await createProbes(config, null, () => {}).processes.sample();
				return readings.map((r) => r.pid);
			};
			const targets = await findServerTargets({match: ${JSON.stringify(matching)}, ports: [], projectDir: process.cwd()});
			console.log(JSON.stringify({
				matching: await sample(${JSON.stringify(matching)}),
				failing: await sample(${JSON.stringify(failing)}),
				restart: [...targets.targets, ...targets.skipped].map((p) => p.pid),
			}));
			process.exit(0);`,
		)) as {matching: number[]; failing: number[]; restart: number[]};
		assert.deepEqual(found.matching, [pid]);
		assert.deepEqual(found.failing, []);
		assert.ok(found.restart.includes(pid), JSON.stringify(found.restart));
	},
);
