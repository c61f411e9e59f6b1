import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	capText,
	safeJson,
	sanitizeText,
	stripControl,
	unsafeChar,
} from '../../source/lib/sanitize.js';

test('plain text passes through unchanged', () => {
	const line = '2025-09-17 10:00:00,123 - INFO - héllo wörld 日本 💀 ⚠️';
	assert.equal(sanitizeText(line), line);
	assert.equal(sanitizeText(''), '');
});

test('removes CSI sequences: colours, cursor moves, private modes, 8-bit CSI', () => {
	assert.equal(sanitizeText('\x1b[31mred\x1b[0m plain'), 'red plain');
	assert.equal(sanitizeText('a\x1b[2J\x1b[Hb\x1b[10;20fc'), 'abc');
	assert.equal(sanitizeText('\x1b[?25l\x1b[?1049hhidden?'), 'hidden?');
	assert.equal(sanitizeText('\x1b[38;2;255;0;0mrgb'), 'rgb');
	assert.equal(sanitizeText('\x9b31mx'), 'x');
});

test('removes OSC strings ended by BEL or ST, and unterminated ones', () => {
	assert.equal(sanitizeText('\x1b]0;new title\x07after'), 'after');
	assert.equal(sanitizeText('\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\'), 'link');
	assert.equal(sanitizeText('\x1b]52;c;Y2xpcGJvYXJk\x07copied'), 'copied');
	assert.equal(sanitizeText('before\x1b]0;never ends'), 'before');
	assert.equal(sanitizeText('\x9d0;title\x9cok'), 'ok');
});

test('removes DCS, SOS, PM, APC strings and short ESC sequences', () => {
	assert.equal(sanitizeText('\x1bPq#0;2;0;0;0\x1b\\x'), 'x');
	assert.equal(sanitizeText('\x1b_apc\x1b\\y\x1b^pm\x1b\\z\x1bXsos\x1b\\!'), 'yz!');
	assert.equal(sanitizeText('\x1b(B\x1bc\x1b7a\x1b8\x1b=\x1b>'), 'a');
});

test('shows other control characters as visible placeholders', () => {
	assert.equal(sanitizeText('a\x00b'), 'a␀b');
	assert.equal(sanitizeText('cr\rlf\nbel\x07bs\x08'), 'cr␍lf␊bel␇bs␈');
	assert.equal(sanitizeText('del\x7f'), 'del␡');
	assert.equal(sanitizeText('lone esc\x1b'), 'lone esc␛');
	assert.equal(sanitizeText('tab\there'), 'tab here');
	assert.equal(sanitizeText('c1\x85\x9c'), 'c1\ufffd\ufffd');
});

test('strips bidi overrides and isolates', () => {
	assert.equal(sanitizeText('user\u202etxt.exe'), 'usertxt.exe');
	assert.equal(sanitizeText('\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069ok'), 'ok');
});

test('replaces lone surrogates and keeps valid pairs', () => {
	assert.equal(sanitizeText('a\ud800b'), 'a\ufffdb');
	assert.equal(sanitizeText('a\udc00b'), 'a\ufffdb');
	assert.equal(sanitizeText('end\ud83d'), 'end\ufffd');
	assert.equal(sanitizeText('\udc80\ud83d'), '\ufffd\ufffd');
	assert.equal(sanitizeText('ok 💀'), 'ok 💀');
});

test('caps the length with an ellipsis, never splitting a surrogate pair', () => {
	assert.equal(sanitizeText('abcdef', 4), 'abc…');
	assert.equal(sanitizeText('abcd', 4), 'abcd');
	assert.equal(sanitizeText('ab💀cd', 4), 'ab…');
	assert.equal(sanitizeText('\x1b[31mabcdef\x1b[0m', 6), 'abcdef');
	assert.equal(capText('abc', 0), '');
	assert.equal(capText('abc', 1), '…');
});

test('a huge input costs no more than its cap', () => {
	const huge = 'x'.repeat(5_000_000) + '\x1b[31m';
	const result = sanitizeText(huge, 100);
	assert.equal(result.length, 100);
	assert.ok(result.endsWith('x…'));
	const escapes = '\x1b[0m'.repeat(1_000_000);
	assert.equal(sanitizeText(escapes + 'tail', 10), '…');
});

test('stripControl removes control characters instead of showing them', () => {
	assert.equal(stripControl('\x00py\rthon\x1b[1m3\x07\tx'), 'python3 x');
	assert.equal(stripControl('bad\ud800', 10), 'bad\ufffd');
	assert.equal(stripControl('abcdef', 3), 'ab…');
});

test('no control, escape, format or bidi character survives random input', () => {
	let seed = 42;
	const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	const alphabet = [
		'\x1b',
		'[',
		']',
		'P',
		'\\',
		'\x07',
		'\x9b',
		'\x9d',
		'\x9c',
		'0',
		';',
		'm',
		'a',
		'\n',
		'\r',
		'\t',
		'\x00',
		'\x7f',
		'\u202e',
		'\u2066',
		'\ud83d',
		'\udc80',
		'é',
		'\u200b',
		'\ufeff',
		'\u00ad',
		'\u2028',
		'\u{e0041}',
		'\u200d',
	];
	const unsafe = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
	const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
	for (let round = 0; round < 3000; round++) {
		let input = '';
		const length = Math.floor(random() * 40);
		for (let i = 0; i < length; i++) input += alphabet[Math.floor(random() * alphabet.length)];
		for (const output of [sanitizeText(input), stripControl(input), sanitizeText(input, 7)]) {
			assert.doesNotMatch(output, unsafe, JSON.stringify(input));
			assert.doesNotMatch(output, loneSurrogate, JSON.stringify(input));
		}
		assert.ok(sanitizeText(input, 7).length <= 7);
	}
});

test('removes format characters: zero-width, joiners, BOM, soft hyphen, marks, tags', () => {
	assert.equal(sanitizeText('to\u200bken'), 'token');
	assert.equal(sanitizeText('a\u200c\u200d\u200e\u200fb'), 'ab');
	assert.equal(sanitizeText('\ufeffstart\u2060\u2061\u2062\u2063\u2064'), 'start');
	assert.equal(sanitizeText('soft\u00adhyphen\u061c\u180e'), 'softhyphen');
	assert.equal(sanitizeText('\u0600\u06dd\u070f\u08e2\ufff9x\ufffa\ufffb'), 'x');
	assert.equal(sanitizeText('flag\u{e0067}\u{e0062}\u{e007f}'), 'flag');
	assert.equal(sanitizeText('\u{1d173}music\u{110bd}'), 'music');
	assert.equal(stripControl('to\u200bk\ufeffen'), 'token');
});

test('line and paragraph separators are shown (␤), or become spaces in labels', () => {
	assert.equal(sanitizeText('one\u2028two\u2029three'), 'one␤two␤three');
	assert.equal(stripControl('one\u2028two'), 'one two');
});

test('astral text that is not a format character is kept whole', () => {
	assert.equal(sanitizeText('𝔘𝔫𝔦 💀 𐍈'), '𝔘𝔫𝔦 💀 𐍈');
	assert.equal(stripControl('a💀\u{e0041}b'), 'a💀b');
	assert.equal(sanitizeText('ab💀\u200bcd', 4), 'ab…');
});

test('every character of the unsafe set, alone and between text, is removed or made visible', () => {
	// All 1.1 M code points: the cheap suspect test must cover every one that the full pattern handles.
	let count = 0;
	for (let code = 0; code <= 0x10ffff; code++) {
		const char = String.fromCodePoint(code);
		if (!unsafeChar.test(char)) continue;
		count++;
		for (const output of [
			sanitizeText(`a${char}b`),
			stripControl(`a${char}b`),
			sanitizeText(char),
		]) {
			assert.doesNotMatch(output, unsafeChar, `U+${code.toString(16)}`);
		}
	}
	assert.ok(count > 2000, `${count} unsafe code points`);
});

test('safeJson escapes every unsafe character as \\uXXXX and parses back to the same value', () => {
	const value = {
		rlo: 'user\u202etxt.exe',
		c1: 'csi\x9b31m nel\x85 del\x7f',
		esc: '\x1b[31mred\x1b]52;c;aGk=\x07',
		zero: 'to\u200bk\ufeffen\u00ad\u2060',
		lines: 'a\u2028b\u2029c\nd\te',
		tag: 'x\u{e0041}y',
		lone: 'half\ud800',
		kept: 'héllo 日本 💀 ⚠️',
		['key\u2066']: ['\u0000\u0007'],
	};
	for (const indent of [undefined, 2]) {
		const json = safeJson(value, indent);
		assert.doesNotMatch(json, /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u, json);
		assert.deepEqual(JSON.parse(json), value);
		assert.ok(json.includes('user\\u202etxt.exe'), json);
		assert.ok(json.includes('x\\udb40\\udc41y'), json);
		assert.ok(json.includes('héllo 日本 💀 ⚠️'), json);
	}
	// Backslashes before an escaped character stay what they were.
	assert.deepEqual(JSON.parse(safeJson('\\\u202e\\')), '\\\u202e\\');
	assert.equal(safeJson({a: 1}, 2), JSON.stringify({a: 1}, null, 2));
});
