import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	boundText,
	LinearRegExp,
	linearRegExp,
	LiteralSet,
	literalSearch,
	matchWindow,
	PatternError,
	patternProblem,
	requiredLiterals,
} from '../../source/lib/safe-regex.js';
import {isolated} from '../helpers/isolated.js';

const safeRegex = new URL('../../source/lib/safe-regex.ts', import.meta.url).href;

// Patterns that backtrack exponentially in V8 on the text beside them; what each returns was checked
// with V8 on short texts (below) where backtracking still ends.
const catastrophic: Array<[pattern: string, unit: string, tail: string]> = [
	['(a+)+$', 'a', '!'],
	['(x|x)*y', 'x', ''],
	['(\\w+\\s?)*$', 'a', '!'],
	['(a|aa)+$', 'a', '!'],
	['^(a|a?)+$', 'a', '!'],
	['(.*a){12}', 'a', ''],
	['^(\\d+)*\\d*$', '1', 'x'],
];

test('catastrophic patterns mean what V8 says on short texts', () => {
	for (const [pattern, unit, tail] of catastrophic) {
		for (const n of [0, 1, 5, 12]) {
			const text = unit.repeat(n) + tail;
			assert.equal(
				linearRegExp(pattern).test(text),
				new RegExp(pattern).test(text),
				`${pattern} on ${JSON.stringify(text)}`,
			);
		}
	}
});

test('catastrophic patterns return on the 4 KB texts that hang a backtracking engine', async () => {
	const cases = catastrophic.map(([pattern, unit, tail]) => [
		pattern,
		unit.repeat(matchWindow - tail.length) + tail,
	]);
	const answers = await isolated(
		`import {linearRegExp} from ${JSON.stringify(safeRegex)};
		const cases = ${JSON.stringify(cases)};
		console.log(JSON.stringify(cases.map(([p, t]) => [linearRegExp(p).test(t), linearRegExp(p, 'iu').test(t)])));`,
	);
	// Whatever the length, each pattern gives what it gives on the short texts above.
	const expected = catastrophic.map(([pattern, unit, tail]) => {
		const short = new RegExp(pattern).test(unit.repeat(12) + tail);
		return [short, short];
	});
	assert.deepEqual(answers, expected);
});

test('JavaScript meaning is kept where RE2 spells or means things differently', () => {
	const cases: Array<[pattern: string, flags: string, texts: string[]]> = [
		['a\\sb', '', ['a b', 'a\u00a0b', 'a\vb', 'a\u2028b', 'a\ufeffb', 'axb']],
		['a\\Sb', '', ['a b', 'a\u00a0b', 'axb']],
		['a\\Sb', 'u', ['a💀b', 'a\u2000b']],
		['a[\\s]b|c[^\\s]d', 'u', ['a\u3000b', 'c\u3000d', 'cxd']],
		['a[\\S]b', 'u', ['a b', 'axb', 'a\u205fb']],
		['a.b', '', ['a\rb', 'a\nb', 'a\u2029b', 'axb']],
		['a.b', 'u', ['a💀b', 'a\u2028b']],
		['a[^]b|c[]d', '', ['a\nb', 'cd', 'c\nd']],
		['^(?<word>\\w+)-\\d{2,3}$', '', ['ab-12', 'ab-1234', 'ab-1']],
		['\\u0041\\x42\\u{1F480}\\cA', 'u', ['AB💀\x01', 'ab💀\x01']],
		['\\uD83D\\uDC80', '', ['💀', '\ud83d']],
		['[\\b]x\\bfoo\\B', '', ['\bx foox', '\bx foo', 'x foox']],
		['\\.\\/\\-\\e\\q', '', ['./-eq', '.x-eq']],
		['[[:alpha:]]', '', [':', 'x', '[', 'b']],
		['a]b{c}', '', ['a]b{c}', 'ab']],
		['(?<=foo)bar|(?<!x)baz', '', ['foobar', 'xbar', 'ybaz', 'xbaz']],
		['straße', 'iu', ['STRASSE', 'STRAẞE', 'Straße']],
		['kelvin|long s', 'iu', ['\u212aelvin', 'long \u017f', 'KELVIN']],
		['^[💀🔥]', 'iu', ['🔥 fire', '\ud83d only half']],
		['\\p{Lu}\\P{L}', 'u', ['A1', 'a1', 'AB']],
	];
	for (const [pattern, flags, texts] of cases) {
		const linear = linearRegExp(pattern, flags);
		const native = new RegExp(pattern, flags);
		for (const text of texts) {
			assert.equal(
				linear.test(text),
				native.test(text),
				`/${pattern}/${flags} on ${JSON.stringify(text)}`,
			);
		}
	}
});

