import {sanitizeText} from '../lib/sanitize.js';
import {
	categoryNames,
	type HistoryProgress,
	type HistoryReport,
	type HourBucket,
} from './history.js';

/** One line of the history as text, with the tone a screen may colour it in (never colour alone). */
export type HistoryLine = {text: string; tone?: 'critical' | 'error' | 'warning' | 'dim' | 'bold'};

// Stacked bar parts: distinct shapes, so severities read without colour.
const barChars = {critical: '█', error: '▓', warning: '▒', info: '·'} as const;

/** "5m", "2h", "7d" ago, or a date/time ("2026-12-01", "2026-12-01 10:00", ISO 8601). */
export function parseTimeBound(
	text: string,
	flag: string,
	now: number,
): {value: number} | {error: string} {
	const t = text.trim();
	const ago = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(t);
	if (ago) {
		const unit = {s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}[
			ago[2]!.toLowerCase() as 's'
		];
		return {value: now - Number(ago[1]) * unit};
	}
	const local = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(t);
	if (local) {
		const [y, mo, d, h = 0, mi = 0, s = 0] = local.slice(1).map((v) => (v ? Number(v) : 0));
		const date = new Date(y!, mo! - 1, d!, h, mi, s);
		if (date.getMonth() === mo! - 1 && date.getDate() === d) return {value: date.getTime()};
	} else if (/^\d{4}-\d\d-\d\dT/.test(t)) {
		const value = Date.parse(t);
		if (!Number.isNaN(value)) return {value};
	}
	return {
		error: `${flag}: ${JSON.stringify(text)} is not a time (write 2026-12-01, "2026-12-01 10:00", or 30m, 2h, 7d ago)`,
	};
}

function pad2(n: number): string {
	return String(n).padStart(2, '0');
}

