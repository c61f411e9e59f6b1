// Checks for the metrics and fleet settings, shared by config.ts (config keys and flags) and the
// server. Each returns what is wrong in the operator's words, or null.

export type ListenAddress = {host: string; port: number};

/** "127.0.0.1:9464", "[::1]:9464", ":9464" (every address, said out loud by the README). */
export function parseListen(text: string): ListenAddress | string {
	const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(text.trim());
	if (!m) return `${JSON.stringify(text)} is not HOST:PORT (example: 127.0.0.1:9464)`;
	const port = Number(m[3]);
	if (port > 65_535) return `${JSON.stringify(text)}: port ${port} is above 65535`;
	const host = m[1] ?? (m[2] || '0.0.0.0');
	return {host, port};
}

/** Loopback addresses: anything else exposes the metrics to the network (README warns). */
export function isLoopback(host: string): boolean {
	return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function prometheusUrlProblem(url: string): string | null {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return `${JSON.stringify(url)} is not a URL (example: http://127.0.0.1:9090)`;
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
		return `${JSON.stringify(url)} must start with http:// or https://`;
	return null;
}

const matcher = /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*$/;

/** A PromQL label matcher list without braces: job="mcptop", env=~"build-.*". */
export function labelMatchProblem(text: string): string | null {
	if (text.trim() === '') return 'must not be empty (example: job="mcptop")';
	// Split on commas outside quotes.
	const parts: string[] = [];
	let current = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i] ?? '';
		if (c === '\\' && quoted) {
			current += c + (text[i + 1] ?? '');
			i++;
			continue;
		}
		if (c === '"') quoted = !quoted;
		if (c === ',' && !quoted) {
			parts.push(current);
			current = '';
		} else current += c;
	}
	parts.push(current);
	for (const part of parts) {
		if (!matcher.test(part))
			return `${JSON.stringify(part.trim())} is not a label matcher (example: job="mcptop")`;
	}
	return null;
}
