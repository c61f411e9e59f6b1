import React from 'react';
import {Box, Text} from 'ink';
import {C, PaneTitle} from './theme.js';

export const helpKeys: Array<[string, string]> = [
	['q, Ctrl-C', 'quit (the server keeps running)'],
	['?', 'this help (Esc or ? closes it)'],
	['p', 'pause / resume the display (probes and log counting go on)'],
	['Tab, Shift-Tab', 'move focus between panes'],
	['↑ ↓, j k', 'scroll the focused pane / move the alert cursor'],
	['PgUp PgDn, g G', 'page, top, bottom'],
	['Enter', 'show the selected alert whole'],
	['/', 'filter alerts (Enter applies, Esc clears)'],
	['Esc', 'close a dialog, cancel a question, clear the filter'],
	['r', 'restart the server (shows PIDs, asks y/N)'],
	['b', 'back up the project files now'],
	['R', 'restore a backup (pick one, verify, asks y/N)'],
	['v', 'run the post-recovery validation'],
	['d', 'save an incident dump (JSON) to the state directory'],
	['l', 'run the latency analysis of the read-only tools'],
	['c', 'run the concurrency (load) test'],
];

export function HelpOverlay({
	width,
	height,
	readOnly,
}: {
	width: number;
	height: number;
	readOnly: boolean;
}) {
	const keyW = 16;
	const rows = helpKeys.slice(0, Math.max(0, height - 2));
	return (
		<Box flexDirection="column" width={width} height={height}>
			<PaneTitle title="Help" focused width={width} summary="Esc closes" />
			{rows.map(([key, text]) => (
				<Text key={key} wrap="truncate-end">
					<C bold color="cyan">
						{key.padEnd(keyW)}
					</C>
					{text}
				</Text>
			))}
			{height - 2 > rows.length ? (
				<Text wrap="truncate-end">
					<C dim>
						{readOnly
							? 'READ-ONLY: r, R and b are disabled (no process is stopped, no project file written).'
							: 'Colours are never the only signal: every state also has a word (OK, WARN, FAIL).'}
					</C>
				</Text>
			) : null}
			{helpKeys.length > rows.length ? (
				<Text wrap="truncate-end">
					<C dim>{`… ${helpKeys.length - rows.length} more: make the terminal taller`}</C>
				</Text>
			) : null}
		</Box>
	);
}
