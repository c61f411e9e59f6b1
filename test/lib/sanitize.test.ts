import assert from 'node:assert/strict';
import {test} from 'node:test';
import {capText, sanitizeText, stripControl} from '../../source/lib/sanitize.js';

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

test('no control, escape or bidi character survives random input', () => {
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
	];
	const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
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
