// Text from logs and from servers is untrusted: a log line can carry terminal escape sequences that
// move the cursor, retitle the window, hide text or reorder it (bidi overrides). Everything such
// text contains is made inert here before it reaches the terminal.

/** Appended when text was cut. */
export const ellipsis = '…';

// One pass finds everything unsafe. Order matters: whole escape sequences first, so that their
// introducer is not turned into a placeholder on its own.
//   CSI (7-bit ESC [ and 8-bit 0x9B) with parameters, intermediates and final byte;
//   OSC / DCS / SOS / PM / APC strings up to BEL or ST (unterminated ones run to the end, as a
//   terminal would swallow them);
//   other ESC sequences (ESC, intermediates, final byte: ESC ( B, ESC 7, ESC c ...);
//   single characters of the unsafe set (see unsafeChar).
// The `u` flag makes a surrogate pair one character: an emoji stays, a lone half is caught as Cs.
const unsafePattern =
	/(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]|[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;

/**
 * One character that must never reach a terminal or a file raw: C0, DEL and C1 controls (ESC
 * included; Cc), format characters (Cf: bidi embeddings, overrides and isolates, zero-width space
 * and joiners, word joiner, BOM, soft hyphen, Arabic letter mark, invisible operators, tag
 * characters ...), line and paragraph separators, and lone surrogates (Cs).
 */
export const unsafeChar = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

// Cheap first test: most lines contain none of these, so they cost one scan and no allocation.
// A superset of unsafeChar with few, merged ranges (and no `u`), which scans as fast as a test
// for C0 alone; a false alarm (« ، ‰, an emoji's surrogates) only costs the full pattern's pass.
const suspectPattern =
	/[\u0000-\u001f\u007f-\u00ad\u0600-\u070f\u0890-\u08e2\u180e\u200b-\u200f\u2028-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/;

// A match longer than one character is an escape sequence, except a lone astral format character
// (a tag character is two UTF-16 units).
function isSequence(match: string, code: number): boolean {
	return match.length > 1 && code <= 0x9f;
}

function visible(match: string): string {
	const code = match.codePointAt(0)!;
	if (isSequence(match, code)) return '';
	if (code === 0x09) return ' ';
	// Unicode "control pictures" (␀ ␛ ␍ ...) keep the evidence visible without acting on it.
	if (code < 0x20) return String.fromCharCode(0x2400 + code);
	if (code === 0x7f) return '\u2421';
	if (code <= 0x9f || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
	// A line or paragraph separator is a line break: shown like one (␤).
	if (code === 0x2028 || code === 0x2029) return '\u2424';
	// Format characters are invisible by design; bidi ones reorder the rest of the line.
	return '';
}

function invisible(match: string): string {
	const code = match.codePointAt(0)!;
	if (isSequence(match, code)) return '';
	if (code === 0x09 || code === 0x2028 || code === 0x2029) return ' ';
	if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
	return '';
}

/**
 * Cuts `s` to at most `maxLength` UTF-16 units including the trailing '…', never splitting a
 * surrogate pair.
 */
export function capText(s: string, maxLength: number): string {
	if (s.length <= maxLength) return s;
	if (maxLength <= 0) return '';
	let end = maxLength - 1;
	const code = s.charCodeAt(end - 1);
	if (code >= 0xd800 && code <= 0xdbff) end -= 1;
	return s.slice(0, end) + ellipsis;
}

// A string far longer than the cap is cut before the regex runs, so a 50 MB server reply costs
// no more than a short one. The margin leaves room for escape sequences that will be removed.
function precut(s: string, maxLength: number): {text: string; cut: boolean} {
	if (!Number.isFinite(maxLength)) return {text: s, cut: false};
	const limit = maxLength * 4 + 256;
	if (s.length <= limit) return {text: s, cut: false};
	return {text: s.slice(0, limit), cut: true};
}

function clean(s: string, maxLength: number, replace: (match: string) => string): string {
	const {text, cut} = precut(s, maxLength);
	const safe = suspectPattern.test(text) ? text.replace(unsafePattern, replace) : text;
	if (cut && safe.length < maxLength) return safe + ellipsis;
	return capText(safe, maxLength);
}

/**
 * Makes untrusted text safe for one terminal line: removes ANSI/VT escape sequences, shows other
 * control characters as visible placeholders (␀, ␛, ␍, ␊, ␡, ␤ for U+2028/U+2029; C1 and lone
 * surrogates as �), turns tabs into spaces, removes format characters (bidi controls, zero-width
 * characters, BOM, tag characters ...), and caps the length (in UTF-16 units, '…' included).
 * Without `maxLength` the text is not cut.
 */
export function sanitizeText(s: string, maxLength = Infinity): string {
	return clean(s, maxLength, visible);
}

/**
 * Like sanitizeText, but removes control characters instead of showing placeholders (separators and
 * tabs become spaces): for short labels (process names, tool names) where a placeholder would only
 * be noise.
 */
export function stripControl(s: string, maxLength = Infinity): string {
	return clean(s, maxLength, invisible);
}

// JSON.stringify escapes C0 and lone surrogates but leaves DEL, C1, format characters and U+2028/9
// raw. Tab, LF and CR are left alone: outside strings they are the indentation, inside they are
// already escaped. An astral format character (a tag) is escaped unit by unit: \udb40\udc01.
const unsafeInJson =
	/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cf}\p{Cs}\u2028\u2029]/gu;

function escapeUnit(unit: string): string {
	return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * JSON.stringify whose output holds no unsafe character raw (see unsafeChar): each one is written
 * as \uXXXX, so a report or a dump opened in a terminal or an editor shows what the server sent
 * instead of acting on it. The text still parses back to the same value.
 */
export function safeJson(value: unknown, indent?: number): string {
	const json = JSON.stringify(value, null, indent) ?? 'null';
	// A raw character can only stand inside a string literal, and never inside an escape.
	return json.replace(unsafeInJson, (match) => match.split('').map(escapeUnit).join(''));
}
