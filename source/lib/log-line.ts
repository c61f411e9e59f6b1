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

/**
 * The time a line says it was written, epoch ms, or null. Python's asctime is local time unless it
 * names a zone; the Unreal Editor writes UTC by default (-LogTimes=UTC). Syslog lines carry no year.
 */
export function lineTime(text: string): number | null {
	const first = text.charCodeAt(0);
	if (first >= 0x30 && first <= 0x39) {
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
