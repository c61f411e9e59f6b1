// Log text as Python's logging writes it, with known counts, for the history and live tests.

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Python asctime (local time) for a Date built from local parts. */
export function asctime(d: Date, ms = 0): string {
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(ms, 3)}`;
}

export function at(y: number, mo: number, d: number, h: number, mi = 0, s = 0): Date {
	return new Date(y, mo - 1, d, h, mi, s);
}

export function line(d: Date, level: string, message: string): string {
	return `${asctime(d)} - ${level} - ${message}\n`;
}

/** A Python traceback of `frames` frames ending in `file:lineNo in fn` raising `type: message`. */
export function traceback(
	frames: number,
	innermost: {file: string; line: number; fn: string},
	type: string,
	message: string,
): string {
	let text = 'Traceback (most recent call last):\n';
	for (let i = 0; i < frames - 1; i++) {
		text += `  File "/srv/mcp/lib/layer${i}.py", line ${i + 10}, in call${i}\n    return next_layer()\n`;
	}
	text += `  File "/srv/mcp/${innermost.file}", line ${innermost.line}, in ${innermost.fn}\n    value = table[key]\n`;
	return `${text}${type}: ${message}\n`;
}

/** Lines of a traceback text (its line count). */
export function lineCount(text: string): number {
	return text.split('\n').length - 1;
}

/**
 * Three days of a server log with known counts. The last hour with records is 2026-11-29 09:00;
 * 2026-11-28 11:00 and most others in between are empty.
 */
export function multiDayLog(): string {
	let text = '';
	const h10 = at(2026, 11, 28, 10);
	for (let i = 0; i < 5; i++)
		text += line(at(2026, 11, 28, 10, i), 'INFO', `Processing request ${i}`);
	text += line(at(2026, 11, 28, 10, 10), 'WARNING', 'Slow response from bridge: 900 ms');
	text += line(at(2026, 11, 28, 10, 11), 'WARNING', 'Slow response from bridge: 950 ms');
	text += line(at(2026, 11, 28, 10, 20), 'ERROR', 'Unhandled error in tool call');
	text += traceback(2, {file: 'server.py', line: 42, fn: 'get_item'}, 'KeyError', "'bp_1'");
	void h10;
	text += line(at(2026, 11, 28, 12, 5), 'CRITICAL', 'Out of memory: worker killed');
	for (let i = 0; i < 3; i++)
		text += line(at(2026, 11, 28, 12, 10 + i), 'INFO', `Client connected via websocket ${i}`);
	for (let i = 0; i < 2; i++) {
		text += line(at(2026, 11, 29, 9, i), 'ERROR', 'Unhandled error in tool call');
		text += traceback(3, {file: 'tools.py', line: 7, fn: 'run'}, 'KeyError', `'bp_${i}'`);
	}
	text += line(at(2026, 11, 29, 9, 30), 'ERROR', 'opening handshake failed');
	text +=
		'Traceback (most recent call last):\n  File "/venv/websockets/server.py", line 100, in handshake\n    raise InvalidMessage\nwebsockets.exceptions.InvalidMessage: did not receive a valid HTTP request\n';
	text += line(at(2026, 11, 29, 9, 30), 'INFO', 'connection failed (400 Bad Request)');
	return text;
}

/** When the multi-day log is read: 2026-11-29 12:00 local. */
export const multiDayNow = at(2026, 11, 29, 12).getTime();
