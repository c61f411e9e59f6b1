import type {ActionKind, DialogState} from '../actions/runner.js';
import type {UiAction} from '../keys/bindings.js';
import {activeScopes, bindingFor} from '../keys/dispatch.js';
import type {KeyPress} from '../keys/key-name.js';
import type {Alert, Severity} from '../types.js';
import {nextError, sameAlert, viewAlerts, type FilterMode} from './alert-filter.js';

export const panes = ['ports', 'processes', 'latency', 'alerts'] as const;
export type Pane = (typeof panes)[number];

/** What can open over the panes; each has a render case in App. */
export const views = ['help', 'alert', 'history', 'trends', 'process'] as const;
export type View = (typeof views)[number];

/** What a key asks of the world outside this state; the dispatcher does it before the next key. */
export type Command =
	| {type: 'quit'}
	| {type: 'pause'}
	| {type: 'run'; kind: ActionKind}
	| {type: 'confirm'}
	| {type: 'cancel'}
	| {type: 'move'; delta: 1 | -1}
	| {type: 'pick'}
	| {type: 'dismiss'}
	| {type: 'clearNotice'};

/** Everything keys change on the screen. */
export type UiState = {
	focus: Pane;
	view: View | null;
	/** Lines scrolled in the open view. */
	viewScroll: number;
	/** The alert the alert view shows, kept so that alerts arriving meanwhile do not swap it. */
	pinned: Alert | null;
	/** Per pane: the first line shown, or in Alerts the cursor (an index into the alerts shown). */
	scroll: Record<Pane, number>;
	filter: {text: string; mode: FilterMode; editing: boolean};
	shown: Record<Severity, boolean>;
	/** q pressed once while an action runs; a second q quits. */
	quitArmed: boolean;
	/** A word for the operator about the last key ("no older error"), until the next key. */
	note: string | null;
	commands: Command[];
};

/** What the reducer reads of the world when a key arrives: fresh for every key. */
export type KeyContext = {
	dialog: DialogState['phase'];
	/** The runner shows a notice (cleared by the next key on the panes). */
	notice: boolean;
	busy: boolean;
	paused: boolean;
	available: (kind: ActionKind) => boolean;
	/** Every alert, newest first, before the filter. */
	alerts: Alert[];
	/** Lines each pane can scroll through (Alerts counts the alerts shown instead). */
	lines: Record<Pane, number>;
	/** Lines one page moves. */
	page: number;
	/** How far the open view can scroll. */
	viewMax: (state: UiState) => number;
};

export const initialUiState: UiState = {
	focus: 'alerts',
	view: null,
	viewScroll: 0,
	pinned: null,
	scroll: {ports: 0, processes: 0, latency: 0, alerts: 0},
	filter: {text: '', mode: 'regex', editing: false},
	shown: {critical: true, error: true, warning: true},
	quitArmed: false,
	note: null,
	commands: [],
};

/** The filter's longest text: a paste of a whole log line is cut here. */
export const filterLimit = 200;

/** The alerts the pane shows in this state. */
export function shownAlerts(state: UiState, alerts: Alert[]) {
	return viewAlerts(alerts, state.filter.text, state.filter.mode, state.shown);
}

const clamp = (n: number, max: number) => Math.min(Math.max(0, max), Math.max(0, n));

/**
 * One key: the state it leaves, with what it asks of the world in `commands`. Pure: keys that arrive
 * in one chunk are reduced one after another, each from the state the one before left.
 */
export function reduceKey(state: UiState, press: KeyPress, context: KeyContext): UiState {
	let next: UiState =
		state.commands.length > 0 || state.note !== null ? {...state, commands: [], note: null} : state;
	const scopes = activeScopes(next, context);
	const binding = bindingFor(press, scopes);
	// A key on the panes (any but q) takes the runner's last notice away, as before.
	if (
		scopes.includes('main') &&
		context.dialog === 'idle' &&
		context.notice &&
		binding?.action.type !== 'quit'
	) {
		next = command(next, {type: 'clearNotice'});
	}
	return binding ? apply(next, binding.action, press, context) : next;
}

/** After a while a single q no longer counts towards quitting. */
export function disarmQuit(state: UiState): UiState {
	return state.quitArmed ? {...state, quitArmed: false} : state;
}

/** A note says its word for a few seconds, then the key bar comes back. */
export function expireNote(state: UiState): UiState {
	return state.note === null ? state : {...state, note: null};
}

function command(state: UiState, c: Command): UiState {
	return {...state, commands: [...state.commands, c]};
}

function withFilter(state: UiState, filter: Partial<UiState['filter']>): UiState {
	return {
		...state,
		filter: {...state.filter, ...filter},
		scroll: {...state.scroll, alerts: 0},
	};
}

