import {boundText, linearRegExp, patternProblem} from '../lib/safe-regex.js';
import type {Alert, Severity} from '../types.js';

/** regex: what lnav's `/` takes (on RE2, so no pattern can backtrack); text: the characters as typed. */
export type FilterMode = 'regex' | 'text';

export const severities: readonly Severity[] = ['critical', 'error', 'warning'];

export type AlertView = {
	/** The alerts that pass the filter and the severity toggles, newest first. */
	alerts: Alert[];
	/** Why the filter is not used (a bad regular expression), else null. */
	problem: string | null;
};

// One filter is typed at a time: keep its compiled form instead of compiling it for every key and tick.
let lastPattern: {
	source: string;
	test: ((text: string) => boolean) | null;
	problem: string | null;
} = {source: '', test: null, problem: null};

function compiled(source: string): {
	test: ((text: string) => boolean) | null;
	problem: string | null;
} {
	if (lastPattern.source !== source) {
		const problem = patternProblem(source, 'i');
		const re = problem === null ? linearRegExp(source, 'i') : null;
		lastPattern = {source, test: re ? (text) => re.test(text) : null, problem};
	}
	return lastPattern;
}

/**
 * The alerts whose text, severity or source matches `filter`, case-insensitive, among the severities
 * shown. Like the rules, the filter reads the first 4 KiB of each line. A regular expression that does
 * not compile filters nothing and says why; in text mode `(a+)+$` finds those six characters.
 */
export function viewAlerts(
	items: Alert[],
	filter: string,
	mode: FilterMode,
	shown?: Record<Severity, boolean>,
): AlertView {
	// Keys between two ticks (a held j, e e e) and the render after each ask the same question of
	// the same list: RE2 over 500 lines costs milliseconds, the answer kept costs nothing.
	const key = `${mode}\u0000${filter}\u0000${shown ? severities.map((s) => +shown[s]).join('') : ''}`;
	if (lastView.items === items && lastView.key === key) return lastView.view;
	const view = computeView(items, filter, mode, shown);
	lastView = {items, key, view};
	return view;
}

let lastView: {items: Alert[] | null; key: string; view: AlertView} = {
	items: null,
	key: '',
	view: {alerts: [], problem: null},
};

function computeView(
	items: Alert[],
	filter: string,
	mode: FilterMode,
	shown?: Record<Severity, boolean>,
): AlertView {
	const ofShown = shown && !severities.every((s) => shown[s]);
	const bySeverity = ofShown ? items.filter((a) => shown[a.severity]) : items;
	if (filter.trim() === '') return {alerts: bySeverity, problem: null};
	if (mode === 'text') {
		const f = boundText(filter.trim()).toLowerCase();
		return {
			alerts: bySeverity.filter(
				(a) =>
					boundText(a.text).toLowerCase().includes(f) ||
					a.severity.includes(f) ||
					a.source.toLowerCase().includes(f),
			),
			problem: null,
		};
	}
	const {test, problem} = compiled(filter);
	if (!test) return {alerts: bySeverity, problem: `bad regular expression: ${problem}`};
	return {
		alerts: bySeverity.filter(
			(a) => test(boundText(a.text)) || test(a.severity) || test(boundText(a.source)),
		),
		problem: null,
	};
}

/** The index of the next error or critical alert after `from` (step 1, older) or before it (-1). */
export function nextError(alerts: Alert[], from: number, step: 1 | -1): number | null {
	for (let i = from + step; i >= 0 && i < alerts.length; i += step) {
		if (alerts[i]!.severity !== 'warning') return i;
	}
	return null;
}

/**
 * The same alert in a newer list: the same line, or (once the tail groups a traceback's repeats by
 * exception type) the same group, whose text is its latest line.
 */
export function sameAlert(alerts: Alert[], alert: Alert): Alert | undefined {
	const group = (a: Alert) =>
		a.firstTime === alert.firstTime && a.severity === alert.severity && a.source === alert.source;
	return (
		alerts.find((a) => group(a) && a.text === alert.text) ??
		(alert.errorType
			? alerts.find((a) => group(a) && a.errorType === alert.errorType && a.frame === alert.frame)
			: undefined)
	);
}
