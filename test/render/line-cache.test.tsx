import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import React from 'react';
import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';
import {
	InkOutputClass as Output,
	cachedOutputGet,
	inkOutputGet,
	installLineCache,
	uninstallLineCache,
} from '../../source/render/line-cache.js';

const transformers: Record<string, (line: string, index: number) => string> = {
	bold: (line) => `\u001B[1m${line}\u001B[22m`,
	red: (line) => `\u001B[31m${line}\u001B[39m`,
	oddUpper: (line, index) => (index % 2 ? line.toUpperCase() : line),
};

const piece = fc.constantFrom(
	'a',
	'b',
	' ',
	'界',
	'😀',
	'\n',
	'\u001B[32m',
	'\u001B[39m',
	'\u001B[7m',
	'\u001B[27m',
	'é',
	'─',
);
const text = fc.array(piece, {minLength: 0, maxLength: 14}).map((parts) => parts.join(''));
const operation = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record({
			type: fc.constant('write' as const),
			x: fc.integer({min: -3, max: 30}),
			y: fc.integer({min: -2, max: 10}),
			text,
			transformers: fc.subarray(Object.keys(transformers)),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			type: fc.constant('clip' as const),
			x1: fc.option(fc.integer({min: 0, max: 20}), {nil: undefined}),
			x2: fc.option(fc.integer({min: 0, max: 30}), {nil: undefined}),
			y1: fc.option(fc.integer({min: 0, max: 6}), {nil: undefined}),
			y2: fc.option(fc.integer({min: 0, max: 10}), {nil: undefined}),
		}),
	},
	{weight: 1, arbitrary: fc.constant({type: 'unclip' as const})},
);
const frame = fc.record({
	width: fc.integer({min: 1, max: 28}),
	height: fc.integer({min: 1, max: 8}),
	operations: fc.array(operation, {maxLength: 12}),
});

type Frame = {
	width: number;
	height: number;
	operations: Array<
		| {type: 'write'; x: number; y: number; text: string; transformers: string[]}
		| {type: 'clip'; x1?: number; x2?: number; y1?: number; y2?: number}
		| {type: 'unclip'}
	>;
};

function build(f: Frame): InstanceType<typeof Output> {
	const output = new Output({width: f.width, height: f.height});
	for (const op of f.operations) {
		if (op.type === 'write')
			output.write(op.x, op.y, op.text, {
				transformers: op.transformers.map((name) => transformers[name]!),
			});
		else if (op.type === 'clip') output.clip({x1: op.x1, x2: op.x2, y1: op.y1, y2: op.y2});
		else output.unclip();
	}
	return output;
}

test('each frame is the text Ink itself builds, frame after frame (the cache warm)', () => {
	fc.assert(
		fc.property(fc.array(frame, {minLength: 1, maxLength: 6}), (frames) => {
			// Each frame twice: once to fill the cache, once to read it.
			for (const f of [...frames, ...frames]) {
				const output = build(f);
				assert.deepEqual(cachedOutputGet(output), inkOutputGet(output));
			}
		}),
		{numRuns: 1000},
	);
});

function Screen({clock, rows}: {clock: string; rows: string[]}) {
	return (
		<Box flexDirection="column" width={40} height={8} overflow="hidden">
			<Text wrap="truncate-end">
				<Text color="cyan" bold>
					mcptop
				</Text>
				{` ${clock}`}
			</Text>
			{rows.map((row, i) => (
				<Text key={i} wrap="truncate-end" color={i % 2 ? 'red' : 'green'}>
					{row}
				</Text>
			))}
		</Box>
	);
}

test('an Ink app draws the same frames with the cache as without', () => {
	const frames = [
		{clock: '10:00:00', rows: ['one', 'two 界', 'three']},
		{clock: '10:00:01', rows: ['one', 'two 界', 'three']},
		{
			clock: '10:00:02',
			rows: ['one', 'TWO', 'three', 'four is a line much longer than the box is wide'],
		},
		{clock: '10:00:02', rows: ['one']},
	];
	const draw = () => {
		const app = render(<Screen {...frames[0]!} />);
		const seen = [app.lastFrame()];
		for (const f of frames.slice(1)) {
			app.rerender(<Screen {...f} />);
			seen.push(app.lastFrame());
		}
		app.unmount();
		return seen;
	};
	const stock = draw();
	installLineCache();
	try {
		const cached = draw();
		assert.deepEqual(cached, stock);
		assert.match(cached[2]!, /TWO/);
		assert.doesNotMatch(cached[3]!, /three/);
	} finally {
		uninstallLineCache();
	}
});
