import type {Alert, Snapshot} from '../types.js';

// No JSON string can hold this token unescaped: the quotes around it are the value's own.
const marker = '\u0000mcptop-alert-items\u0000';
const markerJson = `"items":${JSON.stringify(marker)}`;
const comma = Buffer.from(',');
const open = Buffer.from('[');
const close = Buffer.from(']');

/**
 * The `--json` line of a snapshot as bytes: JSON.stringify(snapshot) and a newline, UTF-8. The alert
 * list (up to 500 alerts with their context lines, ~0.5 MB of a busy log's line) is the line's bulk;
 * each alert is encoded once for as long as it lives (the alert book never changes an alert in
 * place: a merge or a late traceback makes a new object), the list's bytes are joined again only
 * when the store published a new list, and the rest of the snapshot (a few KB) is stringified each
 * time. Bytes, not a string: a string that size lives in V8's large-object space, and building it
 * (and its UTF-8 copy for the write) every second under a busy log made most of mcptop's
 * mark-compact collections (BENCHMARKS.md, part 8). The line comes as its parts in order (the
 * snapshot's head, the list's bytes, its tail) for a writer that writes them together (one writev):
 * the list is then not copied into a line every tick either.
 */
export function snapshotLineParts(): (snapshot: Snapshot) => Buffer[] {
	let items: Alert[] | null = null;
	let itemsBytes = Buffer.concat([open, close]);
	const alertBytes = new WeakMap<Alert, Buffer>();
	const bytesOf = (alert: Alert) => {
		let bytes = alertBytes.get(alert);
		if (bytes === undefined) {
			bytes = Buffer.from(JSON.stringify(alert));
			alertBytes.set(alert, bytes);
		}
		return bytes;
	};
	return (snapshot) => {
		if (snapshot.alerts.items !== items) {
			items = snapshot.alerts.items;
			// JSON.stringify of an array of objects is exactly its elements' texts joined by commas.
			const parts: Buffer[] = [open];
			for (let i = 0; i < items.length; i++) {
				if (i > 0) parts.push(comma);
				parts.push(bytesOf(items[i]!));
			}
			parts.push(close);
			itemsBytes = Buffer.concat(parts);
		}
		// Replacing a key's value keeps its place in the object, so the key order is JSON.stringify's.
		const text = JSON.stringify({...snapshot, alerts: {...snapshot.alerts, items: marker}});
		const at = text.indexOf(markerJson);
		if (at < 0) return [Buffer.from(`${JSON.stringify(snapshot)}\n`)];
		return [
			Buffer.from(`${text.slice(0, at)}"items":`),
			itemsBytes,
			Buffer.from(`${text.slice(at + markerJson.length)}\n`),
		];
	};
}
