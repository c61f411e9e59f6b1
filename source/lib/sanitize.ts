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
//   single C0 / DEL / C1 characters; bidi embedding/override/isolate controls; lone surrogates.
const unsafePattern =
	/(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]|[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Cheap first test: most lines contain none of these, so they cost one scan and no allocation.
const suspectPattern = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

function visible(match: string): string {
	if (match.length > 1) return '';
	const code = match.charCodeAt(0);
	if (code === 0x09) return ' ';
	// Unicode "control pictures" (␀ ␛ ␍ ...) keep the evidence visible without acting on it.
	if (code < 0x20) return String.fromCharCode(0x2400 + code);
	if (code === 0x7f) return '\u2421';
	if (code >= 0x202a && code <= 0x2069) return '';
	return '\ufffd';
}

function invisible(match: string): string {
	if (match.length > 1) return '';
	const code = match.charCodeAt(0);
	if (code === 0x09) return ' ';
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
 * control characters as visible placeholders (␀, ␛, ␍, ␊, ␡; C1 and lone surrogates as �), turns tabs
 * into spaces, removes bidi override/isolate characters, and caps the length (in UTF-16 units,
 * '…' included). Without `maxLength` the text is not cut.
 */
export function sanitizeText(s: string, maxLength = Infinity): string {
	return clean(s, maxLength, visible);
}

/**
 * Like sanitizeText, but removes control characters instead of showing placeholders: for short
 * labels (process names, tool names) where a placeholder would only be noise.
 */
export function stripControl(s: string, maxLength = Infinity): string {
	return clean(s, maxLength, invisible);
}
