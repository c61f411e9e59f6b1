// Bundles the compiled CLI (dist/cli.js and every module it imports, node_modules included) into that
// one file. Loading ~250 separate ES modules cost mcptop ~100 ms at every start and several MB of RSS
// (BENCHMARKS.md); one file costs neither. Whitespace, comments and dead branches are stripped (names
// are kept, so stack traces and profiles stay readable): ~10 MB less RSS at idle, measured side by
// side. dist/cli.js.map maps it back (node --enable-source-maps; the bench's profile uses it). The
// demo stack's scripts stay separate files in dist/demo/: they run as processes of their own.
import path from 'node:path';
import {build} from 'esbuild';

const memoModule = path.resolve('dist/render/memo.js');

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

// Ink measures every text node's widest line (widest-line, i.e. string-width over each line) twice a
// frame: once in Yoga's measure function (cached by Ink) and once in renderNodeToOutput (not
// cached), for every node, changed or not. string-width is exact and slow on anything but plain
// ASCII (a grapheme segmenter and Unicode property regexes per cluster; box lines, sparklines and
// "·" are not ASCII), so it was the largest single cost of an idle frame (BENCHMARKS.md, part 8).
// Every import of widest-line gets the same function remembered by text (source/render/memo.ts):
// same answers, computed once per distinct text. Ink's sources are untouched.
const widestLineMemo = {
	name: 'widest-line-memo',
	setup(b) {
		b.onResolve({filter: /^widest-line$/}, async (args) => {
			if (args.namespace === 'widest-line-memo') return undefined;
			const real = await b.resolve('widest-line', {
				kind: args.kind,
				resolveDir: args.resolveDir,
				namespace: 'widest-line-memo',
			});
			if (real.errors.length > 0) return {errors: real.errors};
			return {path: real.path, namespace: 'widest-line-memo'};
		});
		b.onLoad({filter: /.*/, namespace: 'widest-line-memo'}, (args) => ({
			contents: `import widestLine from ${JSON.stringify(args.path)};\nimport {memoByText} from ${JSON.stringify(memoModule)};\nexport default memoByText(widestLine);\n`,
			loader: 'js',
			resolveDir: process.cwd(),
		}));
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
		js: "import {createRequire as __mcptopCreateRequire} from 'node:module';\nconst require = __mcptopCreateRequire(import.meta.url);",
	},
	plugins: [devtoolsStub, widestLineMemo],
	minifyWhitespace: true,
	minifySyntax: true,
	sourcemap: 'linked',
	legalComments: 'eof',
	logLevel: 'warning',
});
