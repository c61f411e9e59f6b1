import React from 'react';
import {Box, Text} from 'ink';
import {endpointDescription, formatMs, sparkline} from '../lib/format.js';
import type {Assessment, LatencyStatus} from '../types.js';
import {healthWord, PaneTitle, usePaint} from './theme.js';

export type LatencyPaneProps = {
	latency: LatencyStatus;
	now: number;
	width: number;
	/** Lines available below the title (1 or more). */
	rows: number;
	focused: boolean;
};

const assessmentColor: Record<Assessment, string> = {
	Excellent: 'green',
	Good: 'green',
	Acceptable: 'yellow',
	Poor: 'red',
	'n/a': 'gray',
};

function Spark({samples, width}: {samples: Array<number | null>; width: number}) {
	const p = usePaint();
	const line = sparkline(samples, width);
	// Failed probes are '×' in red; split so colour wraps only the failures.
	const parts = line.split(/(×+)/).filter((s) => s !== '');
	let text = '';
	for (const part of parts)
		text += part.startsWith('×') ? p(part, {color: 'red', bold: true}) : p(part, {color: 'cyan'});
	if (samples.length === 0) text += p('waiting for the first probe…', {dim: true});
	return <Text wrap="truncate-end">{text}</Text>;
}

function LatencyPaneView(props: LatencyPaneProps) {
	const l = props.latency;
	const width = props.width;
	const how = endpointDescription(l);
	const stateText =
		l.state === 'connected'
			? `${how} · connected`
			: l.state === 'reconnecting' && l.nextRetryAt !== null
				? `${how} · reconnecting in ${Math.max(0, Math.ceil((l.nextRetryAt - props.now) / 1000))}s (#${l.reconnects})`
				: `${how} · ${l.state}`;
	const gap = width >= 100 ? '  ' : ' ';
	const p = usePaint();
	const state =
		l.state === 'connected'
			? p(l.assessment, {color: assessmentColor[l.assessment], bold: true})
			: p('down', {color: 'red', bold: true});
	const stats = (
		<Text wrap="truncate-end">
			{`now ${p(formatMs(l.now), {bold: true})}${gap}p50 ${formatMs(l.p50)}${gap}p95 ${formatMs(l.p95)}${gap}p99 ${formatMs(l.p99)}${gap}max ${formatMs(l.max)}${gap}loss ${p(
				`${l.lossPercent.toFixed(l.lossPercent >= 10 ? 0 : 1)}%`,
				{color: l.lossPercent > 0 ? 'yellow' : undefined},
			)}${gap}${state}  ${healthWord(p, l.health)}`}
		</Text>
	);
	const problem = l.lastError ? `${l.lastError}${l.hint ? ` — ${l.hint}` : ''}` : null;
	const about = sessionLine(l);
	return (
		<Box flexDirection="column" width={width}>
			<PaneTitle
				title="Latency"
				focused={props.focused}
				width={width}
				summary={`${l.url} · ${stateText}`}
			/>
			<Spark samples={l.samples} width={width} />
			{props.rows >= 2 ? stats : null}
			{props.rows >= 3 && problem && l.health !== 'OK' ? (
				<Text wrap="truncate-end">{p(problem, {color: 'red'})}</Text>
			) : props.rows >= 3 && about ? (
				<Text wrap="truncate-end">{p(about, {dim: true})}</Text>
			) : null}
		</Box>
	);
}

/** Who answers and what is timed: "unreal-blueprint-mcp 0.3.0 · times ping · handshake 4.2ms · 1 session". */
function sessionLine(l: LatencyStatus): string | null {
	const parts: string[] = [];
	// What to fix in the config first: it is the part an operator acts on.
	if (l.hint) parts.push(l.hint);
	if (l.server)
		parts.push(l.server.version ? `${l.server.name} ${l.server.version}` : l.server.name);
	if (l.era) parts.push(l.era === 'modern' ? 'stateless' : 'session');
	if (l.method) parts.push(`times ${l.method}`);
	if (l.handshakeMs !== null) parts.push(`handshake ${formatMs(l.handshakeMs)}`);
	if (l.sessions > 1) parts.push(`${l.sessions} handshakes`);
	if (l.note) parts.push(l.note);
	return parts.length > 0 ? parts.join(' · ') : null;
}

export function latencyPaneLines(latency: LatencyStatus): number {
	if (latency.lastError && latency.health !== 'OK') return 3;
	return sessionLine(latency) ? 3 : 2;
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const LatencyPane = React.memo(LatencyPaneView);
