// Leading timestamps make every repeat of a message unique; they are left out of an alert's identity
// and out of the text the Alerts pane shows (its own columns give the time and the severity).
const leadingTimestamp = [
	// Python logging: 2025-09-17 10:00:00,123 - (and ISO 8601 variants)
	/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*(?:-\s*)?/,
	// Unreal: [2025.09.17-10.00.00:123][  0]
	/^\[\d{4}\.\d{2}\.\d{2}-\d{2}\.\d{2}\.\d{2}:\d{3}\]\[\s*\d+\]/,
	// syslog: Sep 17 10:00:00
	/^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\s+/,
];

export function withoutTimestamp(text: string): string {
	for (const pattern of leadingTimestamp) {
		const m = pattern.exec(text);
		if (m) return text.slice(m[0].length);
	}
	return text;
}

// After the timestamp, Python's formats put the level (optionally after the logger name):
// "ERROR - msg", "mcp.server - ERROR - msg", "[ERROR] msg", "ERROR: msg", "ERROR msg".
const leadingLevel =
	/^(?:[\w.-]+\s+-\s+)?\[?(?:CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG)\]?(?:\s+-\s+|:\s+|\s+)(?=\S)/;

/**
 * The part of a log line worth a narrow column: without its leading timestamp and level, which the
 * Alerts pane shows in columns of its own. The whole line stays in the alert (Enter shows it).
 */
export function alertMessage(text: string): string {
	const rest = withoutTimestamp(text);
	const m = leadingLevel.exec(rest);
	return m ? rest.slice(m[0].length) : rest;
}

/** A line that opens a log record: it carries a leading timestamp (Python, Unreal, ISO, syslog). */
export function hasTimestamp(text: string): boolean {
	const first = text.charCodeAt(0);
	// A digit, '[' or an upper-case letter: anything else has no timestamp, without a regex.
	if (!((first >= 0x30 && first <= 0x39) || first === 0x5b || (first >= 0x41 && first <= 0x5a)))
		return false;
	for (const pattern of leadingTimestamp) if (pattern.test(text)) return true;
	return false;
}

const pythonTime =
	/^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?/;
const unrealTime = /^\[(\d{4})\.(\d\d)\.(\d\d)-(\d\d)\.(\d\d)\.(\d\d):(\d{3})\]/;

// Python's asctime is local time: the local epoch of each "YYYY-MM-DD HH" is worked out once (a zone
// changes its offset on the hour, if at all), then minutes, seconds and milliseconds are added.
let hourKey = '';
let hourBase = 0;

function readDigits(text: string, start: number, count: number): number {
	let value = 0;
	for (let i = start; i < start + count; i++) {
		const d = text.charCodeAt(i) - 0x30;
		if (d < 0 || d > 9) return -1;
		value = value * 10 + d;
	}
	return value;
}

/**
 * The time a line says it was written, epoch ms, or null. Python's asctime is local time unless it
 * names a zone; the Unreal Editor writes UTC by default (-LogTimes=UTC). Syslog lines carry no year.
 */
export function lineTime(text: string): number | null {
	const first = text.charCodeAt(0);
	if (first >= 0x30 && first <= 0x39) {
		// The common case without a regex: "2025-09-17 10:00:00,123 " (comma or dot, no zone).
		const sep = text.charCodeAt(19);
		if (
			text.length >= 23 &&
			text.charCodeAt(4) === 0x2d &&
			text.charCodeAt(13) === 0x3a &&
			(sep === 0x2c || sep === 0x2e) &&
			(text.length === 23 || text.charCodeAt(23) === 0x20)
		) {
			const mi = readDigits(text, 14, 2);
			const s = readDigits(text, 17, 2);
			const ms = readDigits(text, 20, 3);
			if (mi >= 0 && s >= 0 && ms >= 0) {
				const key = text.slice(0, 13);
				if (key !== hourKey) {
					const y = readDigits(text, 0, 4);
					const mo = readDigits(text, 5, 2);
					const d = readDigits(text, 8, 2);
					const h = readDigits(text, 11, 2);
					if (y < 0 || mo < 0 || d < 0 || h < 0) return null;
					hourBase = new Date(y, mo - 1, d, h).getTime();
					hourKey = key;
				}
				return hourBase + mi * 60_000 + s * 1000 + ms;
			}
		}
		const m = pythonTime.exec(text);
		if (!m) return null;
		const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
			number,
			number,
			number,
			number,
			number,
			number,
		];
		const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
		const zone = m[8];
		if (zone === undefined) return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
		const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
		if (zone === 'Z') return utc;
		const sign = zone[0] === '-' ? -1 : 1;
		const digits = zone.slice(1).replace(':', '');
		return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
	}
	if (first === 0x5b) {
		const m = unrealTime.exec(text);
		if (!m) return null;
		const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as number[];
		return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
	}
	return null;
}
