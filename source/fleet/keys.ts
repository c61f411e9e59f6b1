import {sortKeys, type SortKey} from './rows.js';

export type FleetViewState = {
	selected: number;
	sort: SortKey;
	reverse: boolean;
	filter: string;
	editingFilter: boolean;
	/** The machine whose detail is open (its instance), or null. */
	detail: string | null;
	quit: boolean;
	refresh: boolean;
};

export const initialFleetView: FleetViewState = {
	selected: 0,
	sort: 'health',
	reverse: false,
	filter: '',
	editingFilter: false,
	detail: null,
	quit: false,
	refresh: false,
};

export type FleetKey = {
	input: string;
	up?: boolean;
	down?: boolean;
	pageUp?: boolean;
	pageDown?: boolean;
	enter?: boolean;
	escape?: boolean;
	backspace?: boolean;
	ctrlC?: boolean;
};

/**
 * What a key does to the fleet view: pure, so it is tested without React. `instances` are the rows
 * shown (sorted, filtered), so Enter opens the selected one.
 */
export function fleetKey(
	state: FleetViewState,
	key: FleetKey,
	instances: readonly string[],
	page = 10,
): FleetViewState {
	const s = {...state, refresh: false};
	const last = Math.max(0, instances.length - 1);
	const clamp = (n: number) => Math.max(0, Math.min(last, n));
	if (key.ctrlC) return {...s, quit: true};
	if (s.editingFilter) {
		if (key.escape) return {...s, editingFilter: false, filter: '', selected: 0};
		if (key.enter) return {...s, editingFilter: false};
		if (key.backspace) return {...s, filter: [...s.filter].slice(0, -1).join(''), selected: 0};
		// Printable text only: a pasted control character never enters the filter.
		const text = key.input.replace(/[\p{Cc}\p{Cf}]/gu, '');
		return text === '' ? s : {...s, filter: s.filter + text, selected: 0};
	}
	if (s.detail !== null) {
		if (key.escape || key.input === 'h' || key.input === 'q') {
			return key.input === 'q' ? {...s, quit: true} : {...s, detail: null};
		}
		if (key.input === 'r') return {...s, refresh: true};
		return s;
	}
	if (key.input === 'q') return {...s, quit: true};
	if (key.up || key.input === 'k') return {...s, selected: clamp(s.selected - 1)};
	if (key.down || key.input === 'j') return {...s, selected: clamp(s.selected + 1)};
	if (key.pageUp) return {...s, selected: clamp(s.selected - page)};
	if (key.pageDown) return {...s, selected: clamp(s.selected + page)};
	if (key.input === 'g') return {...s, selected: 0};
	if (key.input === 'G') return {...s, selected: last};
	if (key.input === 's') {
		const next = sortKeys[(sortKeys.indexOf(s.sort) + 1) % sortKeys.length] ?? 'health';
		return {...s, sort: next, selected: 0};
	}
	if (key.input === 'S') return {...s, reverse: !s.reverse, selected: 0};
	if (key.input === '/') return {...s, editingFilter: true};
	if (key.input === 'r') return {...s, refresh: true};
	if (key.escape) return {...s, filter: ''};
	if (key.enter) {
		const instance = instances[s.selected];
		return instance === undefined ? s : {...s, detail: instance};
	}
	return s;
}
