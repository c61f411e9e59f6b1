import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {KeyPress} from '../../source/keys/key-name.js';
import type {Alert} from '../../source/types.js';
import {
	disarmQuit,
	filterLimit,
	initialUiState,
	panes,
	reduceKey,
	shownAlerts,
	type KeyContext,
	type UiState,
} from '../../source/ui/state.js';
import {UiStore} from '../../source/ui/store.js';
import {alert} from '../helpers/snapshot.js';

const named = new Set([
	'Enter',
	'Esc',
	'Tab',
	'Shift-Tab',
	'Up',
	'Down',
	'PgUp',
	'PgDn',
	'Backspace',
	'Delete',
	'Ctrl-C',
]);
/** "q" is q, "<Esc>" is Esc: a readable key sequence. */
function keys(sequence: string): KeyPress[] {
	return [...sequence.matchAll(/<([\w-]+)>|([^<])/gu)].map(([, name, ch]) =>
		name && named.has(name) ? {key: name, text: ''} : {key: ch ?? name!, text: ch ?? name!},
	);
}

const items: Alert[] = [
	alert({severity: 'warning', text: 'WARNING slow response', firstTime: 9}),
	alert({severity: 'error', text: 'ERROR disk full', firstTime: 8}),
	alert({severity: 'warning', text: 'WARNING high memory', firstTime: 7}),
	alert({severity: 'critical', text: 'CRITICAL server crash', firstTime: 6}),
	alert({severity: 'error', text: 'ERROR get_server_status( failed', firstTime: 5}),
];

function context(overrides: Partial<KeyContext> = {}): KeyContext {
	return {
		dialog: 'idle',
		notice: false,
		busy: false,
		paused: false,
		available: () => true,
		alerts: items,
		lines: {ports: 2, processes: 3, latency: 0, alerts: items.length},
		page: 2,
		viewMax: () => 10,
		...overrides,
	};
}

/** The state after the keys, each reduced from the one before; and every command they asked for. */
function run(sequence: string, ctx = context(), from: UiState = initialUiState) {
	let state = from;
	const commands: unknown[] = [];
	for (const press of keys(sequence)) {
		state = reduceKey(state, press, ctx);
		commands.push(...state.commands);
	}
	return {state, commands};
}

test('qq while an action runs: the first q arms, the second quits; a lone q quits when idle', () => {
	const busy = context({busy: true});
	assert.deepEqual(run('q', busy).commands, []);
	assert.equal(run('q', busy).state.quitArmed, true);
	assert.deepEqual(run('qq', busy).commands, [{type: 'quit'}]);
	assert.deepEqual(run('q').commands, [{type: 'quit'}]);
	// The arming lapses: a q after it arms again.
	assert.deepEqual(run('q', busy, disarmQuit(run('q', busy).state)).commands, []);
});

test('Esc then a key: Esc closes the help, the key then acts on the panes', () => {
	const {state, commands} = run('?<Esc>p');
	assert.equal(state.view, null);
	assert.deepEqual(commands, [{type: 'pause'}]);
	// While the help is open, p and r mean nothing.
	assert.deepEqual(run('?pr').commands, []);
	assert.equal(run('?pr').state.view, 'help');
});

test('Tab and Shift-Tab cycle the focus both ways', () => {
	assert.equal(run('<Tab>').state.focus, 'ports');
	assert.equal(run('<Tab><Tab>').state.focus, 'processes');
	assert.equal(run('<Shift-Tab>').state.focus, 'latency');
	assert.equal(run('<Tab><Tab><Tab><Tab>').state.focus, 'alerts');
});

test('typing a filter takes every key but Ctrl-C; Enter keeps it, Esc clears it', () => {
	const typed = run('/qrp?');
	assert.equal(typed.state.filter.text, 'qrp?');
	assert.deepEqual(typed.commands, []);
	assert.equal(run('/disk<Enter>').state.filter.editing, false);
	assert.equal(run('/disk<Enter>').state.filter.text, 'disk');
	assert.equal(run('/disk<Enter><Esc>').state.filter.text, '');
	assert.equal(run('/disk<Esc>').state.filter.text, '');
	assert.equal(run('/disk<Backspace><Delete>').state.filter.text, 'di');
	assert.deepEqual(run('/disk<Ctrl-C>').commands, [{type: 'quit'}]);
	// A paste arrives as one text: cut at the limit, never in the middle of a character.
	const paste = reduceKey(
		run('/').state,
		{key: 'x', text: '💀'.repeat(filterLimit + 5)},
		context(),
	);
	assert.equal([...paste.filter.text].length, filterLimit);
	assert.equal(paste.filter.text, '💀'.repeat(filterLimit));
});

