// Bundles the compiled CLI (dist/cli.js and every module it imports, node_modules included) into that
// one file. Loading ~250 separate ES modules cost mcptop ~100 ms at every start and several MB of RSS
// (BENCHMARKS.md); one file costs neither. Whitespace, comments and dead branches are stripped (names
// are kept, so stack traces and profiles stay readable): ~10 MB less RSS at idle, measured side by
// side. dist/cli.js.map maps it back (node --enable-source-maps; the bench's profile uses it). The
// demo stack's scripts stay separate files in dist/demo/: they run as processes of their own.
import {build} from 'esbuild';

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
	plugins: [devtoolsStub],
	minifyWhitespace: true,
	minifySyntax: true,
	sourcemap: 'linked',
	legalComments: 'eof',
	logLevel: 'warning',
});
