import React from 'react';
import {Text} from 'ink';
import {formatClock, formatInterval} from '../lib/format.js';
import type {Snapshot} from '../types.js';
import {healthWord, usePaint} from './theme.js';

function HeaderView(props: {
	snapshot: Snapshot;
	width: number;
	readOnly: boolean;
	small: string | null;
}) {
	const s = props.snapshot;
	// The highest-priority reason from the guide's triage, named by priority and category.
	const top = s.triage?.[0];
	const reason = top
		? `${top.triage.priority.toUpperCase()} ${top.triage.category}: ${top.text}`
		: s.reasons[0];
	const p = usePaint();
	if (props.small) {
		// Narrow terminals: the essentials first, so they survive the cut.
		return (
			<Text wrap="truncate-end">
				{`${p('mcptop', {bold: true, color: 'cyan'})} ${healthWord(p, s.health)} ${formatClock(s.time)} ${
					s.paused ? p('PAUSED', {inverse: true}) : 'LIVE'
				}${p(` ${props.small}`, {color: 'yellow'})}`}
			</Text>
		);
	}
	const state = s.paused
		? p('PAUSED', {inverse: true, bold: true, color: 'yellow'})
		: p('LIVE', {color: 'green'});
	const readOnly = props.readOnly ? p(' READ-ONLY', {color: 'yellow'}) : '';
	const why = reason && s.health !== 'OK' ? p(`  ${reason}`, {dim: true}) : '';
	return (
		<Text wrap="truncate-end">
			{`${p('mcptop', {bold: true, color: 'cyan'})} ${s.profile} @ ${s.host}  ${formatClock(s.time)}  every ${formatInterval(s.intervalMs)}  ${state}${readOnly}  health ${healthWord(p, s.health)}${why}`}
		</Text>
	);
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const Header = React.memo(HeaderView);