test('the filter is a regular expression; a bad one says so and filters nothing; Tab makes it text', () => {
	const regex = run('/disk|crash<Enter>').state;
	assert.deepEqual(
		shownAlerts(regex, items).alerts.map((a) => a.text),
		['ERROR disk full', 'CRITICAL server crash'],
	);
	assert.equal(shownAlerts(regex, items).problem, null);
	const bad = run('/status(').state;
	const view = shownAlerts(bad, items);
	assert.equal(view.alerts.length, items.length, 'a bad regular expression filters nothing');
	assert.match(view.problem ?? '', /^bad regular expression: unterminated group/);
	const text = run('/status(<Tab>').state;
	assert.equal(text.filter.mode, 'text');
	assert.deepEqual(
		shownAlerts(text, items).alerts.map((a) => a.text),
		['ERROR get_server_status( failed'],
	);
	// Case-insensitive, and a pattern that would backtrack for ever runs on RE2.
	assert.equal(shownAlerts(run('/SERVER CRASH').state, items).alerts.length, 1);
	const evil = [alert({text: 'a'.repeat(3000) + '!'})];
	assert.equal(shownAlerts(run('/(a+)+$').state, evil).alerts.length, 0);
});

test('e and E move the cursor to the next older and newer error, past warnings', () => {
	// From another pane e finds the newest error and E the oldest.
	const first = run('<Tab>e').state;
	assert.equal(first.focus, 'alerts');
	assert.equal(first.scroll.alerts, 1);
	assert.equal(run('<Tab>E').state.scroll.alerts, 4);
	assert.equal(run('ee').state.scroll.alerts, 3, 'critical counts as an error');
	assert.equal(run('eee').state.scroll.alerts, 4);
	const end = run('eeee').state;
	assert.equal(end.scroll.alerts, 4);
	assert.equal(end.note, 'no older error');
	assert.equal(run('eeeeE').state.scroll.alerts, 3);
	assert.equal(run('eeeeE').state.note, null, 'a note lasts one key');
	assert.equal(run('E').state.note, 'no newer error');
});

test('severity toggles hide and show one severity; e skips what is hidden', () => {
	const noErrors = run('2').state;
	assert.equal(noErrors.shown.error, false);
	assert.equal(noErrors.note, 'error alerts hidden');
	assert.deepEqual(
		shownAlerts(noErrors, items).alerts.map((a) => a.severity),
		['warning', 'warning', 'critical'],
	);
	assert.equal(run('2<Tab>e').state.scroll.alerts, 2);
	assert.equal(run('2e e').state.note, 'no older error among the alerts shown');
	assert.equal(run('22').state.shown.error, true);
	const none = run('123').state;
	assert.equal(shownAlerts(none, items).alerts.length, 0);
	assert.equal(run('123e').state.note, 'no older error among the alerts shown');
});

test('Enter opens the alert under the cursor and keeps it while newer alerts arrive', () => {
	const open = run('jj<Enter>').state;
	assert.equal(open.view, 'alert');
	assert.equal(open.pinned?.text, 'WARNING high memory');
	const newer = [alert({text: 'ERROR brand new', firstTime: 10}), ...items];
	const scrolled = run('jjj', context({alerts: newer}), open).state;
	assert.equal(scrolled.pinned?.text, 'WARNING high memory');
	assert.equal(scrolled.viewScroll, 3);
	// e in the alert shows the next error after the one shown, in the newer list.
	const next = run('e', context({alerts: newer}), open).state;
	assert.equal(next.pinned?.text, 'CRITICAL server crash');
	assert.equal(next.viewScroll, 0);
	assert.equal(run('<Esc>', context(), open).state.view, null);
	assert.equal(run('<Enter>', context(), open).state.view, null);
	// No alert, nothing to open.
	assert.equal(run('<Enter>', context({alerts: []})).state.view, null);
	// Enter means the alert only in the Alerts pane.
	assert.equal(run('<Tab><Enter>').state.view, null);
});

test('scrolling stays in bounds: panes by their lines, the alerts by those shown, views by viewMax', () => {
	assert.equal(run('jjjjjjjjjj').state.scroll.alerts, items.length - 1);
	assert.equal(run('jjjk').state.scroll.alerts, 2);
	assert.equal(run('G').state.scroll.alerts, 4);
	assert.equal(run('Gg').state.scroll.alerts, 0);
	assert.equal(run('<PgDn>').state.scroll.alerts, 2);
	assert.equal(run('3G').state.scroll.alerts, 2, 'three shown once warnings are hidden');
	assert.equal(run('<Tab><Tab>jjjjj').state.scroll.processes, 2);
	assert.equal(run('?G', context({viewMax: () => 7})).state.viewScroll, 7);
	assert.equal(run('?jjjjjjjjjj', context({viewMax: () => 4})).state.viewScroll, 4);
	assert.equal(run('?G<Esc>?').state.viewScroll, 0, 'a view opens at its top');
});

