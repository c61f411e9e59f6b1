import React from 'react';
import {Text} from 'ink';
import {C} from './theme.js';

export type KeyHint = {key: string; label: string; disabled?: boolean};

/** The keys that work right now; disabled ones are shown struck as "-" so it never relies on colour. */
export function KeyBar({keys, notice}: {keys: KeyHint[]; notice?: string | null}) {
	if (notice) {
		return (
			<Text wrap="truncate-end">
				<C color="yellow" bold>
					{notice}
				</C>
			</Text>
		);
	}
	return (
		<Text wrap="truncate-end">
			{keys.map((k, i) => (
				<React.Fragment key={k.key}>
					{i > 0 ? '  ' : ''}
					<C inverse={!k.disabled} dim={k.disabled}>
						{k.key}
					</C>
					<C dim={k.disabled}>{k.disabled ? ` ${k.label}(off)` : ` ${k.label}`}</C>
				</React.Fragment>
			))}
		</Text>
	);
}
