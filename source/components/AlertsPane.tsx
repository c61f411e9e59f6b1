import React from 'react';
import {Box, Text} from 'ink';
import {clip, col, formatClock} from '../lib/format.js';
import {alertMessage} from '../lib/log-line.js';
import {boundText} from '../lib/safe-regex.js';
import type {Alert, AlertsStatus} from '../types.js';
import {C, PaneTitle, severityColor} from './theme.js';

export type AlertsPaneProps = {
	alerts: AlertsStatus;
	width: number;
	/** Lines for the whole pane including its title. */
	height: number;
	focused: boolean;
	/** Index of the selected alert in the filtered list. */
	selected: number;
	filter: string;
	/** True while the operator is typing a filter. */
	editingFilter: boolean;
	/** The alerts that pass the filter, when the caller has them already. */
	visible?: Alert[];
};

/**
 * The alerts whose text, severity or source contains `filter` (case-insensitive). The filter is
 * text, never a regular expression: `(a+)+$` finds those six characters and cannot backtrack. Like
 * the rules, it reads the first 4 KiB of each line.
 */
export function filterAlerts(items: Alert[], filter: string): Alert[] {
	const f = boundText(filter.trim()).toLowerCase();
	if (f === '') return items;
	return items.filter(
		(a) =>
			boundText(a.text).toLowerCase().includes(f) ||
			a.severity.includes(f) ||
			a.source.toLowerCase().includes(f),
	);
}

const label = {critical: 'CRIT', error: 'ERROR', warning: 'WARN'} as const;

export function AlertsPane(props: AlertsPaneProps) {
	const {alerts, width} = props;
	const items = props.visible ?? filterAlerts(alerts.items, props.filter);
	const notes: React.ReactNode[] = [];
	if (alerts.meta) {
		notes.push(
			<Text key="meta" wrap="truncate-end">
				<C color="yellow" bold>
					⚠ WARN {alerts.meta}
				</C>
			</Text>,
		);
	}
	for (const s of alerts.sources) {
		// A followed source speaks only with a note (a wildcard that skipped a FIFO, or its file cap).
		if (s.state === 'following' && !s.error) continue;
		notes.push(
			<Text key={`s${s.path}`} wrap="truncate-end">
				<C color={s.state === 'error' ? 'red' : 'gray'}>
					{s.state === 'waiting' && !s.error
						? `waiting for ${s.path} (does not exist yet)`
						: `${s.path}: ${s.error ?? 'error'}`}
				</C>
			</Text>,
		);
	}
	if (props.filter !== '' || props.editingFilter) {
		notes.push(
			<Text key="filter" wrap="truncate-end">
				<C color="cyan">/{props.filter}</C>
				{props.editingFilter ? <C inverse> </C> : null}
				<C
					dim
				>{`  ${items.length} of ${alerts.items.length} match${props.editingFilter ? ' · Enter apply · Esc clear' : ''}`}</C>
			</Text>,
		);
	}
	const rows = Math.max(0, props.height - 1 - notes.length);
	const selected = Math.min(Math.max(0, props.selected), Math.max(0, items.length - 1));
	const start = Math.min(Math.max(0, selected - rows + 1), Math.max(0, items.length - rows));
	const timeW = 9;
	const sevW = 6;
	// One watched file: every row would repeat its name, so the column goes (the detail view has it).
	// A wildcard source (Saved/Logs/*.log) follows several files, so it keeps the column.
	const manyFiles = alerts.sources.length > 1 || alerts.sources.some((s) => /[*?]/.test(s.path));
	const srcW = manyFiles ? Math.min(26, Math.max(12, Math.floor(width / 6))) : 0;
	const countW = 6;
	const textW = Math.max(0, width - timeW - sevW - srcW - countW - 2);
	const t = alerts.totals;
	return (
		<Box flexDirection="column" width={width}>
			<PaneTitle
				title="Alerts"
				focused={props.focused}
				width={width}
				summary={`crit ${t.critical} · err ${t.error} · warn ${t.warning} · ${alerts.linesRead} lines`}
			/>
			{notes}
			{items.length === 0 && rows > 0 ? (
				<Text wrap="truncate-end">
					<C dim>
						{alerts.items.length === 0
							? 'OK no alerts in the watched logs'
							: 'no alert matches the filter'}
					</C>
				</Text>
			) : null}
			{items.slice(start, start + rows).map((a, i) => {
				const isSelected = props.focused && start + i === selected;
				return (
					<Text key={`${start + i}`} wrap="truncate-end">
						<C inverse={isSelected}>{isSelected ? '›' : ' '}</C>
						{col(formatClock(a.lastTime), timeW)}
						<C color={severityColor[a.severity]} bold={a.severity !== 'warning'}>
							{col(label[a.severity], sevW)}
						</C>
						{srcW > 0 ? col(a.source, srcW) : ''}
						{col(a.count > 1 ? `×${a.count}` : '', countW)}
						{clip(alertMessage(a.text), textW)}
					</Text>
				);
			})}
		</Box>
	);
}
