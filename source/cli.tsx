import v8 from 'node:v8';

// React and Ink load their development builds unless NODE_ENV says otherwise; those cost several times
// the CPU per frame. This runs before either is imported.
// (Through a variable: the built bundle has NODE_ENV replaced by "production" at build time.)
const env = process.env;
env['NODE_ENV'] ??= 'production';
// The built bin's first line sets glibc's malloc tunables for this process (scripts/launcher.mjs);
// the processes mcptop starts get the environment it was started with.
if (env['MCPTOP_TUNED'] === '1') {
	delete env['GLIBC_TUNABLES'];
	delete env['MCPTOP_TUNED'];
}
// A monitor allocates little per tick; V8's young generation would still grow to 32 MB. Keeping it at
// its initial size saves ~30 MB of RSS for ~0.3 % of a core in scavenges (BENCHMARKS.md).
v8.setFlagsFromString('--semi-space-growth-factor=1');
const argv = process.argv.slice(2);
if (argv.includes('--demo') && !argv.some((a) => /^--(help|version|print-config)$/.test(a))) {
	const {startDemoEarly} = await import('./demo/early.js');
	startDemoEarly();
}
await import('./main.js');
