// Token redaction (source/mcp/errors.ts): whatever a server slips into the token it echoes.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ProtocolError} from '@modelcontextprotocol/client';
import {cleanServerText, redact, toEndpointError} from '../../source/mcp/errors.js';
import {hasUnsafe, showsToken, smuggle} from '../helpers/hostile-mcp.js';

const token = 'sk-live-7f3a9c2e41d0b8aa';
const between = (sep: string) => [...token].join(sep);

test('an exact token is replaced, every time it appears', () => {
	assert.equal(redact(`a ${token} b ${token}`, [token]), 'a [token] b [token]');
	assert.equal(redact('nothing here', [token]), 'nothing here');
	assert.equal(redact(`x ${token}`, [null, undefined, '']), `x ${token}`);
});

test('a token with invisible characters between its characters is replaced, span and all', () => {
	for (const sep of [
		'\u200b',
		'\u200d',
		'\ufeff',
		'\u00ad',
		'\u2060',
		'\u202e',
		'\u2066',
		'\u{e0041}',
		'\x00',
		'\x07',
		'\x9b',
		'\x1b[31m',
		'\x9b1m',
		'\x1b]52;c;aGk=\x07',
		'\x1b]8;;http://x\x1b\\',
		' ',
		'\n',
		'\u2028',
		'␀',
		'\ufffd',
	]) {
		assert.equal(
			redact(`bad token ${between(sep)}!`, [token]),
			'bad token [token]!',
			JSON.stringify(sep),
		);
	}
	assert.equal(redact(`[${smuggle(token)}]`, [token]), '[[token]]');
});

test('one insertion is enough to hide a token from an exact match: it is still found', () => {
	const once = `${token.slice(0, 5)}\u200b${token.slice(5)}`;
	assert.equal(redact(`key=${once}; again ${token}`, [token]), 'key=[token]; again [token]');
});

test('every secret is redacted, overlapping or not', () => {
	const proxy = 'proxy-token-99';
	assert.equal(
		redact(`${between('\u200b')} and ${[...proxy].join('\x1b[0m')}`, [token, proxy]),
		'[token] and [token]',
	);
	assert.equal(redact(`${token}${proxy}`, [token, proxy]), '[token][token]');
});

test('case is not folded: a token with other letters is another token', () => {
	assert.equal(redact(token.toUpperCase(), [token]), token.toUpperCase());
});

test('the start of a token cut before the ellipsis is redacted too', () => {
	assert.equal(redact(`denied: ${token.slice(0, 10)}…`, [token]), 'denied: [token]…');
	assert.equal(redact(`denied: ${between('\u200b').slice(0, 13)}…`, [token]), 'denied: [token]…');
	// Three characters are not a token's start, and text without the ellipsis is not cut.
	assert.equal(redact('we saw sk-…', [token]), 'we saw sk-…');
	assert.equal(redact(`ends ${token.slice(0, 10)}`, [token]), `ends ${token.slice(0, 10)}`);
});

test('cleanServerText then redact: one clean line without the token, whatever the server sent', () => {
	for (const text of [
		`Unauthorized: ${smuggle(token)}`,
		`\x1b[31mUnauthorized\x1b[0m\u202e ${between('\ufeff')}\u2066`,
		`Unauthorized:\n${between('\u2028')}`,
		`${'x'.repeat(100)} ${token}`,
	]) {
		const line = redact(cleanServerText(text, 120), [token]);
		assert.ok(!hasUnsafe(line), JSON.stringify(line));
		assert.ok(!showsToken(line, token), JSON.stringify(line));
		assert.doesNotMatch(line, /\n/);
	}
	assert.equal(cleanServerText('a\ufeffb \t\n c\u00a0\u2028d'), 'ab c d');
});

test('a JSON-RPC error echoing the token smuggled becomes a clean, redacted message', () => {
	const err = new ProtocolError(-32000, `\x1b]52;c;aGk=\x07bad token ${smuggle(token)}\u202e`);
	const message = toEndpointError(err, {
		url: 'ws://127.0.0.1:1',
		secrets: [token],
		what: 'ping',
	}).message;
	assert.equal(message, 'server error -32000 on ping: bad token [token]');
});
