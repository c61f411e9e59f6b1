import React, {createContext, useContext} from 'react';
import {Text} from 'ink';
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

/** A Text whose colour is dropped when colour is off. */
export function C(props: {
	color?: string;
	bold?: boolean;
	inverse?: boolean;
	dim?: boolean;
	children?: React.ReactNode;
}) {
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

export function HealthWord({health, width}: {health: Health; width?: number}) {
	const word = health === 'UNKNOWN' ? '?' : health;
	return (
		<C color={healthColor[health]} bold={health !== 'OK'}>
			{width ? word.padEnd(width) : word}
		</C>
	);
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
	return (
		<Text wrap="truncate-end">
			<C bold inverse={props.focused} color="cyan">
				{head}
			</C>
			<C dim>{rule}</C>
			<C dim>{summary}</C>
		</Text>
	);
}
