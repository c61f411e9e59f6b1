import React from 'react';
import {Box, Text} from 'ink';
import type {HistoryProgress, HistoryReport} from '../logs/history.js';
import {historyLines, progressLine, type HistoryLine} from '../logs/history-text.js';
import {sanitizeText} from '../lib/sanitize.js';
import {C, severityColor} from './theme.js';

export type HistoryViewProps = {
	/** The finished analysis, or null while it runs (or before it ran). */
	report: HistoryReport | null;
	/** The running analysis' progress (analyseHistory's onProgress), or null. */
	progress: HistoryProgress | null;
	/** Why the analysis failed, or null. */
	error: string | null;
	width: number;
	/** Lines the view may use, its title included. */
	height: number;
	/** First report line shown (0 = the top); clamped. */
	scroll?: number;
};

function toneColor(tone: HistoryLine['tone']): string | undefined {
	if (tone === 'critical' || tone === 'error' || tone === 'warning') return severityColor[tone];
	return undefined;
}

/** How many lines the report takes at this width (for scrolling). */
export function historyLineCount(report: HistoryReport, width: number): number {
	return historyLines(report, width).length;
}

/**
 * The log history (SPEC 10): the guide's analyser and an hourly histogram by severity, empty hours
 * shown. Pure: what to show comes in as props; the caller runs analyseHistory and passes progress.
 */
export function HistoryView(props: HistoryViewProps) {
	const width = Math.max(20, Math.floor(props.width));
	const height = Math.max(1, Math.floor(props.height));
	const title = sanitizeText('History of the logs', width);
	let body: HistoryLine[];
	if (props.error)
		body = [{text: sanitizeText(`history failed: ${props.error}`, width), tone: 'error'}];
	else if (props.report) body = historyLines(props.report, width);
	else if (props.progress)
		body = [{text: sanitizeText(`analysing… ${progressLine(props.progress)}`, width)}];
	else body = [{text: 'analysing…', tone: 'dim'}];
	const room = height - 1;
	const maxScroll = Math.max(0, body.length - room);
	const scroll = Math.min(Math.max(0, Math.floor(props.scroll ?? 0)), maxScroll);
	const shown = body.slice(scroll, scroll + room);
	return (
		<Box flexDirection="column" width={width}>
			<C bold>{title}</C>
			{shown.map((line, i) => (
				<Text key={i} wrap="truncate">
					<C color={toneColor(line.tone)} bold={line.tone === 'bold'} dim={line.tone === 'dim'}>
						{line.text}
					</C>
				</Text>
			))}
		</Box>
	);
}
