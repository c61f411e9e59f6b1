import React from 'react';
import {Box, Text} from 'ink';
import {col, clip, formatDuration, formatMb, formatMs} from '../lib/format.js';
import type {FleetDetail, FleetHealth, FleetRow, SortKey} from '../fleet/rows.js';
import {KeyBar} from './KeyBar.js';
import {C, PaneTitle} from './theme.js';

export type FleetViewProps = {
	/** Sorted and filtered already (fleet/rows.ts sortRows, filterRows). */
	rows: FleetRow[];
	/** How many machines Prometheus knows before the filter. */
	total: number;
	selected: number;
	sort: SortKey;
	reverse: boolean;
	filter: string;
	/** The filter line is being typed. */
	editingFilter: boolean;
	/** The selected machine's series, when Enter opened it. */
	detail: FleetDetail | string | null;
	prometheus: string;
	/** Epoch ms of the data shown, null before the first answer. */
	updatedAt: number | null;
	errors: string[];
	now: number;
	width: number;
	height: number;
};

const fleetColor: Record<FleetHealth, string> = {
	OK: 'green',
	WARN: 'yellow',
	FAIL: 'red',
	DOWN: 'red',
	UNKNOWN: 'gray',
};

function Health({health}: {health: FleetHealth}) {
	return (
		<C color={fleetColor[health]} bold={health !== 'OK'}>
			{col(health === 'UNKNOWN' ? '?' : health, 7)}
		</C>
	);
}

function ago(now: number, then: number | null): string {
	return then === null ? '—' : `${formatDuration((now - then) / 1000)} ago`;
}

function trend(r: FleetRow): string {
	if (r.rssTrendMbPerMin === null) return '—';
	const t = r.rssTrendMbPerMin;
	const text = `${t >= 0 ? '+' : ''}${t.toFixed(Math.abs(t) >= 10 ? 0 : 1)}/m`;
	return r.leak ? `${text} LEAK` : text;
}

function alerts(r: FleetRow): string {
	const a = r.alertsLastHour;
	return a.critical > 0 ? `${a.critical}C ${a.error}E ${a.warning}W` : `${a.error}E ${a.warning}W`;
}

/** The columns that fit: the host takes what is left, the widest optional ones drop first. */
function layout(width: number) {
	const fixed = {health: 7, p95: 8, loss: 7, rss: 8, trend: 12, alerts: 12, restart: 12};
	const optional: Array<keyof typeof fixed> = ['trend', 'restart', 'alerts', 'rss'];
	const shown = new Set(Object.keys(fixed) as Array<keyof typeof fixed>);
	const used = () => [...shown].reduce((n, k) => n + fixed[k], 0);
	for (const k of optional) if (width - used() < 26) shown.delete(k);
	// A long host column pushes the figures away from the names they belong to.
	return {shown, host: Math.max(8, Math.min(48, width - used()))};
}

function Table(props: FleetViewProps & {rowsShown: number}) {
	const {shown, host} = layout(props.width);
	const first = Math.max(
		0,
		Math.min(props.selected - props.rowsShown + 1, props.rows.length - props.rowsShown),
	);
	const visible = props.rows.slice(first, first + props.rowsShown);
	const mark = (key: SortKey, label: string) =>
		props.sort === key ? `${label}${props.reverse ? '↑' : '↓'}` : label;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				<C bold>
					{col(mark('health', 'STATE'), 7)}
					{col(mark('host', 'MACHINE'), host)}
					{col(mark('latency', 'P95'), 8, 'right')}
					{col(mark('loss', 'LOSS'), 7, 'right')}
					{shown.has('rss') ? col(mark('rss', 'RSS MB'), 8, 'right') : ''}
					{shown.has('trend') ? col('TREND', 12, 'right') : ''}
					{shown.has('alerts') ? col(mark('alerts', 'ALERTS 1h'), 12, 'right') : ''}
					{shown.has('restart') ? clip(mark('restart', 'RESTART'), 12) : ''}
				</C>
			</Text>
			{visible.map((r, i) => {
				const selected = first + i === props.selected;
				// One string after the health word: a few text nodes a row keep 300 machines cheap.
				const cells = [
					col(
						`${selected ? '›' : ' '}${r.host}${r.host === r.instance ? '' : ` (${r.instance})`}`,
						host,
					),
					col(r.endpointUp === false ? 'down' : formatMs(r.latencyP95Ms), 8, 'right'),
					col(r.lossPercent === null ? '—' : `${r.lossPercent.toFixed(1)}%`, 7, 'right'),
					shown.has('rss') ? col(r.rssMb === null ? '—' : formatMb(r.rssMb), 8, 'right') : '',
					shown.has('trend') ? col(trend(r), 12, 'right') : '',
					shown.has('alerts') ? col(alerts(r), 12, 'right') : '',
					shown.has('restart') ? clip(ago(props.now, r.lastRestart), 12) : '',
				].join('');
				return (
					<Text key={r.instance} wrap="truncate-end" inverse={selected}>
						<Health health={r.health} />
						{cells}
					</Text>
				);
			})}
			{props.rows.length === 0 ? (
				<Text wrap="truncate-end">
					<C dim>
						{props.total === 0
							? props.updatedAt === null
								? 'asking Prometheus…'
								: 'no machines: nothing matches the fleet selector in Prometheus'
							: `no machine matches the filter "${props.filter}"`}
					</C>
				</Text>
			) : null}
		</Box>
	);
}

