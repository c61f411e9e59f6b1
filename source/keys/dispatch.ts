import type {KeyHint} from '../components/KeyBar.js';
import {initialUiState, type KeyContext, type UiState} from '../ui/state.js';
import {bindings, scopeTitles, type Binding, type Scope} from './bindings.js';
import {keyLabel, type KeyPress} from './key-name.js';

/**
 * The scopes in force, first match wins. Typing a filter, a view and a question each take every key
 * (only `always` passes them); an action's result lets the panes' keys through.
 */
export function activeScopes(state: UiState, context: KeyContext): Scope[] {
	if (state.filter.editing) return ['always', 'typing'];
	if (state.view) return ['always', state.view, 'view'];
	if (context.dialog === 'confirm') return ['always', 'confirm'];
	if (context.dialog === 'pick') return ['always', 'pick'];
	return ['always', ...(context.dialog === 'done' ? (['done'] as const) : []), state.focus, 'main'];
}

const byScope = new Map<Scope, Binding[]>();
for (const b of bindings) byScope.set(b.scope, [...(byScope.get(b.scope) ?? []), b]);

/** The binding a key reaches in these scopes, or null when it means nothing here. */
export function bindingFor(press: KeyPress, scopes: readonly Scope[]): Binding | null {
	for (const scope of scopes) {
		for (const b of byScope.get(scope) ?? []) {
			if (b.keys.includes(press.key)) return b;
			if (press.text !== '' && b.keys.includes('Text')) return b;
		}
	}
	return null;
}

/** Whether the key bar shows the binding as off (an action mcptop cannot start right now). */
export function isOff(binding: Binding, context: KeyContext): boolean {
	return binding.action.type === 'run'
		? context.busy || !context.available(binding.action.kind)
		: false;
}

/** The key bar: the labelled bindings of the scopes in force, in the table's order. */
export function keyHints(state: UiState, context: KeyContext): KeyHint[] {
	const inForce = activeScopes(state, context);
	const scopes = new Set(inForce);
	const seen = new Set<string>();
	const hints: KeyHint[] = [];
	let last: Binding | null = null;
	for (const b of bindings) {
		const previous = last;
		last = null;
		if (!b.label || !scopes.has(b.scope)) continue;
		const key = keyLabel(b.keys[0]!);
		// A key bound in a scope before this one (Esc in a result, before the panes' Esc) wins there.
		if (seen.has(key) || bindingFor({key: b.keys[0]!, text: ''}, inForce) !== b) continue;
		seen.add(key);
		const label = typeof b.label === 'string' ? b.label : b.label(state, context);
		last = b;
		// The binding just before, of the same scope and word, shown: one hint with both keys.
		const before = hints.at(-1);
		if (previous?.scope === b.scope && before?.label === label && !before.disabled) {
			before.keys = [...(before.keys ?? [before.key]), key];
			before.key += key;
			continue;
		}
		hints.push({key, label, ...(isOff(b, context) ? {disabled: true} : {})});
	}
	return hints;
}

/** One row: groups of alternative keys ([['↑', 'k'], ['↓', 'j']] is "↑/k ↓/j"), and what they do. */
export type HelpRow = {keys: string[][]; text: string};

export function rowKeys(row: HelpRow): string {
	return row.keys.map((alternatives) => alternatives.join('/')).join(' ');
}
export type HelpSection = {scope: Scope; title: string; rows: HelpRow[]};

function scopeTitle(scope: Scope): string {
	return scopeTitles[scope] ?? `in the ${scope} view`;
}

/**
 * Every binding by scope, for the help and the README: consecutive bindings of a scope with the
 * same line share a row ("↑/k ↓/j"); a binding's own keys are alternatives ("Esc/q").
 */
export function helpSections(): HelpSection[] {
	const order = [
		...(Object.keys(scopeTitles) as Scope[]),
		...bindings.map((b) => b.scope).filter((s) => !(s in scopeTitles)),
	];
	const sections: HelpSection[] = [];
	for (const scope of new Set(order)) {
		const rows: HelpRow[] = [];
		let last: Binding | null = null;
		for (const b of byScope.get(scope) ?? []) {
			const keys = b.keys.map(keyLabel);
			if (last && last.help === b.help) rows.at(-1)!.keys.push(keys);
			else rows.push({keys: [keys], text: b.help});
			last = b;
		}
		if (rows.length > 0) sections.push({scope, title: scopeTitle(scope), rows});
	}
	return sections;
}

/** The README's key table (Markdown, before Prettier pads its columns). */
export function readmeKeyTable(): string {
	const code = (row: HelpRow) =>
		row.keys.map((alternatives) => alternatives.map((k) => `\`${k}\``).join('/')).join(' ');
	const lines = ['| key | where | what it does |', '| --- | --- | --- |'];
	for (const section of helpSections()) {
		for (const row of section.rows) {
			lines.push(`| ${code(row).replaceAll('|', '\\|')} | ${section.title} | ${row.text} |`);
		}
	}
	return lines.join('\n');
}

/**
 * The keys on the panes in one line, for `mcptop --help`: the key bar's labelled keys with nothing
 * open and every action available, from the table, so the help text cannot name a key that does
 * something else.
 */
export function keySummary(): string {
	const idle: KeyContext = {
		dialog: 'idle',
		notice: false,
		busy: false,
		paused: false,
		available: () => true,
		alerts: [],
		lines: {ports: 0, processes: 0, latency: 0, alerts: 0},
		page: 1,
		viewMax: () => 0,
	};
	return keyHints(initialUiState, idle)
		.map((h) => `${h.key} ${h.label}`)
		.join(', ');
}
