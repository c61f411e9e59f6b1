// The first two lines of the built dist/cli.js: a POSIX shell line that starts node with mcptop's
// memory settings, and that JavaScript reads as a string and a comment. glibc's malloc raises its mmap
// threshold to the largest block ever freed (node frees multi-MB buffers while loading), after which
// V8's compiler zones and node's read buffers come from arenas that keep what they freed: ~10 MB of an
// idle mcptop's RSS, measured side by side (BENCHMARKS.md, fifth round). A fixed threshold returns
// blocks of 64 KB and more to the system when freed. Only set when the caller has set no tunables of
// their own; musl and macOS ignore the variable. `exec` keeps the PID the shell started with.
// MCPTOP_TUNED says the launcher set them: mcptop then removes both from its environment at start, so
// the processes it starts (the server it restarts, validation, the demo) run with their own defaults.
// `node dist/cli.js` skips this line and runs with glibc's defaults.
export const glibcTunables = 'glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=131072';

export const launcherLines = [
	'#!/bin/sh',
	`":" //; [ -n "$GLIBC_TUNABLES" ] || export GLIBC_TUNABLES=${glibcTunables} MCPTOP_TUNED=1; exec node "$0" "$@"`,
];