function Detail(props: FleetViewProps & {lines: number}) {
	const row = props.rows[props.selected];
	if (!row) return null;
	const d = props.detail;
	const lines: string[] = [
		`health ${row.health}   endpoint ${row.endpointUp === null ? '?' : row.endpointUp ? 'answers' : 'DOWN'}   p95 ${formatMs(row.latencyP95Ms)}   loss ${row.lossPercent === null ? '—' : `${row.lossPercent}%`}`,
		`server RSS ${row.rssMb === null ? '—' : `${formatMb(row.rssMb)} MB`} (${trend(row)})   last restart ${ago(props.now, row.lastRestart)}`,
		`alerts in the last hour: ${row.alertsLastHour.critical} critical, ${row.alertsLastHour.error} error, ${row.alertsLastHour.warning} warning`,
	];
	if (typeof d === 'string') lines.push(`series: ${d}`);
	else if (d === null || d.instance !== row.instance) lines.push('series: loading…');
	else {
		for (const s of d.series) {
			const labels = Object.entries(s.labels)
				.map(([k, v]) => `${k}="${v}"`)
				.join(',');
			// Timestamps and byte counts whole; ratios and seconds to six figures.
			const value =
				Number.isInteger(s.value) || Math.abs(s.value) >= 1e6
					? s.value.toFixed(0)
					: s.value.toPrecision(6);
			lines.push(`${s.name}${labels ? `{${labels}}` : ''} ${value}`);
		}
	}
	return (
		<Box flexDirection="column">
			<PaneTitle title={row.host} focused width={props.width} summary={row.instance} />
			{lines.slice(0, props.lines).map((line, i) => (
				<Text key={i} wrap="truncate-end">
					{line}
				</Text>
			))}
		</Box>
	);
}

/**
 * The fleet: one row per build machine, every figure from Prometheus. Pure: props in, text out; at
 * most `height - 1` lines so Ink never clears the screen.
 */
export function FleetView(props: FleetViewProps) {
	const bad = props.rows.filter((r) => r.health !== 'OK').length;
	const summary = `${props.rows.length}/${props.total} machines · ${bad} not OK · ${props.updatedAt === null ? 'waiting' : `at ${new Date(props.updatedAt).toISOString().slice(11, 19)}Z`}`;
	const errorLines = props.errors.slice(0, 2);
	const body = Math.max(1, props.height - 4 - errorLines.length);
	const keys =
		props.detail !== null
			? [
					{key: 'Esc', label: 'back'},
					{key: 'q', label: 'quit'},
				]
			: [
					{key: 'j/k', label: 'move'},
					{key: 'Enter', label: 'detail'},
					{key: 's', label: `sort (${props.sort})`},
					{key: 'S', label: 'reverse'},
					{key: '/', label: 'filter'},
					{key: 'r', label: 'refresh'},
					{key: 'q', label: 'quit'},
				];
	return (
		<Box flexDirection="column" width={props.width}>
			<PaneTitle
				title={`Fleet ${props.prometheus}`}
				focused={false}
				width={props.width}
				summary={summary}
			/>
			{errorLines.map((e, i) => (
				<Text key={i} wrap="truncate-end">
					<C color="red" bold>
						FAIL {e}
					</C>
				</Text>
			))}
			{props.detail !== null ? (
				<Detail {...props} lines={body} />
			) : (
				<Table {...props} rowsShown={body} />
			)}
			{props.editingFilter || props.filter !== '' ? (
				<Text wrap="truncate-end">
					{'/'}
					{props.filter}
					{props.editingFilter ? '▏' : ''}
				</Text>
			) : (
				<KeyBar keys={keys} width={props.width} />
			)}
		</Box>
	);
}
