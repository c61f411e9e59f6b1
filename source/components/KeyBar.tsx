import React from 'react';
import {Text} from 'ink';
import {usePaint} from './theme.js';

export type KeyHint = {
	key: string;
	label: string;
	disabled?: boolean;
	/** The keys of a hint that shows more than one ("↑↓ choose": ['↑', '↓']); `key` is them joined. */
	keys?: string[];
};

function fullWidth(keys: KeyHint[]): number {
	return keys.reduce(
		(n, k, i) => n + (i > 0 ? 2 : 0) + k.key.length + 1 + k.label.length + (k.disabled ? 5 : 0),
		0,
	);
}

/**
 * The keys that work right now; disabled ones say "(off)" so it never relies on colour. When the line
 * would not fit, disabled keys are left out and the later keys lose their labels, so every working key
 * stays on screen.
 */
export type KeyBarProps = {
	keys: KeyHint[];
	notice?: string | null;
	width?: number;
};

function KeyBarView({keys, notice, width = Infinity}: KeyBarProps) {
	const p = usePaint();
	if (notice) {
		return <Text wrap="truncate-end">{p(notice, {color: 'yellow', bold: true})}</Text>;
	}
	if (fullWidth(keys) > width) {
		const shown = keys.filter((k) => !k.disabled);
		// Labels for as many leading keys as fit; the rest by key alone.
		let labelled = 0;
		for (let n = shown.length; n >= 0; n--) {
			const used = shown.reduce(
				(w, k, i) =>
					w + (i > 0 ? (i <= n ? 2 : 1) : 0) + k.key.length + (i < n ? k.label.length + 1 : 0),
				0,
			);
			if (used <= width) {
				labelled = n;
				break;
			}
		}
		return (
			<Text wrap="truncate-end">
				{shown
					.map(
						(k, i) =>
							`${i > 0 ? (i <= labelled ? '  ' : ' ') : ''}${p(k.key, {inverse: true})}${i < labelled ? ` ${k.label}` : ''}`,
					)
					.join('')}
			</Text>
		);
	}
	return (
		<Text wrap="truncate-end">
			{keys
				.map(
					(k, i) =>
						`${i > 0 ? '  ' : ''}${p(k.key, {inverse: !k.disabled, dim: k.disabled})}${p(
							k.disabled ? ` ${k.label}(off)` : ` ${k.label}`,
							{dim: k.disabled},
						)}`,
				)
				.join('')}
		</Text>
	);
}

/** Same line: keyHints builds a new list on every render of the App, so the hints are compared. */
export function sameKeyBarProps(a: KeyBarProps, b: KeyBarProps): boolean {
	return (
		a.notice === b.notice &&
		a.width === b.width &&
		a.keys.length === b.keys.length &&
		a.keys.every((k, i) => {
			const l = b.keys[i]!;
			return k.key === l.key && k.label === l.label && !k.disabled === !l.disabled;
		})
	);
}

// A tick that changes no key (the usual one) draws the same bar: no render.
export const KeyBar = React.memo(KeyBarView, sameKeyBarProps);
