// The binding table is the one source of the keys: these tests fail when the dispatcher, the key
// bar, the help overlay or the README says something the table does not.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {HelpOverlay} from '../../source/components/HelpOverlay.js';
import {useKeys} from '../../source/hooks/useKeys.js';
import {bindings, scopeTitles, type Binding, type Scope} from '../../source/keys/bindings.js';
import {
	activeScopes,
	bindingFor,
	helpSections,
	keyHints,
	keySummary,
	readmeKeyTable,
} from '../../source/keys/dispatch.js';
import {keyLabel, type KeyPress} from '../../source/keys/key-name.js';
import {
	initialUiState,
	panes,
	views,
	type KeyContext,
	type UiState,
} from '../../source/ui/state.js';
import {alert} from '../helpers/snapshot.js';
import {runCli} from '../helpers/cli.js';

function context(overrides: Partial<KeyContext> = {}): KeyContext {
	return {
		dialog: 'idle',
		notice: false,
		busy: false,
		paused: false,
		available: () => true,
		alerts: [alert()],
		lines: {ports: 2, processes: 1, latency: 0, alerts: 1},
		page: 5,
		viewMax: () => 0,
		...overrides,
	};
}

/** The states in which a scope is in force (a binding of `view` works in every view). */
function statesFor(scope: Scope): Array<{state: UiState; ctx: KeyContext}> {
	const s = initialUiState;
	const open = (view: (typeof views)[number]) => ({
		state: {...s, view, pinned: view === 'alert' ? alert() : null},
		ctx: context(),
	});
	if ((panes as readonly string[]).includes(scope)) {
		return [{state: {...s, focus: scope as UiState['focus']}, ctx: context()}];
	}
	if ((views as readonly string[]).includes(scope)) return [open(scope as (typeof views)[number])];
	switch (scope) {
		case 'always':
		case 'main':
			return panes.map((focus) => ({state: {...s, focus}, ctx: context()}));
		case 'view':
			return views.map(open);
		case 'typing':
			return [{state: {...s, filter: {...s.filter, editing: true}}, ctx: context()}];
		case 'confirm':
		case 'pick':
		case 'done':
			return [{state: s, ctx: context({dialog: scope})}];
	}
	throw new Error(`no state for scope ${scope}`);
}

const press = (key: string): KeyPress =>
	key === 'Text' ? {key: 'x', text: 'x'} : {key, text: key.length === 1 ? key : ''};

test('the dispatcher: every key of every binding reaches that binding where its scope is in force', () => {
	for (const b of bindings) {
		for (const {state, ctx} of statesFor(b.scope)) {
			const scopes = activeScopes(state, ctx);
			assert.ok(scopes.includes(b.scope), `${b.scope} is in force`);
			for (const key of b.keys) {
				assert.equal(
					bindingFor(press(key), scopes),
					b,
					`${key} in ${b.scope} (focus ${state.focus}, view ${state.view}) is shadowed`,
				);
			}
		}
	}
});

test('every scope in the table has a heading, and no two bindings of a scope share a key', () => {
	for (const b of bindings) assert.ok(scopeTitles[b.scope], `${b.scope} has a title`);
	const seen = new Map<string, Binding>();
	for (const b of bindings) {
		for (const key of b.keys) {
			const id = `${b.scope} ${key}`;
			assert.equal(seen.get(id), undefined, `${id} is bound twice`);
			seen.set(id, b);
		}
	}
});

function everyState(): Array<{state: UiState; ctx: KeyContext}> {
	const scopes = [...new Set(bindings.map((b) => b.scope))];
	return [
		...scopes.flatMap(statesFor),
		{state: initialUiState, ctx: context({busy: true, dialog: 'running'})},
		{state: initialUiState, ctx: context({available: (k) => k !== 'restart', paused: true})},
	];
}

