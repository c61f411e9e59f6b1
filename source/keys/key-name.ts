import type {Key} from 'ink';

/**
 * One key as the binding table names it: `key` is 'q', 'G', '/', 'Enter', 'Esc', 'Tab', 'Shift-Tab',
 * 'Up', 'PgDn', 'Ctrl-C', …; `text` is the printable text it types ('' for the others, possibly
 * several characters when text is pasted into the filter).
 */
export type KeyPress = {key: string; text: string};

const printable = /^[^\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]+$/u;

/** Ink's (input, Key) as a key name; null for what no binding can name (a bare modifier, a control). */
export function keyName(input: string, key: Key): KeyPress | null {
	const named = (name: string): KeyPress => ({key: name, text: ''});
	if (key.upArrow) return named('Up');
	if (key.downArrow) return named('Down');
	if (key.leftArrow) return named('Left');
	if (key.rightArrow) return named('Right');
	if (key.pageUp) return named('PgUp');
	if (key.pageDown) return named('PgDn');
	if (key.home) return named('Home');
	if (key.end) return named('End');
	if (key.return) return named('Enter');
	if (key.escape) return named('Esc');
	if (key.tab) return named(key.shift ? 'Shift-Tab' : 'Tab');
	if (key.backspace) return named('Backspace');
	if (key.delete) return named('Delete');
	if (key.ctrl) return input.length === 1 ? named(`Ctrl-${input.toUpperCase()}`) : null;
	if (input === '' || !printable.test(input)) return null;
	return {key: input, text: input};
}

/** How the help, the key bar and the README write a key name. */
export function keyLabel(name: string): string {
	return {Up: '↑', Down: '↓', Left: '←', Right: '→', ' ': 'Space', Text: 'any text'}[name] ?? name;
}
