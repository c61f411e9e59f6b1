import React from 'react';
import {Box, Text} from 'ink';
import {formatClock} from '../lib/format.js';
import type {Alert} from '../types.js';
import {C, PaneTitle, severityColor} from './theme.js';

/** The selected alert whole, wrapped, with its repeat count and times. */
export function AlertDetail({alert, width, height}: {alert: Alert; width: number; height: number}) {
	return (
		// Stretched to the box around it, not `width`: the inner box cuts at this width, which must be
		// the new one while Ink prints the last tree after a resize (see App).
		<Box flexDirection="column" height={height}>
			<PaneTitle title="Alert" focused width={width} summary="Esc closes" />
			<Text wrap="truncate-end">
				<C color={severityColor[alert.severity]} bold>
					{alert.severity.toUpperCase()}
				</C>
				{`  ${alert.source}  seen ${alert.count}×  first ${formatClock(alert.firstTime)}  last ${formatClock(alert.lastTime)}`}
			</Text>
			<Box height={Math.max(1, height - 2)} overflow="hidden">
				<Text wrap="wrap">{alert.text}</Text>
			</Box>
		</Box>
	);
}
