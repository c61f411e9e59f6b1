#!/usr/bin/env node
import v8 from 'node:v8';

// React and Ink load their development builds unless NODE_ENV says otherwise; those cost several times
// the CPU per frame. This runs before either is imported.
process.env['NODE_ENV'] ??= 'production';
// A monitor allocates little per tick; V8's young generation would still grow to 32 MB. Keeping it at
// its initial size saves ~20 MB of RSS for a few more (cheap) scavenges. Measured in BENCHMARKS.md.
v8.setFlagsFromString('--semi-space-growth-factor=1');
await import('./main.js');