test('a question takes y, n, Esc and q only; a list takes arrows, Enter and Esc', () => {
	const confirm = context({dialog: 'confirm'});
	assert.deepEqual(run('rbpy', confirm).commands, [{type: 'confirm'}]);
	assert.deepEqual(run('N', confirm).commands, [{type: 'cancel'}]);
	assert.deepEqual(run('<Esc>', confirm).commands, [{type: 'cancel'}]);
	assert.deepEqual(run('q', confirm).commands, [{type: 'cancel'}]);
	const pick = context({dialog: 'pick'});
	assert.deepEqual(run('j<Up>k<Enter>', pick).commands, [
		{type: 'move', delta: 1},
		{type: 'move', delta: -1},
		{type: 'move', delta: -1},
		{type: 'pick'},
	]);
	assert.deepEqual(run('<Esc>', pick).commands, [{type: 'cancel'}]);
});

test("an action's result: Esc and Enter dismiss it, the panes' keys work meanwhile", () => {
	const done = context({dialog: 'done'});
	assert.deepEqual(run('<Enter>', done).commands, [{type: 'dismiss'}]);
	assert.deepEqual(run('<Esc>', done).commands, [{type: 'dismiss'}]);
	assert.deepEqual(run('pv', done).commands, [{type: 'pause'}, {type: 'run', kind: 'validate'}]);
	assert.equal(run('<Enter>', done).state.view, null, 'Enter dismisses, it opens no alert');
});

test("the runner's notice goes with the next key on the panes, but not with q", () => {
	const notice = context({notice: true});
	assert.deepEqual(run('j', notice).commands, [{type: 'clearNotice'}]);
	assert.deepEqual(run('x', notice).commands, [{type: 'clearNotice'}]);
	assert.deepEqual(run('q', notice).commands, [{type: 'quit'}]);
	assert.deepEqual(run('?', notice).commands, [{type: 'clearNotice'}]);
	assert.deepEqual(run('/x', notice).commands, [{type: 'clearNotice'}]);
});

test('the store reduces each key of a chunk from the state the one before left', () => {
	const store = new UiStore();
	let renders = 0;
	store.subscribe(() => renders++);
	const ctx = context({busy: true});
	const commands = keys('?<Esc>qq').map((k) => store.press(k, ctx));
	assert.deepEqual(commands, [[], [], [], [{type: 'quit'}]]);
	assert.equal(store.getState().view, null);
	assert.equal(renders, 4);
	// A key that changes nothing does not wake React.
	store.press({key: 'x', text: 'x'}, context());
	const before = renders;
	store.press({key: 'x', text: 'x'}, context());
	assert.equal(renders, before);
});

test('G with a filter that matches no alert stays at the top, not above it', () => {
	const ctx = context({viewMax: () => 5});
	let state = initialUiState;
	for (const press of keys('/q<Enter>G')) state = reduceKey(state, press, ctx);
	assert.equal(shownAlerts(state, items).alerts.length, 0);
	assert.equal(state.scroll.alerts, 0);
});

const anyKey = fc.oneof(
	fc.constantFrom(
		...keys(
			'qQ?p/eE123jkgGrbRvdlcyYnN<Enter><Esc><Tab><Shift-Tab><Up><Down><PgUp><PgDn><Backspace>',
		),
	),
	fc.string({minLength: 1, maxLength: 3}).map((s) => ({key: s, text: s})),
);

test('any key sequence in any dialog phase leaves a state within its bounds', () => {
	fc.assert(
		fc.property(
			fc.array(anyKey, {maxLength: 60}),
			fc.constantFrom('idle', 'loading', 'running', 'confirm', 'pick', 'done' as const),
			fc.boolean(),
			(sequence, dialog, busy) => {
				const ctx = context({dialog, busy, viewMax: () => 5});
				let state = initialUiState;
				for (const press of sequence) {
					state = reduceKey(state, press, ctx);
					const shown = shownAlerts(state, items).alerts;
					assert.ok(panes.includes(state.focus));
					assert.ok(
						state.scroll.alerts >= 0 && state.scroll.alerts <= Math.max(0, shown.length - 1),
					);
					assert.ok(state.scroll.processes >= 0 && state.scroll.processes <= 2);
					assert.ok(state.viewScroll >= 0 && state.viewScroll <= 5);
					assert.ok([...state.filter.text].length <= filterLimit);
					assert.equal(state.view === 'alert', state.pinned !== null);
					if (state.filter.editing) assert.equal(state.view, null);
				}
			},
		),
		{numRuns: 300},
	);
});
