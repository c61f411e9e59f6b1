import React from 'react';
import {Box, Text} from 'ink';
import {clip, formatDuration, formatMb, sparkline} from '../lib/format.js';
import {triageReason, triageWords} from '../monitor/triage.js';
import type {ProcessStatus} from '../types.js';
import {C, PaneTitle, healthColor} from './theme.js';

export type ProcessDetailProps = {
	process: ProcessStatus;
	width: number;
	/** Lines available, title included; the reasons are cut first. */
	rows: number;
};

/** "2.0 MB/s", "512 B/s". */
export function formatRate(bytesPerSec: number): string {
	if (bytesPerSec >= 1024 * 1024) return `${(bytesPerSec / 1024 / 1024).toFixed(1)} MB/s`;
	if (bytesPerSec >= 1024) return `${(bytesPerSec / 1024).toFixed(1)} KB/s`;
	return `${Math.round(bytesPerSec)} B/s`;
}

function pct(n: number): string {
	return `${n.toFixed(1)}%`;
}

/** The text lines of the detail, pure, so the key bar, tests and --json agree on the words. */
export function processDetailLines(p: ProcessStatus, width: number): string[] {
	const prof = p.profile;
	const lines: string[] = [`command  ${p.command}`];
	if (prof) {
		const c = prof.cpu;
		lines.push(
			`CPU      now ${p.stopped ? 'STOP' : pct(p.cpuPercent)}   1 min avg ${pct(c.avg1m)} max ${pct(c.max1m)}   5 min avg ${pct(c.avg5m)} max ${pct(c.max5m)}`,
			`CPU ~    ${c.recent.length < 2 ? '… (collecting)' : sparkline(c.recent, Math.max(4, Math.min(60, width - 9)))}`,
		);
	} else {
		lines.push(`CPU      now ${pct(p.cpuPercent)}   history not visible (no /proc)`);
	}
	const trend =
		p.rssTrendMbPerMin === null ? '… (collecting)' : `${p.rssTrendMbPerMin.toFixed(2)} MB/min`;
	lines.push(
		`RSS      ${formatMb(p.rssMb)} MB   trend ${trend}   grew ${p.rssGrowthMb.toFixed(1)} MB   leak ${p.leak ? 'LEAK' : 'no'}`,
	);
	if (prof?.io) {
		const io = prof.io;
		lines.push(
			`I/O      read ${formatRate(io.read)}   write ${formatRate(io.write)}   (disk read ${formatRate(io.diskRead)}, write ${formatRate(io.diskWrite)})`,
		);
	} else {
		lines.push(
			"I/O      not visible (/proc/<pid>/io is readable only by the process's user or root)",
		);
	}
	lines.push(
		`threads  ${prof?.threads ?? 'not visible'}   open fds ${prof?.openFds ?? 'not visible'}   uptime ${formatDuration(p.uptimeSec)}`,
	);
	for (const reason of p.reasons) {
		const t = triageReason(reason);
		lines.push(`${p.health.padEnd(8)} ${reason} [${triageWords(t)}] first: ${t.firstResponse}`);
	}
	return lines;
}

/** Enter on the Processes pane: the guide's profiler for one process. Pure: props in, text out. */
export function ProcessDetail(props: ProcessDetailProps) {
	const p = props.process;
	const all = processDetailLines(p, props.width);
	const reasonsFrom = all.length - p.reasons.length;
	const lines = all.slice(0, Math.max(1, props.rows - 1));
	return (
		<Box flexDirection="column" width={props.width}>
			<PaneTitle
				title={`Process ${p.pid} ${p.name}`}
				focused
				width={props.width}
				summary={`${p.health} · Esc closes`}
			/>
			{lines.map((line, i) => (
				<Text key={i} wrap="truncate-end">
					{i >= reasonsFrom ? (
						<C color={healthColor[p.health]}>{clip(line, props.width)}</C>
					) : (
						clip(line, props.width)
					)}
				</Text>
			))}
		</Box>
	);
}
