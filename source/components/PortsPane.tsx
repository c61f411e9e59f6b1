import React from 'react';
import {Box, Text} from 'ink';
import {col, fit, formatDuration, formatMs, plural, transportShort} from '../lib/format.js';
import {endpointPort} from '../lib/endpoint-url.js';
import {triageReason, triageWords} from '../monitor/triage.js';
import {editorStateWords} from '../probes/editor-state.js';
import type {LatencyStatus, PortStatus} from '../types.js';
import {healthWord, PaneTitle, usePaint} from './theme.js';

export type PortsPaneProps = {
	ports: PortStatus[];
	/** The endpoint's probe result is shown on the row of the port it lives on. */
	endpoint: Pick<LatencyStatus, 'url' | 'kind' | 'state' | 'now' | 'lastError' | 'samples'>;
	now: number;
	width: number;
	/** Rows available for port lines (title and column header excluded). */
	rows: number;
	focused: boolean;
	scroll: number;
	/** Column header line; hidden on very short terminals. */
	header?: boolean;
};

function probeText(p: PortStatus, endpoint: PortsPaneProps['endpoint']): string {
	if (endpointPort(endpoint.url) === p.port) {
		const kind = transportShort[endpoint.kind];
		if (endpoint.state === 'connected') {
			if (endpoint.samples.length === 0) return `${kind} connected`;
			return `${kind} ${endpoint.now === null ? 'no reply' : 'ok'}`;
		}
		return `${kind} ${endpoint.state === 'stopped' ? 'stopped' : 'down'}`;
	}
	// Known from the socket tables, without a connect that would show in the server's log.
	if (p.listening) return p.connectMs === null ? 'listening' : `tcp ${formatMs(p.connectMs)}`;
	if (!p.error || p.error.startsWith('connection refused')) return 'refused';
	return p.error;
}

function PortsPaneView(props: PortsPaneProps) {
	const {width} = props;
	const extra = Math.max(0, width - 80);
	const w = {
		port: 6,
		name: 14 + Math.floor(extra / 3),
		state: 7,
		pid: 8,
		proc: 12 + Math.floor(extra / 3),
		conns: 6,
		probe: 11 + Math.floor(extra / 6),
		since: 7,
	};
	const bad = props.ports.filter((p) => p.health !== 'OK').length;
	const paint = usePaint();
	const lines: React.ReactNode[] = [];
	for (const p of props.ports) {
		const owner = p.pid === null ? (p.listening ? 'owner unknown' : '—') : (p.processName ?? '?');
		lines.push(
			<Text key={`p${p.port}`} wrap="truncate-end">
				{`${col(String(p.port), w.port)}${col(p.name, w.name)}${paint(
					col(p.listening ? 'LISTEN' : 'closed', w.state),
					{color: p.listening ? 'green' : 'red', bold: !p.listening},
				)}${col(p.pid === null ? '—' : String(p.pid), w.pid)}${col(owner, w.proc)}${col(
					p.listening ? String(p.established) : '—',
					w.conns,
				)}${col(probeText(p, props.endpoint), w.probe)}${col(
					formatDuration((props.now - p.since) / 1000),
					w.since,
				)}${healthWord(paint, p.health)}`}
			</Text>,
		);
		if (p.warning) {
			lines.push(
				<Text key={`w${p.port}`} wrap="truncate-end">
					{paint(`  ⚠ ${p.health} ${p.warning}`, {color: 'red', bold: true}) +
						paint(`  [${triageWords(triageReason(p.warning))}]`, {dim: true})}
				</Text>,
			);
		}
		const editor = p.editor ? editorStateWords(p.editor) : null;
		if (editor) {
			// Beside the bridge port, as the guide's editor status widget shows it.
			lines.push(
				<Text key={`e${p.port}`} wrap="truncate-end">
					{paint(`  ▶ ${editor}`, {color: 'yellow', bold: true}) +
						paint(`  [${triageWords(triageReason(editor))}]`, {dim: true})}
				</Text>,
			);
		}
	}
	if (props.ports.length === 0)
		lines.push(
			<Text key="none" wrap="truncate-end">
				no ports configured (config key "ports")
			</Text>,
		);
	const rows = Math.max(1, props.rows);
	const start = Math.min(Math.max(0, props.scroll), Math.max(0, lines.length - rows));
	return (
		<Box flexDirection="column" width={width}>
			<PaneTitle
				title="Ports"
				focused={props.focused}
				width={width}
				summary={`${plural(props.ports.length, 'port')}${bad > 0 ? ` · ${bad} not OK` : ''}`}
			/>
			{props.header === false ? null : (
				<Text wrap="truncate-end">
					{paint(
						`${col('PORT', w.port)}${col('NAME', w.name)}${col('STATE', w.state)}${col('PID', w.pid)}${col('PROCESS', w.proc)}${col('CONNS', w.conns)}${col('PROBE', w.probe)}${col('SINCE', w.since)}HEALTH`,
						{dim: true},
					)}
				</Text>
			)}
			{lines.slice(start, start + rows)}
		</Box>
	);
}

/** Lines the pane wants for its content (title and header excluded). */
export function portsPaneLines(ports: PortStatus[]): number {
	const editorLines = ports.filter((p) => p.editor && editorStateWords(p.editor)).length;
	return Math.max(1, ports.length + ports.filter((p) => p.warning).length + editorLines);
}

// Props unchanged (a key that only moves focus elsewhere, a resize of another pane): no render.
export const PortsPane = React.memo(PortsPaneView);