test('the key bar: each key it shows does what its label says, and every labelled key in force is shown', () => {
	const names = [...new Set(bindings.flatMap((b) => b.keys))];
	for (const {state, ctx} of everyState()) {
		const scopes = activeScopes(state, ctx);
		const hints = keyHints(state, ctx);
		const where = `${scopes.join(',')} (dialog ${ctx.dialog})`;
		for (const hint of hints) {
			assert.equal((hint.keys ?? [hint.key]).join(''), hint.key, `${where}: ${hint.key}`);
			for (const key of hint.keys ?? [hint.key]) {
				const name = names.find((n) => keyLabel(n) === key);
				assert.ok(name, `${key} is a key of the table`);
				const b = bindingFor(press(name), scopes);
				assert.ok(b?.label, `${where}: ${key} reaches a labelled binding`);
				const label = typeof b.label === 'string' ? b.label : b.label(state, ctx);
				assert.equal(hint.label, label, `${where}: ${key}`);
				const off = b.action.type === 'run' && (ctx.busy || !ctx.available(b.action.kind));
				assert.equal(hint.disabled ?? false, off, `${where}: ${key} (off)`);
			}
		}
		for (const b of bindings) {
			if (!b.label || bindingFor(press(b.keys[0]!), scopes) !== b) continue;
			assert.ok(
				hints.some((h) => (h.keys ?? [h.key]).includes(keyLabel(b.keys[0]!))),
				`${where}: ${b.keys[0]} is missing from the key bar`,
			);
		}
	}
	// The labels that follow the state.
	const idle = keyHints(initialUiState, context());
	assert.equal(idle.find((h) => h.key === 'p')?.label, 'pause');
	assert.equal(
		keyHints(initialUiState, context({paused: true})).find((h) => h.key === 'p')?.label,
		'resume',
	);
	const typing = {...initialUiState, filter: {...initialUiState.filter, editing: true}};
	assert.deepEqual(
		keyHints(typing, context()).map((h) => `${h.key} ${h.label}`),
		['Enter apply', 'Esc clear', 'Tab as text'],
	);
	assert.deepEqual(
		keyHints({...typing, filter: {...typing.filter, mode: 'text'}}, context()).find(
			(h) => h.key === 'Tab',
		)?.label,
		'as regex',
	);
	assert.deepEqual(
		keyHints(initialUiState, context({dialog: 'confirm'})).map((h) => `${h.key} ${h.label}`),
		['y yes', 'n no'],
	);
	// Up and Down choose a backup: one hint, both keys.
	assert.deepEqual(
		keyHints(initialUiState, context({dialog: 'pick'})).map((h) => `${h.key} ${h.label}`),
		['↑↓ choose', 'Enter select', 'Esc cancel'],
	);
});

/** The help overlay's lines, tall enough to hold them all. */
function helpFrame(): string[] {
	const {lastFrame} = render(<HelpOverlay width={200} height={200} readOnly={false} />);
	return stripVTControlCharacters(lastFrame() ?? '').split('\n');
}

test('the help overlay lists every binding under the heading of its scope', () => {
	const lines = helpFrame();
	for (const b of bindings) {
		const title = scopeTitles[b.scope]!;
		const start = lines.findIndex((l) => l === title);
		assert.ok(start >= 0, `heading "${title}"`);
		const section = lines.slice(start + 1);
		const end = section.findIndex((l) => !l.startsWith('  '));
		const rows = section.slice(0, end < 0 ? undefined : end);
		const keys = b.keys.map(keyLabel).join('/');
		assert.ok(
			rows.some((row) => row.includes(keys) && row.includes(b.help)),
			`help: ${keys} "${b.help}" under "${title}"`,
		);
	}
	assert.ok(lines.length >= bindings.length / 2);
});

test('the help overlay scrolls and says how much more there is', () => {
	const frame = (scroll: number) =>
		stripVTControlCharacters(
			render(<HelpOverlay width={100} height={10} readOnly scroll={scroll} />).lastFrame() ?? '',
		).split('\n');
	const top = frame(0);
	assert.equal(top.length, 10);
	assert.match(top[0]!, /▶ Help .*Esc closes · ↓ \d+ more/);
	assert.equal(top[1], 'anywhere');
	const bottom = frame(1000);
	assert.match(bottom[0]!, /Esc closes · ↑ more/);
	assert.match(bottom.at(-1)!, /^READ-ONLY: r, R and b are disabled/);
});

/** The cells of the Markdown table's rows, padding trimmed (Prettier pads them). */
function tableRows(markdown: string): string[][] {
	return markdown
		.split('\n')
		.filter((l) => l.startsWith('|') && !/^\|[\s-|]+\|$/.test(l))
		.slice(1)
		.map((l) =>
			l
				.slice(1, -1)
				.split(/(?<!\\)\|/)
				.map((c) => c.trim()),
		);
}

