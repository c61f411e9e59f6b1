import React from 'react';
import {Box, Text} from 'ink';
import {clip, col, formatDuration, formatMb, sparkline} from '../lib/format.js';
import type {ProcessStatus, SystemStatus} from '../types.js';
import {healthWord, PaneTitle, usePaint} from './theme.js';

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
	const p = usePaint();
	if (!system) return <Text wrap="truncate-end">system …sampling</Text>;
	const over = (bad: boolean, text: string) => p(text, {color: bad ? 'yellow' : undefined});
	return (
		<Text wrap="truncate-end">
			{`${p('system ', {bold: true})} CPU ${over(system.cpuPercent > t.cpuPercent, `${system.cpuPercent.toFixed(0).padStart(3)}%`)}  mem ${over(system.memoryPercent > t.memoryPercent, `${system.memoryPercent.toFixed(0)}%`)}  avail ${over(system.availableMb < t.availableMemoryMb, `${system.availableMb.toFixed(0)} MB`)}  disk ${over(system.diskPercent > t.diskPercent, `${system.diskPercent.toFixed(0)}%`)} (${over(system.diskFreeGb < t.freeDiskGb, `${system.diskFreeGb.toFixed(1)} GB free`)})  ${healthWord(p, system.health)}`}
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
	const p = usePaint();
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
					{p(
						`${col('PID', w.pid)}${col('NAME', nameW)}${col('CPU%', w.cpu, 'right')}${col('RSS MB', w.rss, 'right')}${col('MB/min', w.trend, 'right')} ${col('CPU~', w.cpuTrend - 1)}${col('LEAK', w.leak)}${col('UPTIME', w.up, 'right')} ${col('HEALTH', w.health)}${clip('COMMAND', cmdW)}`,
						{dim: true},
					)}
				</Text>
			)}
			{props.processes.length === 0 ? (
				<Text wrap="truncate-end">
					{props.sampled
						? p(
								`FAIL no process matches /${props.match}/ — is the server running? (r restarts it)`,
								{
									color: 'red',
									bold: true,
								},
							)
						: '…scanning processes'}
				</Text>
			) : (
				props.processes.slice(start, start + rows).map((pr) => (
					<Text key={pr.pid} wrap="truncate-end">
						{`${col(String(pr.pid), w.pid)}${col(pr.name, nameW)}${
							pr.stopped
								? p(col('STOP', w.cpu, 'right'), {color: 'red', bold: true})
								: p(col(pr.cpuPercent.toFixed(1), w.cpu, 'right'), {
										color: pr.cpuPercent > props.limits.cpuPercent ? 'yellow' : undefined,
									})
						}${p(col(formatMb(pr.rssMb), w.rss, 'right'), {
							color: pr.rssMb > props.limits.rssMb ? 'yellow' : undefined,
						})}${col(trendText(pr), w.trend, 'right')} ${col(cpuTrendText(pr, w.cpuTrend - 2), w.cpuTrend - 1)}${p(
							col(pr.leak ? 'LEAK' : 'no', w.leak),
							{color: pr.leak ? 'red' : undefined, bold: pr.leak},
						)}${col(formatDuration(pr.uptimeSec), w.up, 'right')} ${healthWord(p, pr.health, w.health)}${clip(pr.command, cmdW)}`}
					</Text>
				))
			)}
			<SystemLine system={props.system} t={props.thresholds} />
		</Box>
	);
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const ProcessesPane = React.memo(ProcessesPaneView);
