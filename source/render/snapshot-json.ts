import type {Alert, Snapshot} from '../types.js';

// No JSON string can hold this token unescaped: the quotes around it are the value's own.
const marker = '\u0000mcptop-alert-items\u0000';
const markerJson = `"items":${JSON.stringify(marker)}`;

/**
 * JSON.stringify for a stream of snapshots (`--json`), the same text, with the alert list (up to
 * 500 alerts, most of a line) serialised again only when the store published a new list.
 */
export function snapshotSerializer(): (snapshot: Snapshot) => string {
	let items: Alert[] | null = null;
	let itemsJson = '[]';
	return (snapshot) => {
		if (snapshot.alerts.items !== items) {
			items = snapshot.alerts.items;
			itemsJson = JSON.stringify(items);
		}
		// Replacing a key's value keeps its place in the object, so the key order is JSON.stringify's.
		const text = JSON.stringify({...snapshot, alerts: {...snapshot.alerts, items: marker}});
		const at = text.indexOf(markerJson);
		if (at < 0) return JSON.stringify(snapshot);
		return `${text.slice(0, at)}"items":${itemsJson}${text.slice(at + markerJson.length)}`;
	};
}
