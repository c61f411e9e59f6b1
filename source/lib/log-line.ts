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
	/^(?:[\w.-]+\s+-\s+)?\[?(?:CRITICAL|FATAL|ERROR|WARNING|WARN)\]?(?:\s+-\s+|:\s+|\s+)(?=\S)/;

/**
 * The part of a log line worth a narrow column: without its leading timestamp and level, which the
 * Alerts pane shows in columns of its own. The whole line stays in the alert (Enter shows it).
 */
export function alertMessage(text: string): string {
	const rest = withoutTimestamp(text);
	const m = leadingLevel.exec(rest);
	return m ? rest.slice(m[0].length) : rest;
}
