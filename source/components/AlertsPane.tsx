import React from 'react';
import {Box, Text} from 'ink';
import stringWidth from 'string-width';
import {clip, col, formatClock} from '../lib/format.js';
import {alertMessage} from '../lib/log-line.js';
import type {Alert, AlertsStatus, LogSourceStatus, Severity} from '../types.js';
import {severities, viewAlerts, type FilterMode} from '../ui/alert-filter.js';
import {PaneTitle, severityColor, usePaint} from './theme.js';

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
	/** regex (the default) or text. */
	filterMode?: FilterMode;
	/** Why the filter filters nothing (a bad regular expression). */
	filterProblem?: string | null;
	/** The severities shown (all when absent). */
	shown?: Record<Severity, boolean>;
	/** The alerts that pass the filter and the toggles, when the caller has them already. */
	visible?: Alert[];
};

/**
 * The alerts whose text, severity or source contains `filter` as text (case-insensitive): `(a+)+$`
 * finds those six characters and cannot backtrack. Like the rules, it reads the first 4 KiB of
 * each line. The `/` filter's regular expressions: viewAlerts (source/ui/alert-filter.ts).
 */
export function filterAlerts(items: Alert[], filter: string): Alert[] {
	return viewAlerts(items, filter, 'text').alerts;
}

const label = {critical: 'CRIT', error: 'ERROR', warning: 'WARN'} as const;

type RowText = {widths: readonly number[]; time: string; rest: string; restWidth: number};

// A row's text for each alert, made once for as long as the alert lives (the book never changes one
// in place) and the columns keep their widths: under a busy log the list moves every tick, and each
// row is drawn again at its new position.
const rowTexts = new WeakMap<Alert, RowText>();

function rowText(a: Alert, timeW: number, srcW: number, countW: number, textW: number): RowText {
	const known = rowTexts.get(a);
	const w = known?.widths;
	if (known && w![0] === timeW && w![1] === srcW && w![2] === countW && w![3] === textW)
		return known;
	const rest = `${srcW > 0 ? col(a.source, srcW) : ''}${col(a.count > 1 ? `×${a.count}` : '', countW)}${clip(alertMessage(a.text), textW)}`;
	const made = {
		widths: [timeW, srcW, countW, textW],
		time: col(formatClock(a.lastTime), timeW),
		rest,
		// In columns, as Ink measures it: a wide character takes two.
		restWidth: stringWidth(rest),
	};
	rowTexts.set(a, made);
	return made;
}

function AlertsPaneView(props: AlertsPaneProps) {
	const {alerts, width} = props;
	const mode = props.filterMode ?? 'regex';
	const computed = props.visible
		? {alerts: props.visible, problem: props.filterProblem ?? null}
		: viewAlerts(alerts.items, props.filter, mode, props.shown);
	const items = computed.alerts;
	const hidden = severities.filter((s) => props.shown && !props.shown[s]);
	const p = usePaint();
	const notes: React.ReactNode[] = [];
	if (alerts.meta) {
		notes.push(
			<Text key="meta" wrap="truncate-end">
				{p(`⚠ WARN ${alerts.meta}`, {color: 'yellow', bold: true})}
			</Text>,
		);
	}
	for (const s of alerts.sources) {
		// A followed source speaks only with a note (a wildcard that skipped a FIFO, or its file cap).
		if (s.state === 'following' && !s.error) continue;
		notes.push(
			<Text key={`s${s.path}`} wrap="truncate-end">
				{p(
					s.state === 'waiting' && !s.error
						? `waiting for ${s.path} (does not exist yet)`
						: `${s.path}: ${s.error ?? 'error'}`,
					{color: s.state === 'error' ? 'red' : 'gray'},
				)}
			</Text>,
		);
	}
	if (props.filter !== '' || props.editingFilter || hidden.length > 0) {
		const what = mode === 'regex' ? 'regex' : 'text';
		const typed =
			props.filter !== '' || props.editingFilter
				? p(`/${props.filter}`, {color: 'cyan'}) +
					(props.editingFilter ? p(' ', {inverse: true}) : '') +
					p(`  ${what}  `, {dim: true})
				: '';
		const outcome = computed.problem
			? p(`${computed.problem}: filters nothing`, {color: 'red', bold: true})
			: p(`${items.length} of ${alerts.items.length} match`, {dim: true});
		const off = hidden.length > 0 ? p(`  · hidden: ${hidden.join(', ')}`, {dim: true}) : '';
		notes.push(
			<Text key="filter" wrap="truncate-end">
				{typed + outcome + off}
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
	let fits = true;
	const shown = items.slice(start, start + rows).map((a, i) => {
		const isSelected = props.focused && start + i === selected;
		const text = rowText(a, timeW, srcW, countW, textW);
		// Marker, time and severity are one column each per character; Ink would cut a wider row.
		if (1 + timeW + sevW + text.restWidth > width) fits = false;
		return `${isSelected ? `${p('›', {inverse: true})}${text.time}` : ` ${text.time}`}${p(
			col(label[a.severity], sevW),
			{color: severityColor[a.severity], bold: a.severity !== 'warning'},
		)}${text.rest}`;
	});
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
					{p(
						alerts.items.length === 0
							? 'OK no alerts in the watched logs'
							: hidden.length === severities.length
								? 'every severity is hidden (1 2 3 show them)'
								: 'no alert matches the filter',
						{dim: true},
					)}
				</Text>
			) : null}
			{fits ? (
				// Every row fits the pane: the list is one text of one line per row, a single node
				// however many rows there are and however far the list moved.
				shown.length > 0 ? (
					<Text>{shown.join('\n')}</Text>
				) : null
			) : (
				shown.map((line, i) => (
					<Text key={`${start + i}`} wrap="truncate-end">
						{line}
					</Text>
				))
			)}
		</Box>
	);
}

/**
 * Whether the pane would draw the same: the store builds a new AlertsStatus every tick, but its list
 * is the same array until an alert changes (AlertBook.newest), so the parts the pane shows are
 * compared rather than the object. health and recentWarnings are not drawn here.
 */
export function sameAlertsPaneProps(a: AlertsPaneProps, b: AlertsPaneProps): boolean {
	const x = a.alerts;
	const y = b.alerts;
	return (
		(x === y ||
			(x.items === y.items &&
				x.linesRead === y.linesRead &&
				x.meta === y.meta &&
				x.totals.critical === y.totals.critical &&
				x.totals.error === y.totals.error &&
				x.totals.warning === y.totals.warning &&
				sameSources(x.sources, y.sources))) &&
		a.width === b.width &&
		a.height === b.height &&
		a.focused === b.focused &&
		a.selected === b.selected &&
		a.filter === b.filter &&
		a.editingFilter === b.editingFilter &&
		a.filterMode === b.filterMode &&
		a.filterProblem === b.filterProblem &&
		a.shown === b.shown &&
		a.visible === b.visible
	);
}

function sameSources(a: LogSourceStatus[], b: LogSourceStatus[]): boolean {
	if (a === b) return true;
	if (a.length !== b.length) return false;
	return a.every((s, i) => {
		const t = b[i]!;
		return s.path === t.path && s.state === t.state && s.error === t.error;
	});
}

// An idle tick (no new line, no alert changed) draws nothing new here: no render, no layout of its rows.
export const AlertsPane = React.memo(AlertsPaneView, sameAlertsPaneProps);
