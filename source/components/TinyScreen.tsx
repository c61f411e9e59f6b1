import React from 'react';
import {Box, Text} from 'ink';
import type {DialogState} from '../actions/runner.js';
import {clip, formatClock} from '../lib/format.js';
import type {Snapshot} from '../types.js';
import {KeyBar, type KeyHint} from './KeyBar.js';
import {C, HealthWord} from './theme.js';

/** The smallest terminal the panes are laid out for (SPEC §2). */
export const minimumSize = {columns: 40, rows: 12} as const;

export function isTooSmall(columns: number, rows: number): boolean {
	return columns < minimumSize.columns || rows < minimumSize.rows;
}

/** "terminal too small 20×6: need 40×12". */
export function tooSmallNotice(columns: number, rows: number): string {
	return `terminal too small ${columns}×${rows}: need ${minimumSize.columns}×${minimumSize.rows}`;
}

const dialogWords: Record<Exclude<DialogState['phase'], 'idle'>, string> = {
	loading: 'loading',
	pick: 'choose one: make the terminal larger (Esc cancels)',
	confirm: 'asks y/N: make the terminal larger to see what it does (Esc cancels)',
	running: 'running',
	done: 'done: make the terminal larger to see the result (Esc dismisses)',
};

/**
 * Below the minimum size: the notice, then the essentials, one line each, cut to the width and never
 * more than rows - 1 lines (a taller frame makes Ink clear the screen on every frame). A one-row
 * terminal gets an empty frame for the same reason.
 */
export function TinyScreen(props: {
	columns: number;
	rows: number;
	snapshot: Snapshot;
	dialog: DialogState;
	keys: KeyHint[];
	notice: string | null;
}) {
	const {columns: width, snapshot: s, dialog} = props;
	const height = Math.max(0, props.rows - 1);
	const lines: React.ReactNode[] = [
		<C key="small" color="yellow" bold>
			{clip(tooSmallNotice(props.columns, props.rows), width)}
		</C>,
		<React.Fragment key="status">
			<C bold color="cyan">
				mcptop
			</C>{' '}
			<HealthWord health={s.health} />
			{` ${formatClock(s.time)} `}
			{s.paused ? <C inverse>PAUSED</C> : 'LIVE'}
		</React.Fragment>,
	];
	if (dialog.phase !== 'idle') {
		lines.push(
			<C key="dialog" color="cyan">
				{clip(`${dialog.title} ${dialogWords[dialog.phase]}`, width)}
			</C>,
		);
	}
	for (const [i, reason] of s.reasons.entries()) {
		lines.push(<React.Fragment key={`r${i}`}>{clip(reason, width)}</React.Fragment>);
	}
	// From three lines on, the last is the key bar (or its notice), as on the full screen.
	const keyBar = height >= 3;
	// The outer box cuts at the terminal's width whatever `width` says: on a resize Ink prints this
	// tree once at the new width before React renders the next one (see App).
	return (
		<Box width="100%" height={height} overflow="hidden">
			<Box flexDirection="column" width={width} height={height}>
				{lines.slice(0, keyBar ? height - 1 : height).map((line, i) => (
					<Text key={i} wrap="truncate-end">
						{line}
					</Text>
				))}
				{keyBar ? (
					<>
						<Box flexGrow={1} />
						<KeyBar keys={props.keys} notice={props.notice} width={width} />
					</>
				) : null}
			</Box>
		</Box>
	);
}