test("the README's key table is the binding table's", () => {
	const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
	const section = readme.slice(
		readme.indexOf('\n## Keys\n'),
		readme.indexOf('\n## ', readme.indexOf('\n## Keys\n') + 1),
	);
	const table = section.slice(
		section.indexOf('\n|'),
		section.indexOf('\n\n', section.indexOf('\n|')),
	);
	assert.deepEqual(
		tableRows(table),
		tableRows(readmeKeyTable()),
		'README.md disagrees with source/keys/bindings.ts: run npx tsx scripts/readme-keys.ts',
	);
	// And the generated table holds every binding, so a key the README leaves out fails here too.
	const rows = tableRows(readmeKeyTable());
	for (const b of bindings) {
		assert.ok(
			rows.some(
				([keys, where, what]) =>
					where === scopeTitles[b.scope] &&
					what === b.help &&
					b.keys.every((k) => keys!.includes(`\`${keyLabel(k)}\``)),
			),
			`README: ${b.keys.join('/')} in ${b.scope}`,
		);
	}
	assert.equal(
		rows.length,
		helpSections().reduce((n, s) => n + s.rows.length, 0),
	);
});

/** What a terminal sends for each key name the table uses. */
const terminalBytes: Record<string, string> = {
	'Ctrl-C': '\u0003',
	Enter: '\r',
	Esc: '\u001B',
	Tab: '\t',
	'Shift-Tab': '\u001B[Z',
	Up: '\u001B[A',
	Down: '\u001B[B',
	PgUp: '\u001B[5~',
	PgDn: '\u001B[6~',
	Backspace: '\b',
	Delete: '\u007F',
	Text: 'é',
};

function Recorder({seen}: {seen: KeyPress[]}) {
	useKeys((p) => seen.push(p));
	return <Text>keys</Text>;
}

const flush = () => new Promise((r) => setTimeout(r, 20));

test('every key name in the table is what the dispatcher makes of the bytes a terminal sends', async () => {
	const names = [...new Set(bindings.flatMap((b) => b.keys))];
	for (const name of names) {
		const bytes = terminalBytes[name] ?? (name.length === 1 ? name : undefined);
		assert.ok(bytes !== undefined, `no terminal bytes known for ${name}`);
		const seen: KeyPress[] = [];
		const ui = render(<Recorder seen={seen} />);
		await flush();
		ui.stdin.write(bytes);
		for (let i = 0; i < 50 && seen.length === 0; i++) await flush();
		const want =
			name === 'Text' ? {key: 'é', text: 'é'} : {key: name, text: name.length === 1 ? name : ''};
		assert.deepEqual(seen, [want], `${JSON.stringify(bytes)} should be ${name}`);
		ui.unmount();
	}
});

test('keys in one chunk reach the dispatcher one by one: "qq", Esc then a key, Tab Tab', async () => {
	const seen: KeyPress[] = [];
	const ui = render(<Recorder seen={seen} />);
	await flush();
	// Esc then ?, /, Tab, Enter or Esc in one chunk: Ink alone reads "\u001B?" as a bare "?".
	const chunks = [
		'qq',
		'\u001Bp',
		'\t\t',
		'j\rk',
		'\u001B?',
		'\u001B/',
		'\u001B\t',
		'\u001B\r',
		'\u001BG',
	];
	const want = ['q', 'q', 'Esc', 'p', 'Tab', 'Tab', 'j', 'Enter', 'k'];
	want.push('Esc', '?', 'Esc', '/', 'Esc', 'Tab', 'Esc', 'Enter', 'Esc', 'G');
	for (const chunk of chunks) {
		ui.stdin.write(chunk);
		await flush();
	}
	for (let i = 0; i < 50 && seen.length < want.length; i++) await flush();
	assert.deepEqual(
		seen.map((p) => p.key),
		want,
	);
	ui.unmount();
});

test("--help's key line is the key bar's, from the table", async () => {
	const summary = keySummary();
	assert.match(summary, /^q quit, \? help, p pause, Tab focus, .*r restart, .*D doctor/);
	const help = await runCli(['--help']);
	assert.equal(help.status, 0);
	assert.ok(help.stdout.replace(/\s+/g, ' ').includes(summary), help.stdout);
});
