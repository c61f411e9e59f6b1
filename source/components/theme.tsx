import React, {createContext, useContext} from 'react';
import {Text} from 'ink';
import chalk from 'chalk';
// Not in Ink's package exports: the colour step of Ink's own <Text>, reached by its path so a
// painted string has Ink's bytes for every colour form Ink accepts (names, #hex, ansi256, rgb).
import colorize from '../../node_modules/ink/build/colorize.js';
import type {Health, Severity} from '../types.js';

/** Colour follows the terminal; --no-color and NO_COLOR turn every colour off (words stay). */
export const ColorContext = createContext(true);

export function useColor(): boolean {
	return useContext(ColorContext);
}

export const healthColor: Record<Health, string> = {
	OK: 'green',
	WARN: 'yellow',
	FAIL: 'red',
	UNKNOWN: 'gray',
};

export const severityColor: Record<Severity, string> = {
	critical: 'magenta',
	error: 'red',
	warning: 'yellow',
};

/** How a piece of text is drawn; colour and dim are dropped when colour is off, bold and inverse stay. */
export type Style = {color?: string; bold?: boolean; inverse?: boolean; dim?: boolean};

/**
 * `text` as <C {...style}>text</C> inside a <Text> would draw it, as one string: Ink's transform
 * steps in Ink's order (dim, colour, bold, inverse) through the same chalk. A line of painted pieces
 * is one <Text> with one string child, where each <C> is a component, an Ink <Text>, a host node and
 * a text node, each rendered, diffed, committed and squashed again whenever the line changes
 * (BENCHMARKS.md, Tenth round). test/components/paint.test.tsx checks the bytes against <C>.
 */
export function paint(text: string, style: Style, colour: boolean): string {
	if (text === '') return '';
	let painted = text;
	if (colour && style.dim) painted = chalk.dim(painted);
	if (colour && style.color) painted = colorize(painted, style.color, 'foreground');
	if (style.bold) painted = chalk.bold(painted);
	if (style.inverse) painted = chalk.inverse(painted);
	return painted;
}

/** paint() with the screen's colour setting. */
export function usePaint(): (text: string, style?: Style) => string {
	const colour = useColor();
	return colour ? paintInColour : paintWithout;
}

const paintInColour = (text: string, style: Style = {}) => paint(text, style, true);
const paintWithout = (text: string, style: Style = {}) => paint(text, style, false);

/** A Text whose colour is dropped when colour is off. */
export function C(props: Style & {children?: React.ReactNode}) {
	const color = useColor();
	return (
		<Text
			color={color ? props.color : undefined}
			bold={props.bold}
			inverse={props.inverse}
			dimColor={color ? props.dim : undefined}
		>
			{props.children}
		</Text>
	);
}

/** OK, WARN, FAIL or ? in its colour, bold unless OK; padded to `width` when given. */
export function healthWord(
	paint: (text: string, style?: Style) => string,
	health: Health,
	width?: number,
): string {
	const word = health === 'UNKNOWN' ? '?' : health;
	return paint(width ? word.padEnd(width) : word, {
		color: healthColor[health],
		bold: health !== 'OK',
	});
}

export function HealthWord({health, width}: {health: Health; width?: number}) {
	return <Text>{healthWord(usePaint(), health, width)}</Text>;
}

/** A pane's title line: "▶ Ports ──── summary", the marker shows focus without colour. */
export function PaneTitle(props: {
	title: string;
	focused: boolean;
	width: number;
	summary?: string;
}) {
	const head = `${props.focused ? '▶' : '─'} ${props.title} `;
	const summary = props.summary ? ` ${props.summary} ` : '';
	const rule = '─'.repeat(Math.max(0, props.width - [...head].length - [...summary].length - 1));
	const p = usePaint();
	return (
		<Text wrap="truncate-end">
			{p(head, {bold: true, inverse: props.focused, color: 'cyan'}) +
				p(rule, {dim: true}) +
				p(summary, {dim: true})}
		</Text>
	);
}
