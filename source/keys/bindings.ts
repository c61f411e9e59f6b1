import type {ActionKind} from '../actions/runner.js';
import type {Severity} from '../types.js';
import type {KeyContext, Pane, UiState, View} from '../ui/state.js';

/**
 * Where a binding works. `main` is the panes with nothing open over them; a pane's name, that pane
 * focused; a view's name, that view open (`view`: any view); `confirm`, `pick` and `done`, the action
 * dialog asking y/N, offering a list, or showing a result; `typing`, the alert filter being typed;
 * `always`, everywhere.
 */
export type Scope =
	'always' | 'typing' | View | 'view' | 'confirm' | 'pick' | 'done' | Pane | 'main';

/** What a key does: the reducer (source/ui/state.ts) carries each one out. */
export type UiAction =
	| {type: 'quit'}
	| {type: 'quitNow'}
	| {type: 'open'; view: View}
	| {type: 'close'}
	| {type: 'pause'}
	| {type: 'focus'; step: 1 | -1}
	| {type: 'scroll'; by: 1 | -1 | 'pageUp' | 'pageDown' | 'top' | 'bottom'}
	| {type: 'filter'; edit: 'start' | 'apply' | 'cancel' | 'clear' | 'mode' | 'erase' | 'type'}
	| {type: 'error'; step: 1 | -1}
	| {type: 'severity'; severity: Severity}
	| {type: 'run'; kind: ActionKind}
	| {type: 'answer'; yes: boolean}
	| {type: 'choose'; step: 1 | -1}
	| {type: 'select'}
	| {type: 'dismiss'};

export type Binding = {
	/** Key names (source/keys/key-name.ts); `Text` is any printable text. */
	keys: readonly string[];
	scope: Scope;
	action: UiAction;
	/**
	 * The key bar's word for it; a binding without one is in the help and the README only. Two
	 * bindings in a row with the same word are one hint ("↑↓ choose").
	 */
	label?: string | ((state: UiState, context: KeyContext) => string);
	/** The help overlay's and the README's line; consecutive bindings of a scope with the same line share it. */
	help: string;
};

const scroll = 'scroll the focused pane; in Alerts move the cursor';
const page = 'page up, page down, top, bottom';
const viewScroll = 'scroll';
const viewPage = 'page up, page down, top, bottom';

/**
 * Every key mcptop knows, once. The dispatcher, the key bar, the `?` overlay and the README's key
 * table all come from this list; the key bar shows labelled bindings of the scopes in force, in
 * this order.
 */
