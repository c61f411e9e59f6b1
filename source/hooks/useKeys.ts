import {useEffect, useRef} from 'react';
import {useInput, useStdin, type Key} from 'ink';
import {keyName, type KeyPress} from '../keys/key-name.js';

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
 * The single key dispatcher: every key goes through one handler, by the name the binding table
 * uses, so two panes never act on one key. Keys that arrive in one chunk (a paste, Esc then a key on
 * a slow link, Tab Tab) reach the handler one at a time. `keepText()` true keeps printable text in
 * one piece (typing a filter). Inactive when stdin cannot do raw mode (useInput would throw).
 */
export function useKeys(
	handler: (press: KeyPress) => void,
	keepText: () => boolean = () => false,
): boolean {
	const {isRawModeSupported, internal_eventEmitter: events} = useStdin();
	const send = (input: string, key: Key) => {
		const press = keyName(input, key);
		if (press) handler(press);
	};
	// Ink reads ESC then `?` (or `/`, Tab) in one chunk as a bare `?`: the Esc is lost, and the help
	// would open over the view the Esc was to close. The raw event, which Ink emits to its listeners
	// before useInput's (registered after this one, and again on every render), tells.
	const raw = useRef('');
	useEffect(() => {
		const note = (input: string) => {
			raw.current = input;
		};
		events?.on('input', note);
		return () => void events?.removeListener('input', note);
	}, [events]);
	useInput(
		(input, key) => {
			// No Alt bindings here: ESC followed quickly by a key is Esc, then that key.
			const last = raw.current;
			raw.current = '';
			const escThenKey = last.length === 2 && last.startsWith('\u001B');
			if (escThenKey || (key.meta && !key.escape && input.length === 1)) {
				const esc = {...keyOf('\u001B', key), meta: false};
				send('', esc);
				if (last === '\u001B\u001B') send('', esc);
				else if (input.length === 1) send(input, {...keyOf(input, key), meta: false});
				else send(input, {...key, meta: false, escape: false});
				return;
			}
			const chars = [...input];
			const split =
				chars.length > 1 &&
				!key.ctrl &&
				!key.meta &&
				(!keepText() || /[\u0000-\u001F\u007F]/.test(input));
			if (split) {
				for (const ch of chars) send(ch, keyOf(ch, key));
				return;
			}
			send(input, key);
		},
		{isActive: isRawModeSupported === true},
	);
	return isRawModeSupported === true;
}
