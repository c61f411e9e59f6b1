// Summarises a V8 .cpuprofile (node --cpu-prof) over a time window: where the busy time went, by
// function (self and inclusive) and by origin (mcptop, a package, Node's internals, GC).
import fs from 'node:fs';
import {SourceMap, type SourceMapPayload} from 'node:module';
import path from 'node:path';

type CallFrame = {functionName: string; url: string; lineNumber: number; columnNumber: number};
type ProfileNode = {id: number; callFrame: CallFrame; children?: number[]};
type CpuProfile = {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
};

export type ProfileSummary = {text: string; markdown: string};

const special = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

// The built CLI is one bundle (scripts/bundle.mjs) with a source map beside it: a frame's position in
// the bundle maps back to the module it came from (node_modules/ink/…, dist/monitor/…). Without a map
// (an unminified bundle), esbuild's region comments ("// node_modules/ink/build/output.js") do it.
type Locate = (line: number, column: number) => string | null;
const locators = new Map<string, Locate | null>();

function locatorFor(file: string): Locate | null {
	if (locators.has(file)) return locators.get(file)!;
	let locate: Locate | null = null;
	try {
		if (fs.existsSync(`${file}.map`)) {
			const map = new SourceMap(
				JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload,
			);
			const dir = path.dirname(file);
			locate = (line, column) => {
				const entry = map.findEntry(line, column) as {originalSource?: string};
				return entry.originalSource
					? path.resolve(dir, entry.originalSource.replace(/^file:\/\//, ''))
					: null;
			};
		} else {
			const regions: Array<{line: number; file: string}> = [];
			fs.readFileSync(file, 'utf8')
				.split('\n')
				.forEach((text, line) => {
					const m = /^\/\/ ((?:node_modules|dist|source)\/\S+\.[cm]?js)$/.exec(text);
					if (m) regions.push({line, file: m[1]!});
				});
			if (regions.length > 0) {
				locate = (line) => {
					let found: string | null = null;
					for (const r of regions) {
						if (r.line > line) break;
						found = r.file;
					}
					return found === null ? null : path.join(path.dirname(path.dirname(file)), found);
				};
			}
		}
	} catch {
		// Not a readable file, or a map we cannot read: frames keep the bundle's own path.
	}
	locators.set(file, locate);
	return locate;
}

/** The file a frame's code came from: inside the bundle, the bundled module's own path. */
function sourceUrl(frame: CallFrame, root: string): string {
	const url = frame.url.replace(/^file:\/\//, '');
	if (!url.startsWith(root) || !url.endsWith('.js')) return url;
	return locatorFor(url)?.(frame.lineNumber, frame.columnNumber) ?? url;
}

function origin(frame: CallFrame, root: string): string {
	if (special.has(frame.functionName) && frame.url === '') return frame.functionName;
	const url = sourceUrl(frame, root);
	if (url.startsWith('node:') || (url === '' && frame.functionName !== '')) return 'node internals';
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (pkg) return pkg[1]!;
	if (url.startsWith(root)) return 'mcptop';
	return url === '' ? '(native)' : 'other';
}

function where(frame: CallFrame, root: string): string {
	const raw = frame.url.replace(/^file:\/\//, '');
	const url = sourceUrl(frame, root);
	const shorten = (u: string) =>
		u.startsWith(root) ? u.slice(root.length + 1) : (/node_modules\/(.*)$/.exec(u)?.[1] ?? u);
	const short = shorten(url);
	if (!short) return '';
	// Inside the bundle: the module, then the bundle's line (where to look in dist/cli.js).
	return url === raw
		? `${short}:${frame.lineNumber + 1}`
		: `${/node_modules\/(.*)$/.exec(url)?.[1] ?? short} (${shorten(raw)}:${frame.lineNumber + 1})`;
}

/**
 * `window`: µs before the profile's end (the process's exit, which the caller saw) at which the
 * window starts and ends. Counting from the end: the profile starts some way into the process's life.
 */
export function summariseProfile(
	file: string,
	window: {startBeforeEndUs: number; endBeforeEndUs: number},
	root: string,
): ProfileSummary {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
	const span = profile.endTime - profile.startTime;
	const fromUs = span - window.startBeforeEndUs;
	const toUs = span - window.endBeforeEndUs;
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const key = (n: ProfileNode) =>
		`${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame, root)}`.trim();

	const self = new Map<string, number>();
	const inclusive = new Map<string, number>();
	const origins = new Map<string, number>();
	let windowUs = 0;
	let busyUs = 0;
	let t = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i] ?? 0;
		// A sample lasts until the next one.
		const duration = profile.timeDeltas[i + 1] ?? 0;
		const at = t - profile.startTime;
		if (at < fromUs || at >= toUs || duration <= 0) continue;
		windowUs += duration;
		const node = byId.get(profile.samples[i]!);
		if (!node) continue;
		const o = origin(node.callFrame, root);
		origins.set(o, (origins.get(o) ?? 0) + duration);
		if (node.callFrame.functionName === '(idle)') continue;
		busyUs += duration;
		const k = key(node);
		self.set(k, (self.get(k) ?? 0) + duration);
		const seen = new Set<string>();
		for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
			const n = byId.get(id)!;
			if (n.callFrame.functionName === '(root)') break;
			const nk = key(n);
			if (seen.has(nk)) continue;
			seen.add(nk);
			inclusive.set(nk, (inclusive.get(nk) ?? 0) + duration);
		}
	}

	const ms = (us: number) => (us / 1000).toFixed(1);
	const pct = (us: number) => (busyUs > 0 ? ((us / busyUs) * 100).toFixed(1) : '0.0');
	const top = (m: Map<string, number>, n: number) =>
		[...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
	const seconds = windowUs / 1e6;
	const heading = `busy ${ms(busyUs)} ms of ${seconds.toFixed(0)} s sampled (${((busyUs / Math.max(1, windowUs)) * 100).toFixed(2)} % of one core, main thread only)`;
	const originRows = top(origins, 12).filter(([o]) => o !== '(idle)');
	const selfRows = top(self, 15);
	const mcptopInclusive = [...inclusive.entries()]
		.filter(([k]) => /\s(dist|source)\//.test(k))
		.sort((a, b) => b[1] - a[1])
		.slice(0, 12);

	const text = [
		`  ${heading}`,
		'  by origin (self time):',
		...originRows.map(([o, us]) => `    ${ms(us).padStart(8)} ms ${pct(us).padStart(5)} %  ${o}`),
		'  top functions by self time:',
		...selfRows.map(([k, us]) => `    ${ms(us).padStart(8)} ms ${pct(us).padStart(5)} %  ${k}`),
		"  mcptop's functions by inclusive time:",
		...mcptopInclusive.map(
			([k, us]) => `    ${ms(us).padStart(8)} ms ${pct(us).padStart(5)} %  ${k}`,
		),
	].join('\n');
	const tableOf = (rows: Array<[string, number]>, label: string) =>
		[
			`| ms | % of busy | ${label} |`,
			'|---:|---:|---|',
			...rows.map(([k, us]) => `| ${ms(us)} | ${pct(us)} | \`${k.replace(/\|/g, '\\|')}\` |`),
		].join('\n');
	const markdown = [
		`${heading[0]!.toUpperCase()}${heading.slice(1)}.`,
		'',
		'By origin (self time):',
		'',
		tableOf(originRows, 'origin'),
		'',
		'Top functions by self time:',
		'',
		tableOf(selfRows, 'function  file:line'),
		'',
		"mcptop's own functions by inclusive time (time in them and everything they call):",
		'',
		tableOf(mcptopInclusive, 'function  file:line'),
	].join('\n');
	return {text, markdown};
}
