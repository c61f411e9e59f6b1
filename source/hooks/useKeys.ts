import {useInput, useStdin, type Key} from 'ink';

/** The key flags of one character taken out of a chunk. */
function keyOf(ch: string, chunk: Key): Key {
	return {
		...chunk,
		tab: ch === '\t',
		return: ch === '\r' || ch === '\n',
		escape: ch === '\u001B',
		backspace: ch === '\b',
		delete: ch === '\u007F',
	};
}

/**
 * The single key dispatcher: every key goes through one handler, so two panes never act on one key.
 * Keys that arrive in one chunk (a paste, Esc then a key on a slow link, Tab Tab) reach the handler one
 * at a time. `keepText()` true keeps printable text in one piece (typing a filter). Inactive when stdin
 * cannot do raw mode (useInput would throw).
 */
export function useKeys(
	handler: (input: string, key: Key) => void,
	keepText: () => boolean = () => false,
): boolean {
	const {isRawModeSupported} = useStdin();
	useInput(
		(input, key) => {
			// No Alt bindings here: ESC followed quickly by a key is Esc, then that key.
			if (key.meta && !key.escape && input.length === 1) {
				handler('', {...key, meta: false, escape: true});
				handler(input, {...key, meta: false});
				return;
			}
			const chars = [...input];
			const split =
				chars.length > 1 &&
				!key.ctrl &&
				!key.meta &&
				(!keepText() || /[\u0000-\u001F\u007F]/.test(input));
			if (split) {
				for (const ch of chars) handler(ch, keyOf(ch, key));
				return;
			}
			handler(input, key);
		},
		{isActive: isRawModeSupported === true},
	);
	return isRawModeSupported === true;
}
