import React from 'react';
import {Box, Text} from 'ink';
import {helpSections, rowKeys} from '../keys/dispatch.js';
import {C, PaneTitle} from './theme.js';

type HelpLine = {kind: 'title' | 'key'; keys: string; text: string};

/** Every key from the binding table, under the heading of where it works. */
export function helpLines(readOnly: boolean): HelpLine[] {
	const lines: HelpLine[] = [];
	for (const section of helpSections()) {
		lines.push({kind: 'title', keys: '', text: section.title});
		for (const row of section.rows) lines.push({kind: 'key', keys: rowKeys(row), text: row.text});
	}
	lines.push({
		kind: 'title',
		keys: '',
		text: readOnly
			? 'READ-ONLY: r, R and b are disabled (no process is stopped, no project file written).'
			: 'Colours are never the only signal: every state also has a word (OK, WARN, FAIL).',
	});
	return lines;
}

/** How far the help scrolls at this height (the title takes a line). */
export function helpMax(height: number, readOnly: boolean): number {
	return Math.max(0, helpLines(readOnly).length - Math.max(1, height - 1));
}

export function HelpOverlay({
	width,
	height,
	readOnly,
	scroll = 0,
}: {
	width: number;
	height: number;
	readOnly: boolean;
	scroll?: number;
}) {
	const keyW = 18;
	const lines = helpLines(readOnly);
	const room = Math.max(0, height - 1);
	const start = Math.min(Math.max(0, scroll), Math.max(0, lines.length - room));
	const more = lines.length - start - room;
	const shown = lines.slice(start, start + room);
	const summary =
		more > 0 ? `Esc closes · ↓ ${more} more` : start > 0 ? 'Esc closes · ↑ more' : 'Esc closes';
	return (
		<Box flexDirection="column" width={width} height={height}>
			<PaneTitle title="Help" focused width={width} summary={summary} />
			{shown.map((line, i) =>
				line.kind === 'title' ? (
					<Text key={start + i} wrap="truncate-end">
						<C bold>{line.text}</C>
					</Text>
				) : (
					<Text key={start + i} wrap="truncate-end">
						<C bold color="cyan">
							{`  ${line.keys}`.padEnd(keyW)}
						</C>
						{line.keys.length + 2 >= keyW ? ' ' : ''}
						{line.text}
					</Text>
				),
			)}
		</Box>
	);
}
