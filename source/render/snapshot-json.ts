import type {Alert, Snapshot} from '../types.js';

// No JSON string can hold this token unescaped: the quotes around it are the value's own.
const marker = '\u0000mcptop-alert-items\u0000';
const markerJson = `"items":${JSON.stringify(marker)}`;

/**
 * JSON.stringify for a stream of snapshots (`--json`), the same text, with the alert list (up to
 * 500 alerts, most of a line) serialised again only when the store published a new list, and then
 * only the alerts in it that are new: the alert book never changes an alert in place (a merge or
 * a late traceback makes a new object), so an alert's text is kept for as long as the alert lives.
 */
export function snapshotSerializer(): (snapshot: Snapshot) => string {
	let items: Alert[] | null = null;
	let itemsJson = '[]';
	const alertJson = new WeakMap<Alert, string>();
	const textOf = (alert: Alert) => {
		let text = alertJson.get(alert);
		if (text === undefined) {
			text = JSON.stringify(alert);
			alertJson.set(alert, text);
		}
		return text;
	};
	return (snapshot) => {
		if (snapshot.alerts.items !== items) {
			items = snapshot.alerts.items;
			// JSON.stringify of an array of objects is exactly its elements' texts joined by commas.
			itemsJson = `[${items.map(textOf).join(',')}]`;
		}
		// Replacing a key's value keeps its place in the object, so the key order is JSON.stringify's.
		const text = JSON.stringify({...snapshot, alerts: {...snapshot.alerts, items: marker}});
		const at = text.indexOf(markerJson);
		if (at < 0) return JSON.stringify(snapshot);
		return `${text.slice(0, at)}"items":${itemsJson}${text.slice(at + markerJson.length)}`;
	};
}
