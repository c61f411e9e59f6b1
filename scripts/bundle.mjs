// Bundles the compiled CLI (dist/cli.js and every module it imports, node_modules included) into that
// one file. Loading ~250 separate ES modules cost mcptop ~100 ms at every start and several MB of RSS
// (BENCHMARKS.md); one file costs neither. Whitespace, comments and dead branches are stripped (names
// are kept, so stack traces and profiles stay readable): ~10 MB less RSS at idle, measured side by
// side. dist/cli.js.map maps it back (node --enable-source-maps; the bench's profile uses it). The
// demo stack's scripts stay separate files in dist/demo/: they run as processes of their own.
import fs from 'node:fs/promises';
import path from 'node:path';
import {build} from 'esbuild';
import {launcherLines} from './launcher.mjs';

const memoModule = path.resolve('dist/render/memo.js');
const fastWidthModule = path.resolve('dist/render/fast-width.js');

// Ink loads React DevTools (not a dependency) only when DEV=true. Left external, the bundle would
// import it at start-up and fail; this stand-in is evaluated only if DEV=true asks for it.
const devtoolsStub = {
	name: 'react-devtools-core-stub',
	setup(b) {
		b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'stub', namespace: 'devtools'}));
		b.onLoad({filter: /.*/, namespace: 'devtools'}, () => ({
			contents:
				"throw new Error('React DevTools (DEV=true) are not in the built mcptop: run the sources with npm start');",
			loader: 'js',
		}));
	},
};

// Text measuring, the largest cost of an idle frame once unchanged rows are reused (BENCHMARKS.md,
// part 8), made cheaper without touching Ink or the packages it uses: every import of these three
// gets a wrapper around the real package, with the same answers.
// - string-width, slice-ansi: exact and slow on anything but plain ASCII (a grapheme segmenter and
//   Unicode property regexes per cluster; box lines, sparklines and "·" are not ASCII). Text made of
//   characters that cannot join a neighbour is summed and sliced by character
//   (source/render/fast-width.ts); anything else goes to the package.
// - widest-line: Ink measures every text node twice a frame, once in Yoga's measure function
//   (cached by Ink) and once in renderNodeToOutput (not cached), changed or not; the same function
//   is shared by all importers and remembered by text (source/render/memo.ts).
const fastText = {
	name: 'fast-text-measures',
	setup(b) {
		const wrap = {
			'string-width': (real) =>
				`import real from ${JSON.stringify(real)};\nimport {fastStringWidth} from ${JSON.stringify(fastWidthModule)};\nexport default fastStringWidth(real);\n`,
			'slice-ansi': (real) =>
				`import real from ${JSON.stringify(real)};\nimport width from ${JSON.stringify(stringWidthPath)};\nimport {fastSliceAnsi} from ${JSON.stringify(fastWidthModule)};\nexport default fastSliceAnsi(real, width);\n`,
			'widest-line': (real) =>
				`import real from ${JSON.stringify(real)};\nimport {memoByText} from ${JSON.stringify(memoModule)};\nexport default memoByText(real);\n`,
		};
		let stringWidthPath = '';
		b.onStart(async () => {
			const r = await b.resolve('string-width', {
				kind: 'import-statement',
				resolveDir: process.cwd(),
				namespace: 'fast-text',
			});
			stringWidthPath = r.path;
		});
		b.onResolve({filter: /^(string-width|slice-ansi|widest-line)$/}, async (args) => {
			if (args.namespace === 'fast-text') return undefined;
			const real = await b.resolve(args.path, {
				kind: args.kind,
				resolveDir: args.resolveDir,
				namespace: 'fast-text',
			});
			if (real.errors.length > 0) return {errors: real.errors};
			return {path: real.path, namespace: 'fast-text', pluginData: args.path};
		});
		b.onLoad({filter: /.*/, namespace: 'fast-text'}, (args) => ({
			contents: wrap[args.pluginData](args.path),
			loader: 'js',
			resolveDir: process.cwd(),
		}));
	},
};

