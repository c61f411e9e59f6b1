import React from 'react';
import {Box, Text} from 'ink';
import {formatClock} from '../lib/format.js';
import {sanitizeText} from '../lib/sanitize.js';
import type {Alert} from '../types.js';
import {C, PaneTitle, severityColor} from './theme.js';

export type DetailLine = {
	text: string;
	kind: 'heading' | 'context' | 'line' | 'traceback' | 'note';
};

/** Rows one log line may take: a line of megabytes shows its start, and the rest stays readable. */
const rowsPerLine = 40;

/** A log line cut into rows of `width` characters, after `indent`; sanitised again (cheap, and safe). */
function rows(text: string, width: number, indent: string, kind: DetailLine['kind']): DetailLine[] {
	const room = Math.max(1, width - indent.length);
	const chars = [...sanitizeText(text, room * rowsPerLine)];
	const out: DetailLine[] = [];
	for (let i = 0; i < chars.length || i === 0; i += room) {
		const lead = i === 0 ? indent : ' '.repeat(indent.length);
		out.push({text: lead + chars.slice(i, i + room).join(''), kind});
	}
	return out;
}

/**
 * What the alert view shows, row by row at this width: the lines kept before the alert's line, the
 * line itself, its traceback, the lines kept after; or plainly that no context was kept.
 */
export function alertDetailLines(alert: Alert, width: number): DetailLine[] {
	const lines: DetailLine[] = [];
	const heading = (text: string) => lines.push({text, kind: 'heading'});
	const block = (items: string[], kind: DetailLine['kind']) => {
		for (const item of items) lines.push(...rows(item, width, '  ', kind));
	};
	const {context, traceback} = alert;
	if (context && context.before.length > 0) {
		heading(`── ${context.before.length} line${context.before.length === 1 ? '' : 's'} before`);
		block(context.before, 'context');
	}
	lines.push(...rows(alert.text, width, '› ', 'line'));
	if (traceback && traceback.length > 0) {
		const total = Math.max(alert.tracebackLines ?? 0, traceback.length);
		const kept = total > traceback.length ? ` (${traceback.length} kept)` : '';
		heading(`── traceback, ${total} line${total === 1 ? '' : 's'}${kept}`);
		block(traceback, 'traceback');
	}
	if (context && context.after.length > 0) {
		heading(`── ${context.after.length} line${context.after.length === 1 ? '' : 's'} after`);
		block(context.after, 'context');
	}
	if (!context) {
		lines.push({text: 'no context lines were kept for this alert', kind: 'note'});
	} else if (context.before.length === 0 && context.after.length === 0) {
		lines.push({text: 'no other lines were read around it', kind: 'note'});
	}
	return lines;
}

/** Rows the view has for lines at this height (the title and the summary line take two). */
export function alertDetailRows(height: number): number {
	return Math.max(1, height - 2);
}

/** How far the view scrolls at this size. */
export function alertDetailMax(alert: Alert, width: number, height: number): number {
	return Math.max(0, alertDetailLines(alert, width).length - alertDetailRows(height));
}

/** The selected alert whole, with its context and traceback, scrolled by `scroll` rows. */
export function AlertDetail({
	alert,
	width,
	height,
	scroll = 0,
}: {
	alert: Alert;
	width: number;
	height: number;
	scroll?: number;
}) {
	const lines = alertDetailLines(alert, width);
	const room = alertDetailRows(height);
	const start = Math.min(Math.max(0, scroll), Math.max(0, lines.length - room));
	const shown = lines.slice(start, start + room);
	const position =
		lines.length > room ? ` · rows ${start + 1}-${start + shown.length} of ${lines.length}` : '';
	const type = alert.errorType
		? `  ${sanitizeText(alert.errorType, 80)}${alert.frame ? ` at ${sanitizeText(alert.frame, 120)}` : ''}`
		: '';
	return (
		// Stretched to the box around it, not `width`: the inner box cuts at this width, which must be
		// the new one while Ink prints the last tree after a resize (see App).
		<Box flexDirection="column" height={height}>
			<PaneTitle title="Alert" focused width={width} summary={`Esc closes${position}`} />
			<Text wrap="truncate-end">
				<C color={severityColor[alert.severity]} bold>
					{alert.severity.toUpperCase()}
				</C>
				{type ? <C bold>{type}</C> : null}
				{`  ${alert.source}  seen ${alert.count}×  first ${formatClock(alert.firstTime)}  last ${formatClock(alert.lastTime)}`}
			</Text>
			<Box flexDirection="column" height={room} overflow="hidden">
				{shown.map((line, i) => (
					<Text key={start + i} wrap="truncate-end">
						{line.kind === 'heading' || line.kind === 'note' ? (
							<C dim>{line.text}</C>
						) : line.kind === 'line' ? (
							<C bold>{line.text}</C>
						) : line.kind === 'traceback' ? (
							<C color="red">{line.text}</C>
						) : (
							line.text
						)}
					</Text>
				))}
			</Box>
		</Box>
	);
}