test('patterns RE2 cannot run are refused with a one-line reason', () => {
	const refused: Array<[string, RegExp]> = [
		['(ab)\\1', /^backreference \\1 is not supported: patterns run on RE2/],
		['(?<w>a)\\k<w>', /^backreference \\k<w> is not supported/],
		['error(?!.*retrying)', /^lookahead \(\?!…\) is not supported/],
		['x(?=y)', /^lookahead \(\?=…\) is not supported/],
		['a{2000}', /^invalid repeat count: `\{2000\}` \(patterns run on RE2/],
		['(?<=(a))b', /^invalid capture in lookbehind/],
		['ERROR|(', /^unterminated group$/],
		['[z-a]', /range out of order/],
	];
	for (const [pattern, reason] of refused) {
		const problem = patternProblem(pattern, 'iu');
		assert.match(problem ?? '', reason, pattern);
		assert.ok(!problem!.includes('\n'), problem!);
		assert.throws(() => linearRegExp(pattern, 'iu'), PatternError);
	}
	assert.equal(patternProblem('a', 'g'), 'flag g is not supported');
	// PatternError is a SyntaxError, as `new RegExp` throws, for callers that catch that.
	assert.ok(new PatternError('x') instanceof SyntaxError);
	for (const ok of ['(a+)+$', 'Memory.*exceed|Out of memory', '(?<=a)b', 'a{1000}']) {
		assert.equal(patternProblem(ok, 'iu'), null, ok);
	}
});

test('a LinearRegExp is a RegExp whose test, exec, match and replace run on RE2', () => {
	const re = linearRegExp('(?<n>b+)c', 'i');
	assert.ok(re instanceof RegExp && re instanceof LinearRegExp);
	assert.equal(re.source, '(?<n>b+)c');
	assert.equal(re.flags, 'i');
	assert.equal(String(re), '/(?<n>b+)c/i');
	assert.equal(re.test('aaBBc'), true);
	const m = re.exec('aaBBc');
	assert.equal(m?.[0], 'BBc');
	assert.equal(m?.index, 2);
	assert.equal(m?.groups?.['n'], 'BB');
	assert.equal('xbbcx'.match(re)?.[1], 'bb');
	assert.equal('xbbcx'.replace(re, '-'), 'x-x');
	assert.equal('xyz'.search(re), -1);
	// It never runs on V8: a string that hangs V8 on this pattern returns at once.
	assert.equal(linearRegExp('^(a+)+$').test('a'.repeat(40) + '!'), false);
});

test('boundText keeps the first 4 KiB and never splits a surrogate pair', () => {
	assert.equal(matchWindow, 4096);
	assert.equal(boundText('short'), 'short');
	assert.equal(boundText('a'.repeat(5000)).length, 4096);
	const pair = 'a'.repeat(4095) + '💀tail';
	assert.equal(boundText(pair), 'a'.repeat(4095));
	assert.equal(boundText('a'.repeat(4094) + '💀tail'), 'a'.repeat(4094) + '💀');
	assert.equal(boundText('abcdef', 3), 'abc');
});

test('requiredLiterals: the literals each top-level alternative needs', () => {
	assert.deepEqual(requiredLiterals('CRITICAL|FATAL|💀', 'iu'), {
		alternatives: [['CRITICAL'], ['FATAL'], ['💀']],
		exact: true,
	});
	assert.deepEqual(requiredLiterals('Memory.*exceed|Out of memory', 'iu'), {
		alternatives: [['Memory', 'exceed'], ['Out of memory']],
		exact: false,
	});
	assert.deepEqual(requiredLiterals('WARNING|⚠️|WARN', 'iu')?.exact, true);
	// A quantified character may be absent; a group's content is not counted; escapes are literal.
	assert.deepEqual(requiredLiterals('ab+c?d{0,2}e(fg)*h\\.i', 'iu')?.alternatives, [
		['a', 'e', 'h.i'],
	]);
	assert.deepEqual(requiredLiterals('^ERROR\\b', 'iu'), {alternatives: [['ERROR']], exact: false});
	assert.deepEqual(requiredLiterals('\\x41\\u{1F480}', 'iu'), {
		alternatives: [['A💀']],
		exact: true,
	});
	assert.deepEqual(requiredLiterals('(?<w>foo)-bar', 'iu')?.alternatives, [['-bar']]);
	// Some alternative needs no literal: no shortcut.
	for (const none of ['(a+)+$', 'a|\\d', '[^]', '(x|y)', 'a?']) {
		assert.equal(requiredLiterals(none, 'iu'), null, none);
	}
	// Without u a quantifier binds half a surrogate pair: not offered.
	assert.equal(requiredLiterals('abc', 'i'), null);
});

test('requiredLiterals never names a literal a match can lack', () => {
	// Each pattern with the pieces its random texts are made of.
	const patterns: Array<[string, string[]]> = [
		['Memory.*exceed|Out of memory', ['memory', 'MEMORY', 'exceed', 'out of ', 'x', ' ']],
		['ab+c?d{0,2}e(fg)*h', ['ab', 'b', 'c', 'd', 'e', 'fg', 'h', 'eh', 'A']],
		['x(y|z)w{1,}v', ['x', 'y', 'z', 'w', 'v', 'W']],
		['^a.b\\sc$|d\\de', ['a.b c', 'a', 'b', ' ', 'c', 'd1e', 'd', '1', 'e']],
		['(?<=q)r s|t\\.u', ['q', 'r', ' ', 's', 't', '.', 'u']],
		['k?l+m*n', ['k', '\u212a', 'l', 'm', 'n', 'L']],
		['ess|long', ['e', 's', '\u017f', 'S', 'lo', 'ng']],
	];
	let seed = 7;
	const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	for (const [pattern, pieces] of patterns) {
		const native = new RegExp(pattern, 'iu');
		const needs = requiredLiterals(pattern, 'iu')!;
		const tests = needs.alternatives.map((runs) => runs.map((run) => literalSearch([run], 'iu')));
		let matched = 0;
		for (let i = 0; i < 3000; i++) {
			let text = '';
			for (let n = 1 + Math.floor(random() * 8); n > 0; n--) {
				text += pieces[Math.floor(random() * pieces.length)];
			}
			if (!native.test(text)) continue;
			matched++;
			assert.ok(
				tests.some((alt) => alt.every((literal) => literal.test(text))),
				`${pattern} matches ${JSON.stringify(text)} without its literals`,
			);
		}
		assert.ok(matched > 20, `${pattern}: ${matched} random texts matched; too few to tell`);
	}
});

test('LiteralSet finds every literal, overlapping or folded', () => {
	const set = new LiteralSet(['WARN', 'WARNING', 'ARN', 'kelvin', 'long s', '💀', 'ss'], 'iu');
	const seen = new Uint32Array(set.literals.length);
	const found = (text: string, mark: number) => {
		set.scan(text, seen, mark);
		return set.literals.filter((_, id) => seen[id] === mark).sort();
	};
	assert.deepEqual(found('a warning here', 1), ['ARN', 'WARN', 'WARNING']);
	assert.deepEqual(found('\u212aELVIN 💀💀 lonG \u017f', 2), ['kelvin', 'long s', '💀']);
	assert.deepEqual(found('sss', 3), ['ss']);
	assert.deepEqual(found('nothing', 4), []);
	assert.equal(new LiteralSet([], 'iu').scan('text', new Uint32Array(0), 1), false);
});

test('literalSearch escapes every special character', () => {
	const re = literalSearch(['a.b', '(x)', '[y]', 'c|d', '$^', '{1}', 'e*+?', '\\/'], 'iu');
	for (const text of ['A.B', '(X)', '[y]', 'c|d', '$^', '{1}', 'e*+?', '\\/']) {
		assert.ok(re.test(text), text);
	}
	for (const text of ['axb', 'x', 'y', 'c', 'd', '1', 'ee']) assert.ok(!re.test(text), text);
});
