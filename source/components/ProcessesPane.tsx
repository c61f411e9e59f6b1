import React from 'react';
import {Box, Text} from 'ink';
import {clip, col, formatDuration, formatMb, sparkline} from '../lib/format.js';
import type {ProcessStatus, SystemStatus} from '../types.js';
import {C, HealthWord, PaneTitle} from './theme.js';

export type ProcessesPaneProps = {
	processes: ProcessStatus[];
	system: SystemStatus | null;
	match: string;
	/** Whether the process probe has reported at least once. */
	sampled: boolean;
	limits: {cpuPercent: number; rssMb: number};
	thresholds: {
		cpuPercent: number;
		memoryPercent: number;
		diskPercent: number;
		availableMemoryMb: number;
		freeDiskGb: number;
	};
	width: number;
	rows: number;
	focused: boolean;
	scroll: number;
	/** Column header line; hidden on very short terminals. */
	header?: boolean;
};

function trendText(p: ProcessStatus): string {
	if (p.rssTrendMbPerMin === null) return '…';
	const v = p.rssTrendMbPerMin;
	return `${v >= 0 ? '+' : ''}${Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2)}`;
}

/** The CPU trend beside the RSS trend: the last samples as a sparkline. */
export function cpuTrendText(p: ProcessStatus, width: number): string {
	const recent = p.profile?.cpu.recent ?? [];
	return recent.length < 2 ? '…' : sparkline(recent, width);
}

function SystemLine({
	system,
	t,
}: {
	system: SystemStatus | null;
	t: ProcessesPaneProps['thresholds'];
}) {
	if (!system) return <Text wrap="truncate-end">system …sampling</Text>;
	const over = (bad: boolean) => (bad ? 'yellow' : undefined);
	return (
		<Text wrap="truncate-end">
			<C bold>system </C>
			{' CPU '}
			<C color={over(system.cpuPercent > t.cpuPercent)}>
				{system.cpuPercent.toFixed(0).padStart(3)}%
			</C>
			{'  mem '}
			<C color={over(system.memoryPercent > t.memoryPercent)}>{system.memoryPercent.toFixed(0)}%</C>
			{'  avail '}
			<C color={over(system.availableMb < t.availableMemoryMb)}>
				{system.availableMb.toFixed(0)} MB
			</C>
			{'  disk '}
			<C color={over(system.diskPercent > t.diskPercent)}>{system.diskPercent.toFixed(0)}%</C>
			{' ('}
			<C color={over(system.diskFreeGb < t.freeDiskGb)}>{system.diskFreeGb.toFixed(1)} GB free</C>
			{')  '}
			<HealthWord health={system.health} />
		</Text>
	);
}

function ProcessesPaneView(props: ProcessesPaneProps) {
	const {width} = props;
	const w = {pid: 8, cpu: 6, rss: 8, trend: 8, cpuTrend: 7, leak: 5, up: 7, health: 7};
	const fixed = w.pid + w.cpu + w.rss + w.trend + w.cpuTrend + w.leak + w.up + w.health;
	const nameW = Math.max(8, Math.min(22, Math.floor((width - fixed) / 3)));
	const cmdW = Math.max(0, width - fixed - nameW);
	const rows = Math.max(1, props.rows - 1);
	const start = Math.min(Math.max(0, props.scroll), Math.max(0, props.processes.length - rows));
	const bad = props.processes.filter((p) => p.health !== 'OK').length;
	return (
		<Box flexDirection="column" width={width}>
			<PaneTitle
				title="Processes"
				focused={props.focused}
				width={width}
				summary={`${props.processes.length} matching /${props.match}/${bad > 0 ? ` · ${bad} not OK` : ''}`}
			/>
			{props.header === false ? null : (
				<Text wrap="truncate-end">
					<C dim>
						{col('PID', w.pid)}
						{col('NAME', nameW)}
						{col('CPU%', w.cpu, 'right')}
						{col('RSS MB', w.rss, 'right')}
						{col('MB/min', w.trend, 'right')} {col('CPU~', w.cpuTrend - 1)}
						{col('LEAK', w.leak)}
						{col('UPTIME', w.up, 'right')} {col('HEALTH', w.health)}
						{clip('COMMAND', cmdW)}
					</C>
				</Text>
			)}
			{props.processes.length === 0 ? (
				<Text wrap="truncate-end">
					{props.sampled ? (
						<C color="red" bold>
							FAIL no process matches /{props.match}/ — is the server running? (r restarts it)
						</C>
					) : (
						'…scanning processes'
					)}
				</Text>
			) : (
				props.processes.slice(start, start + rows).map((p) => (
					<Text key={p.pid} wrap="truncate-end">
						{col(String(p.pid), w.pid)}
						{col(p.name, nameW)}
						{p.stopped ? (
							<C color="red" bold>
								{col('STOP', w.cpu, 'right')}
							</C>
						) : (
							<C color={p.cpuPercent > props.limits.cpuPercent ? 'yellow' : undefined}>
								{col(p.cpuPercent.toFixed(1), w.cpu, 'right')}
							</C>
						)}
						<C color={p.rssMb > props.limits.rssMb ? 'yellow' : undefined}>
							{col(formatMb(p.rssMb), w.rss, 'right')}
						</C>
						{col(trendText(p), w.trend, 'right')}{' '}
						{col(cpuTrendText(p, w.cpuTrend - 2), w.cpuTrend - 1)}
						<C color={p.leak ? 'red' : undefined} bold={p.leak}>
							{col(p.leak ? 'LEAK' : 'no', w.leak)}
						</C>
						{col(formatDuration(p.uptimeSec), w.up, 'right')}{' '}
						<HealthWord health={p.health} width={w.health} />
						{clip(p.command, cmdW)}
					</Text>
				))
			)}
			<SystemLine system={props.system} t={props.thresholds} />
		</Box>
	);
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const ProcessesPane = React.memo(ProcessesPaneView);