export function formatTime(t: number | null): string {
	if (t === null) return '-';
	const d = new Date(t);
	return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function mb(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

function n(value: number): string {
	return value.toLocaleString('en-US');
}

/** A progress line: "reading server.log.1: 45% (115 MB of 256 MB)". */
export function progressLine(p: HistoryProgress): string {
	const percent = p.bytesPlanned === 0 ? 100 : Math.floor((p.bytesRead / p.bytesPlanned) * 100);
	const name = p.file.split('/').pop() ?? p.file;
	return sanitizeText(`reading ${name}: ${percent}% (${mb(p.bytesRead)} of ${mb(p.bytesPlanned)})`);
}

/** Parts joined into lines of at most `width` columns; later lines indented like the first. */
function wrap(lead: string, parts: string[], width: number, gap = '  '): string[] {
	const lines: string[] = [];
	let current = lead;
	for (const part of parts) {
		const joined = current === lead ? `${current}${part}` : `${current}${gap}${part}`;
		if (joined.length > width && current !== lead) {
			lines.push(current);
			current = `${' '.repeat(lead.length)}${part}`;
		} else current = joined;
	}
	lines.push(current);
	return lines;
}

function bar(b: HourBucket, scale: number, width: number): string {
	const alerts = b.critical + b.error + b.warning;
	if (alerts === 0) return b.info > 0 ? barChars.info : '';
	// Each severity present gets at least one cell; the rest by share.
	let out = '';
	for (const key of ['critical', 'error', 'warning'] as const) {
		const count = b[key];
		if (count === 0) continue;
		out += barChars[key].repeat(Math.max(1, Math.round((count / scale) * width)));
	}
	return out.slice(0, width);
}

/**
 * The history as lines that fit `width` columns: totals, categories, the 24-hour error rate, peak
 * hour, top error types, recommendations, and an hourly histogram by severity with empty hours shown
 * (the newest `maxHours` of them). Text from logs is sanitised.
 */
export function historyLines(
	report: HistoryReport,
	width: number,
	maxHours = Infinity,
): HistoryLine[] {
	const w = Math.max(40, Math.floor(width));
	const fit = (text: string) => sanitizeText(text, w);
	const out: HistoryLine[] = [];
	const read = report.files.filter((f) => !f.skipped && f.bytesRead > 0).length;
	out.push({
		text: fit(
			`History: ${read} file${read === 1 ? '' : 's'}, ${mb(report.bytesRead)} read, ${formatTime(report.first)} → ${formatTime(report.last)}`,
		),
		tone: 'bold',
	});
	const s = report.severities;
	const pct = (v: number) =>
		report.records === 0 ? '0%' : `${((v / report.records) * 100).toFixed(1)}%`;
	out.push({
		text: fit(
			`Records ${n(report.records)} (lines ${n(report.lines)})  critical ${n(s.critical)}  error ${n(s.error)}  warning ${n(s.warning)}  other ${n(s.info)}`,
		),
	});
	for (const text of wrap(
		'Categories ',
		categoryNames.map(
			(c) => `${c} ${n(report.categories[c].count)} (${pct(report.categories[c].count)})`,
		),
		w,
	))
		out.push({text: fit(text)});
	const w24 = report.last24h;
	const rate = w24.errorRatePercent === null ? 'n/a' : `${w24.errorRatePercent}%`;
	const level = w24.level === 'normal' ? 'OK' : w24.level.toUpperCase();
	const peak = report.peakHour
		? `${report.peakHour.hour} (${n(report.peakHour.alerts)} alerts, ${n(report.peakHour.records)} records)`
		: '-';
	out.push({
		text: fit(
			`24 h error rate ${rate} ${level} (${n(w24.errors)} errors of ${n(w24.records)} records)`,
		),
		tone: w24.level === 'high' ? 'error' : w24.level === 'moderate' ? 'warning' : undefined,
	});
	out.push({text: fit(`Peak hour ${peak}`)});
	if (report.probeEchoes > 0)
		out.push({
			text: fit(`${n(report.probeEchoes)} lines from monitors' bare connects (not alerts)`),
			tone: 'dim',
		});
	out.push({text: fit('Top error types'), tone: 'bold'});
	if (report.topErrorTypes.length === 0) out.push({text: fit('  none'), tone: 'dim'});
	for (const t of report.topErrorTypes.slice(0, 5))
		out.push({
			text: fit(`  ${n(t.count).padStart(6)}  ${t.type}${t.frame ? `  at ${t.frame}` : ''}`),
			tone: 'error',
		});
	out.push({text: fit('Recommendations'), tone: 'bold'});
	for (const r of report.recommendations)
		for (const text of wrap('  ', r.split(' '), w, ' ')) out.push({text: fit(text)});
	for (const p of report.problems) out.push({text: fit(`  ${p}`), tone: 'warning'});
	const hours = report.hourly.slice(Math.max(0, report.hourly.length - maxHours));
	out.push({
		text: fit(
			`Hourly (${barChars.critical} critical ${barChars.error} error ${barChars.warning} warning ${barChars.info} only other lines)${hours.length < report.hourly.length ? `, last ${hours.length} of ${report.hourly.length} hours` : ''}`,
		),
		tone: 'bold',
	});
	const scale = Math.max(1, ...hours.map((b) => b.critical + b.error + b.warning));
	// "2026-12-01 14:00 |" + bar + "| C 1 E 2 W 3 · 40"
	const counts = (b: HourBucket) => `C${b.critical} E${b.error} W${b.warning} ·${b.info}`;
	const countWidth = Math.max(12, ...hours.map((b) => counts(b).length));
	const barWidth = Math.max(5, w - 20 - countWidth);
	for (const b of hours) {
		const line = `${b.hour} |${bar(b, scale, barWidth).padEnd(barWidth)}| ${counts(b)}`;
		const tone =
			b.critical > 0 ? 'critical' : b.error > 0 ? 'error' : b.warning > 0 ? 'warning' : 'dim';
		out.push({text: fit(line), tone});
	}
	if (hours.length === 0) out.push({text: fit('  no dated records in the range'), tone: 'dim'});
	return out;
}
