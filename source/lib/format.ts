/** Small pure formatting helpers for the panes and the one-line outputs. */
import type {EndpointStatus, EndpointTransport} from '../types.js';

export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	const count = charactersUpTo(text, width);
	if (count > width) return width === 1 ? '…' : firstCharacters(text, width - 1) + '…';
	const pad = ' '.repeat(width - count);
	return align === 'left' ? text + pad : pad + text;
}

/** The last cell of a row: cut to width, never padded (trailing spaces cost the renderer, show nothing). */
export function clip(text: string, width: number): string {
	if (width <= 0) return '';
	// A string has at least as many UTF-16 units as characters: short ones need no count.
	if (text.length <= width) return text;
	return charactersUpTo(text, width) > width ? fit(text, width) : text;
}

// Characters are code points, as [...text] counts them (a lone surrogate is one), counted in place:
// a spread of a long command line into an array of one-character strings, once a frame for each
// process row, was the largest garbage of an idle frame (BENCHMARKS.md, Tenth round).

/** Where the character starting at `i` ends: past a surrogate pair, else the next code unit. */
function characterEnd(text: string, i: number): number {
	const c = text.charCodeAt(i);
	return c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? i + 2 : i + 1;
}

/** How many characters `text` has, counting no further than limit + 1. */
function charactersUpTo(text: string, limit: number): number {
	let count = 0;
	for (let i = 0; i < text.length && count <= limit; i = characterEnd(text, i)) count++;
	return count;
}

/** The first `n` characters of `text`. */
function firstCharacters(text: string, n: number): string {
	let i = 0;
	for (let k = 0; k < n && i < text.length; k++) i = characterEnd(text, i);
	return text.slice(0, i);
}

/** A table cell: the text fitted to width - 1 and one space, so neighbours never touch. */
export function col(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	return width <= 1 ? fit(text, width) : fit(text, width - 1, align) + ' ';
}

export function formatDuration(totalSeconds: number): string {
	const s = Math.max(0, Math.floor(totalSeconds));
	const d = Math.floor(s / 86_400);
	const h = Math.floor((s % 86_400) / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	if (d > 0) return `${d}d${String(h).padStart(2, '0')}h`;
	if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
	if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
	return `${sec}s`;
}

export function formatMs(ms: number | null): string {
	if (ms === null) return '—';
	if (ms >= 10_000) return `${(ms / 1000).toFixed(0)}s`;
	if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
	if (ms >= 10) return `${ms.toFixed(0)}ms`;
	return `${ms.toFixed(1)}ms`;
}

export function formatMb(mb: number): string {
	return mb >= 10_000 ? `${(mb / 1024).toFixed(1)}G` : mb >= 100 ? mb.toFixed(0) : mb.toFixed(1);
}

export function formatClock(epochMs: number): string {
	const d = new Date(epochMs);
	return [d.getHours(), d.getMinutes(), d.getSeconds()]
		.map((n) => String(n).padStart(2, '0'))
		.join(':');
}

export function formatInterval(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const blocks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One character per sample; a failed probe is '×' so failures show without colour. */
export function sparkline(samples: Array<number | null>, width: number): string {
	const shown = samples.slice(Math.max(0, samples.length - width));
	const ok = shown.filter((v): v is number => v !== null);
	const max = ok.length > 0 ? Math.max(...ok) : 0;
	const min = ok.length > 0 ? Math.min(...ok) : 0;
	const span = max - min;
	return shown
		.map((v) => {
			if (v === null) return '×';
			if (span <= 0) return blocks[0];
			return blocks[Math.min(blocks.length - 1, Math.floor(((v - min) / span) * blocks.length))];
		})
		.join('');
}

/** "1 file", "2 files": a count with its noun. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
	return `${n} ${n === 1 ? noun : nouns}`;
}

/** Short names of how mcptop talks to the endpoint, for narrow columns. */
export const transportShort: Record<EndpointTransport, string> = {
	'streamable-http': 'mcp',
	sse: 'sse',
	ws: 'ws',
	'http-get': 'GET',
	inspector: 'proxy',
};

/** Names of how mcptop talks to the endpoint, in the operator's words. */
export const transportName: Record<EndpointTransport, string> = {
	'streamable-http': 'Streamable HTTP',
	sse: 'SSE',
	ws: 'WebSocket',
	'http-get': 'HTTP GET',
	inspector: 'Inspector proxy',
};

/** "Streamable HTTP 2026-07-28", "WebSocket 2025-06-18", "HTTP GET". */
export function endpointDescription(l: Pick<EndpointStatus, 'kind' | 'protocolVersion'>): string {
	return l.protocolVersion
		? `${transportName[l.kind]} ${l.protocolVersion}`
		: transportName[l.kind];
}