function apply(state: UiState, action: UiAction, press: KeyPress, context: KeyContext): UiState {
	switch (action.type) {
		case 'quitNow':
			return command(state, {type: 'quit'});
		case 'quit':
			return context.busy && !state.quitArmed
				? {...state, quitArmed: true}
				: command(state, {type: 'quit'});
		case 'open': {
			if (action.view !== 'alert') return {...state, view: action.view, viewScroll: 0};
			const {alerts} = shownAlerts(state, context.alerts);
			const pinned = alerts[clamp(state.scroll.alerts, alerts.length - 1)];
			return pinned ? {...state, view: 'alert', viewScroll: 0, pinned} : state;
		}
		case 'close':
			return {...state, view: null, viewScroll: 0, pinned: null};
		case 'pause':
			return command(state, {type: 'pause'});
		case 'focus': {
			const i = panes.indexOf(state.focus);
			return {...state, focus: panes[(i + panes.length + action.step) % panes.length]!};
		}
		case 'scroll':
			return scroll(state, action.by, context);
		case 'filter':
			return filter(state, action.edit, press);
		case 'error':
			return jumpToError(state, action.step, context);
		case 'severity': {
			const shown = {...state.shown, [action.severity]: !state.shown[action.severity]};
			const word = shown[action.severity] ? 'shown' : 'hidden';
			return {
				...state,
				focus: 'alerts',
				shown,
				scroll: {...state.scroll, alerts: 0},
				note: `${action.severity} alerts ${word}`,
			};
		}
		case 'run':
			return command(state, {type: 'run', kind: action.kind});
		case 'answer':
			return command(state, {type: action.yes ? 'confirm' : 'cancel'});
		case 'choose':
			return command(state, {type: 'move', delta: action.step});
		case 'select':
			return command(state, {type: 'pick'});
		case 'dismiss':
			return command(state, {type: 'dismiss'});
	}
}

function scroll(
	state: UiState,
	by: 1 | -1 | 'pageUp' | 'pageDown' | 'top' | 'bottom',
	context: KeyContext,
): UiState {
	const page = Math.max(1, context.page);
	const target = (current: number, max: number) =>
		by === 'top'
			? 0
			: by === 'bottom'
				? Math.max(0, max)
				: clamp(current + (by === 'pageUp' ? -page : by === 'pageDown' ? page : by), max);
	if (state.view) {
		return {...state, viewScroll: target(state.viewScroll, context.viewMax(state))};
	}
	const focus = state.focus;
	const count =
		focus === 'alerts' ? shownAlerts(state, context.alerts).alerts.length : context.lines[focus];
	return {...state, scroll: {...state.scroll, [focus]: target(state.scroll[focus], count - 1)}};
}

function filter(
	state: UiState,
	edit: 'start' | 'apply' | 'cancel' | 'clear' | 'mode' | 'erase' | 'type',
	press: KeyPress,
): UiState {
	const text = state.filter.text;
	switch (edit) {
		case 'start':
			return {...state, focus: 'alerts', filter: {...state.filter, editing: true}};
		case 'apply':
			return {...state, filter: {...state.filter, editing: false}};
		case 'cancel':
			return withFilter(state, {text: '', editing: false});
		case 'clear':
			return text === '' ? state : withFilter(state, {text: ''});
		case 'mode':
			return withFilter(state, {mode: state.filter.mode === 'regex' ? 'text' : 'regex'});
		case 'erase':
			return withFilter(state, {text: [...text].slice(0, -1).join('')});
		case 'type':
			return withFilter(state, {text: [...(text + press.text)].slice(0, filterLimit).join('')});
	}
}

function jumpToError(state: UiState, step: 1 | -1, context: KeyContext): UiState {
	const {alerts} = shownAlerts(state, context.alerts);
	let from: number;
	if (state.view === 'alert' && state.pinned) {
		const current = sameAlert(alerts, state.pinned);
		from = current ? alerts.indexOf(current) : clamp(state.scroll.alerts, alerts.length - 1);
	} else if (state.focus !== 'alerts') {
		// From outside the pane, e finds the newest error and E the oldest.
		from = step === 1 ? -1 : alerts.length;
	} else {
		from = clamp(state.scroll.alerts, alerts.length - 1);
	}
	const found = nextError(alerts, from, step);
	if (found === null) {
		const which = step === 1 ? 'older' : 'newer';
		const among = alerts.length < context.alerts.length ? ' among the alerts shown' : '';
		return {...state, note: `no ${which} error${among}`};
	}
	const moved = {...state, focus: 'alerts' as const, scroll: {...state.scroll, alerts: found}};
	return state.view === 'alert' ? {...moved, pinned: alerts[found]!, viewScroll: 0} : moved;
}