export const bindings: readonly Binding[] = [
	{
		keys: ['Ctrl-C'],
		scope: 'always',
		action: {type: 'quitNow'},
		help: 'quit at once, even while typing a filter or while an action runs',
	},
	{
		keys: ['q'],
		scope: 'main',
		action: {type: 'quit'},
		label: 'quit',
		help: 'quit (the server keeps running; while an action runs, press q twice)',
	},
	{
		keys: ['?'],
		scope: 'main',
		action: {type: 'open', view: 'help'},
		label: 'help',
		help: 'this help, listing every key',
	},
	{
		keys: ['p'],
		scope: 'main',
		action: {type: 'pause'},
		label: (_s, c) => (c.paused ? 'resume' : 'pause'),
		help: 'pause / resume the display (probes and log counting go on, nothing is lost)',
	},
	{
		keys: ['Tab'],
		scope: 'main',
		action: {type: 'focus', step: 1},
		label: 'focus',
		help: 'move focus between the panes (▶ marks the focused one)',
	},
	{
		keys: ['Shift-Tab'],
		scope: 'main',
		action: {type: 'focus', step: -1},
		help: 'move focus between the panes (▶ marks the focused one)',
	},
	{
		keys: ['/'],
		scope: 'main',
		action: {type: 'filter', edit: 'start'},
		label: 'filter',
		help: 'filter the alerts by a regular expression (or text) on the line, severity or file',
	},
	{
		keys: ['e'],
		scope: 'main',
		action: {type: 'error', step: 1},
		// No label: with it the key bar no longer fits at 120 columns, the usual tmux pane.
		help: 'next / previous error: the cursor to the next older / newer error or critical alert',
	},
	{
		keys: ['E'],
		scope: 'main',
		action: {type: 'error', step: -1},
		help: 'next / previous error: the cursor to the next older / newer error or critical alert',
	},
	{
		keys: ['1'],
		scope: 'main',
		action: {type: 'severity', severity: 'critical'},
		help: 'hide / show critical, error, warning alerts (the totals still count them all)',
	},
	{
		keys: ['2'],
		scope: 'main',
		action: {type: 'severity', severity: 'error'},
		help: 'hide / show critical, error, warning alerts (the totals still count them all)',
	},
	{
		keys: ['3'],
		scope: 'main',
		action: {type: 'severity', severity: 'warning'},
		help: 'hide / show critical, error, warning alerts (the totals still count them all)',
	},
	{keys: ['Up', 'k'], scope: 'main', action: {type: 'scroll', by: -1}, help: scroll},
	{keys: ['Down', 'j'], scope: 'main', action: {type: 'scroll', by: 1}, help: scroll},
	{keys: ['PgUp'], scope: 'main', action: {type: 'scroll', by: 'pageUp'}, help: page},
	{keys: ['PgDn'], scope: 'main', action: {type: 'scroll', by: 'pageDown'}, help: page},
	{keys: ['g'], scope: 'main', action: {type: 'scroll', by: 'top'}, help: page},
	{keys: ['G'], scope: 'main', action: {type: 'scroll', by: 'bottom'}, help: page},
	{
		keys: ['Enter'],
		scope: 'alerts',
		action: {type: 'open', view: 'alert'},
		help: 'show the selected alert whole, with the lines around it and its traceback',
	},
	{keys: ['Esc'], scope: 'main', action: {type: 'filter', edit: 'clear'}, help: 'clear the filter'},
	{
		keys: ['Enter'],
		scope: 'processes',
		action: {type: 'open', view: 'process'},
		help: 'the profile of the top process shown: CPU over 1 and 5 minutes, I/O rates, threads, descriptors',
	},
	{
		keys: ['H'],
		scope: 'main',
		action: {type: 'open', view: 'history'},
		// No label, as e: the action keys keep theirs at 120 columns.
		help: 'history of the logs: categories, top error types, peak hour, hourly histogram, recommendations',
	},
	{
		keys: ['t'],
		scope: 'main',
		action: {type: 'open', view: 'trends'},
		help: 'trend lines of the last hour (latency p95, server RSS and CPU, loss, alerts, memory)',
	},

	{
		keys: ['r'],
		scope: 'main',
		action: {type: 'run', kind: 'restart'},
		label: 'restart',
		help: 'restart the server: shows the PIDs and command lines it will stop, asks y/N',
	},
	{
		keys: ['b'],
		scope: 'main',
		action: {type: 'run', kind: 'backup'},
		label: 'backup',
		help: 'back up the project files now',
	},
	{
		keys: ['R'],
		scope: 'main',
		action: {type: 'run', kind: 'restore'},
		label: 'restore',
		help: 'restore: pick a backup, every checksum is verified, asks y/N',
	},
	{
		keys: ['v'],
		scope: 'main',
		action: {type: 'run', kind: 'validate'},
		label: 'validate',
		help: 'post-recovery validation (five checks, PASS/WARN/FAIL, report saved as JSON)',
	},
	{
		keys: ['d'],
		scope: 'main',
		action: {type: 'run', kind: 'dump'},
		label: 'dump',
		help: 'save an incident dump (the latest alert, the last 20 log lines, the last 10 alerts, the metrics)',
	},
	{
		keys: ['l'],
		scope: 'main',
		action: {type: 'run', kind: 'latency'},
		label: 'latency',
		help: 'latency analysis of the read-only tools',
	},
	{
		keys: ['D'],
		scope: 'main',
		action: {type: 'run', kind: 'doctor'},
		label: 'doctor',
		help: "why won't it start: startup diagnostics (interpreter, packages, ports, script, logs, paths)",
	},
	{
		keys: ['c'],
		scope: 'main',
		action: {type: 'run', kind: 'concurrency'},
		// Short enough that every label fits at 120 columns, the usual tmux pane.
		label: 'load test',
		help: 'concurrency (load) test (10 workers × 20 get_server_status by default)',
	},
	{
		keys: ['Esc', 'Enter'],
		scope: 'done',
		action: {type: 'dismiss'},
		label: 'dismiss',
		help: "dismiss an action's result (other keys work meanwhile)",
	},

	{
		keys: ['Enter'],
		scope: 'typing',
		action: {type: 'filter', edit: 'apply'},
		label: 'apply',
		help: 'keep the filter and go back to the keys',
	},
	{
		keys: ['Esc'],
		scope: 'typing',
		action: {type: 'filter', edit: 'cancel'},
		label: 'clear',
		help: 'clear the filter',
	},
	{
		keys: ['Tab'],
		scope: 'typing',
		action: {type: 'filter', edit: 'mode'},
		label: (s) => (s.filter.mode === 'regex' ? 'as text' : 'as regex'),
		help: 'switch between a regular expression (case-insensitive, linear-time RE2) and plain text',
	},
	{
		keys: ['Backspace', 'Delete'],
		scope: 'typing',
		action: {type: 'filter', edit: 'erase'},
		help: 'erase the last character',
	},
	{
		keys: ['Text'],
		scope: 'typing',
		action: {type: 'filter', edit: 'type'},
		help: 'goes into the filter, which applies as you type (a bad regular expression filters nothing)',
	},

	{keys: ['?'], scope: 'help', action: {type: 'close'}, help: 'close the help'},
	{keys: ['Enter'], scope: 'alert', action: {type: 'close'}, help: 'close the alert'},
	{
		keys: ['e'],
		scope: 'alert',
		action: {type: 'error', step: 1},
		label: 'next error',
		help: 'show the next older / newer error or critical alert',
	},
	{
		keys: ['E'],
		scope: 'alert',
		action: {type: 'error', step: -1},
		help: 'show the next older / newer error or critical alert',
	},
	{keys: ['Esc', 'q'], scope: 'view', action: {type: 'close'}, label: 'close', help: 'close'},
	{keys: ['Up', 'k'], scope: 'view', action: {type: 'scroll', by: -1}, help: viewScroll},
	{
		keys: ['Down', 'j'],
		scope: 'view',
		action: {type: 'scroll', by: 1},
		label: 'scroll',
		help: viewScroll,
	},
	{keys: ['PgUp'], scope: 'view', action: {type: 'scroll', by: 'pageUp'}, help: viewPage},
	{keys: ['PgDn'], scope: 'view', action: {type: 'scroll', by: 'pageDown'}, help: viewPage},
	{keys: ['g'], scope: 'view', action: {type: 'scroll', by: 'top'}, help: viewPage},
	{keys: ['G'], scope: 'view', action: {type: 'scroll', by: 'bottom'}, help: viewPage},

	{
		keys: ['y', 'Y'],
		scope: 'confirm',
		action: {type: 'answer', yes: true},
		label: 'yes',
		help: 'yes: go ahead',
	},
	{
		keys: ['n', 'N', 'Esc', 'q'],
		scope: 'confirm',
		action: {type: 'answer', yes: false},
		label: 'no',
		help: 'no: nothing is done',
	},
	{
		keys: ['Up', 'k'],
		scope: 'pick',
		action: {type: 'choose', step: -1},
		label: 'choose',
		help: 'move the choice',
	},
	{
		keys: ['Down', 'j'],
		scope: 'pick',
		action: {type: 'choose', step: 1},
		label: 'choose',
		help: 'move the choice',
	},
	{keys: ['Enter'], scope: 'pick', action: {type: 'select'}, label: 'select', help: 'take it'},
	{
		keys: ['Esc', 'q'],
		scope: 'pick',
		action: {type: 'answer', yes: false},
		label: 'cancel',
		help: 'cancel: nothing is done',
	},
];

/**
 * The help's and the README's headings, in the order they list the scopes; a scope missing here
 * (a new view) is listed after these as "in the <name> view".
 */
export const scopeTitles: Partial<Record<Scope, string>> = {
	always: 'anywhere',
	main: 'on the panes',
	ports: 'in the Ports pane',
	processes: 'in the Processes pane',
	latency: 'in the Latency pane',
	alerts: 'in the Alerts pane',
	done: "an action's result",
	typing: 'typing a filter',
	view: 'in a view (the help, an alert)',
	help: 'in the help',
	alert: 'in an alert',
	confirm: 'a y/N question',
	pick: 'choosing from a list',
};
