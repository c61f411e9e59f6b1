import React from 'react';
import {Text} from 'ink';
import {formatClock, formatInterval} from '../lib/format.js';
import type {Snapshot} from '../types.js';
import {C, HealthWord} from './theme.js';

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
	if (props.small) {
		// Narrow terminals: the essentials first, so they survive the cut.
		return (
			<Text wrap="truncate-end">
				<C bold color="cyan">
					mcptop
				</C>{' '}
				<HealthWord health={s.health} />
				{` ${formatClock(s.time)} `}
				{s.paused ? <C inverse>PAUSED</C> : 'LIVE'}
				<C color="yellow">{` ${props.small}`}</C>
			</Text>
		);
	}
	return (
		<Text wrap="truncate-end">
			<C bold color="cyan">
				mcptop
			</C>
			{` ${s.profile} @ ${s.host}  ${formatClock(s.time)}  every ${formatInterval(s.intervalMs)}  `}
			{s.paused ? (
				<C inverse bold color="yellow">
					PAUSED
				</C>
			) : (
				<C color="green">LIVE</C>
			)}
			{props.readOnly ? <C color="yellow"> READ-ONLY</C> : null}
			{'  health '}
			<HealthWord health={s.health} />
			{props.small ? (
				<C color="yellow">{`  ${props.small}`}</C>
			) : reason && s.health !== 'OK' ? (
				<C dim>{`  ${reason}`}</C>
			) : null}
		</Text>
	);
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const Header = React.memo(HeaderView);
