// `npx tsx scripts/bench-keys.ts`: what one key costs in the reducer (source/ui/state.ts) with the
// Alerts pane full (500 alerts, the alert book's capacity, lines up to 2 KB), without and with a
// regular-expression filter. A paste into the filter or a held j must keep up with a terminal's key
// repeat (30/s) by a wide margin. Not a test: speed is reported here, never asserted.
import {reduceKey, initialUiState, type KeyContext, type UiState} from '../source/ui/state.js';
import type {Alert, Severity} from '../source/types.js';

const severities: Severity[] = ['warning', 'warning', 'warning', 'error', 'critical'];
const alerts: Alert[] = Array.from({length: 500}, (_, i) => ({
	severity: severities[i % severities.length]!,
	source: 'unreal_blueprint_mcp.log',
	text: `2026-12-02 03:00:${String(i % 60).padStart(2, '0')},000 - ERROR - request ${i} failed ${'x'.repeat(i % 50 === 0 ? 2000 : 80)}`,
	count: 1,
	firstTime: 1_000_000 - i,
	lastTime: 1_000_000 - i,
}));

const context: KeyContext = {
	dialog: 'idle',
	notice: false,
	busy: false,
	paused: false,
	available: () => true,
	alerts,
	lines: {ports: 2, processes: 1, latency: 0, alerts: alerts.length},
	page: 20,
	viewMax: () => 0,
};

function keysPerSecond(
	label: string,
	from: UiState,
	key: string,
	count: number,
	newList = false,
): void {
	let state = from;
	const start = process.hrtime.bigint();
	for (let i = 0; i < count; i++) {
		// newList: every key sees a new snapshot's list, as the first key after a tick does.
		const ctx = newList ? {...context, alerts: alerts.slice()} : context;
		state = reduceKey(state, {key, text: key.length === 1 ? key : ''}, ctx);
		if (key === 'e' && state.note) state = {...state, scroll: {...state.scroll, alerts: 0}};
	}
	const seconds = Number(process.hrtime.bigint() - start) / 1e9;
	console.log(
		`${label.padEnd(44)} ${String(Math.round(count / seconds)).padStart(9)} keys/s  ${((seconds / count) * 1e6).toFixed(1).padStart(8)} µs/key`,
	);
}

const filtered = (text: string, mode: 'regex' | 'text'): UiState => ({
	...initialUiState,
	filter: {text, mode, editing: false},
});

for (let run = 1; run <= 3; run++) {
	console.log(`run ${run}`);
	keysPerSecond('j, no filter', initialUiState, 'j', 20_000);
	keysPerSecond('e, no filter', initialUiState, 'e', 20_000);
	keysPerSecond('j, text filter "failed"', filtered('failed', 'text'), 'j', 2_000);
	keysPerSecond(
		'j, regex filter "request (1|2)\\d+ failed"',
		filtered('request (1|2)\\d+ failed', 'regex'),
		'j',
		2_000,
	);
	keysPerSecond(
		'e, regex filter "request (1|2)\\d+ failed"',
		filtered('request (1|2)\\d+ failed', 'regex'),
		'e',
		2_000,
	);
	keysPerSecond(
		'j, regex filter, a new list every key',
		filtered('request (1|2)\\d+ failed', 'regex'),
		'j',
		300,
		true,
	);
	keysPerSecond(
		'typing into the filter',
		{...initialUiState, filter: {...initialUiState.filter, editing: true}},
		'a',
		20_000,
	);
}