// Ink 6.8 keeps every text it ever measured (measure-text.js, a Map) and every text it ever cut or
// wrapped (wrap-text.js, an object) in module-level caches that are never emptied: a clock or a
// changing figure adds an entry every tick, so a monitor left running grows for as long as it
// runs. Both become a TwoGenerationMap (source/render/memo.ts): the texts on screen stay, old ones
// age out. The edit is to those two statements only, and the build fails if Ink's text changed
// (an Ink upgrade must be looked at again, never patched silently). Offered upstream as is.
const inkCaches = {
	name: 'ink-bounded-caches',
	setup(b) {
		const edits = {
			'measure-text.js': [
				['const cache = new Map();', 'const cache = new TwoGenerationMap(4096);'],
			],
			'wrap-text.js': [
				['const cache = {};', 'const cache = new TwoGenerationMap(4096);'],
				['const cachedText = cache[cacheKey];', 'const cachedText = cache.get(cacheKey);'],
				['cache[cacheKey] = wrappedText;', 'cache.set(cacheKey, wrappedText);'],
			],
		};
		b.onLoad({filter: /[\\/]ink[\\/]build[\\/](measure-text|wrap-text)\.js$/}, async (args) => {
			let text = await fs.readFile(args.path, 'utf8');
			for (const [from, to] of edits[path.basename(args.path)]) {
				if (!text.includes(from))
					return {
						errors: [{text: `${args.path}: no "${from}" to bound (Ink changed: look again)`}],
					};
				text = text.replace(from, to);
			}
			return {
				contents: `import {TwoGenerationMap} from ${JSON.stringify(memoModule)};\n${text}`,
				loader: 'js',
				resolveDir: path.dirname(args.path),
			};
		});
	},
};

// The official MCP client (@modelcontextprotocol/client 2.x) asks, for every request it sends,
// whether the request's method has a result schema in the connection's era by validating
// `undefined` against that schema (codecResultValidator): the parse fails, as it must, and zod
// builds and formats a ZodError each time, a fifth of a ping's cost in mcptop's profile (it pings
// every tick). The answer depends only on the codec and the method, so it is remembered per codec
// and method; nothing else changes. The build fails if the SDK's text changed (an upgrade is
// looked at again, never patched silently). Offered upstream as is.
const mcpResultProbe = {
	name: 'mcp-result-probe-once',
	setup(b) {
		const from =
			'function codecResultValidator(codec, method) {\n\tconst probe = codec.validateResult(method, void 0);\n\tif (!probe.ok && probe.reason === "not-in-era") return void 0;';
		const to =
			'const mcptopInEra = new WeakMap();\nfunction codecResultValidator(codec, method) {\n\tlet known = mcptopInEra.get(codec);\n\tif (known === void 0) mcptopInEra.set(codec, known = new Map());\n\tlet inEra = known.get(method);\n\tif (inEra === void 0) {\n\t\tconst probe = codec.validateResult(method, void 0);\n\t\tinEra = !(!probe.ok && probe.reason === "not-in-era");\n\t\tknown.set(method, inEra);\n\t}\n\tif (!inEra) return void 0;';
		let patched = 0;
		b.onStart(() => {
			patched = 0;
		});
		b.onLoad(
			{filter: /[\\/]@modelcontextprotocol[\\/]client[\\/]dist[\\/][^\\/]+\.mjs$/},
			async (args) => {
				const text = await fs.readFile(args.path, 'utf8');
				if (!text.includes('function codecResultValidator(')) return undefined;
				if (!text.includes(from))
					return {
						errors: [
							{text: `${args.path}: codecResultValidator changed (the SDK changed: look again)`},
						],
					};
				patched++;
				return {
					contents: text.replace(from, to),
					loader: 'js',
					resolveDir: path.dirname(args.path),
				};
			},
		);
		b.onEnd((result) => {
			if (result.errors.length === 0 && patched !== 1)
				result.errors.push({
					text: `mcp-result-probe-once: patched ${patched} copies of codecResultValidator, expected 1 (the SDK changed: look again)`,
				});
		});
	},
};

await build({
	entryPoints: ['dist/cli.js'],
	outfile: 'dist/cli.js',
	allowOverwrite: true,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// React's production build, decided at build time: no development checks are even loaded.
	define: {'process.env.NODE_ENV': '"production"'},
	external: [
		// Loaded only where /proc is missing; a CommonJS package with optional platform parts.
		'systeminformation',
		// ws's optional native speed-ups: used when installed, else ws falls back to JavaScript.
		'bufferutil',
		'utf-8-validate',
	],
	// Bundled CommonJS (react, ws) calls require() for Node's built-ins.
	banner: {
		js: `${launcherLines.join('\n')}\nimport {createRequire as __mcptopCreateRequire} from 'node:module';\nconst require = __mcptopCreateRequire(import.meta.url);`,
	},
	plugins: [devtoolsStub, fastText, inkCaches, mcpResultProbe],
	minifyWhitespace: true,
	minifySyntax: true,
	sourcemap: 'linked',
	legalComments: 'eof',
	logLevel: 'warning',
});
