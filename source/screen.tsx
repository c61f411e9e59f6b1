// The screen: React, Ink (with Yoga's WebAssembly) and the panes. main.tsx imports this module only
// when it draws, and the bundle initialises a module reached by a dynamic import only then: --json,
// serve, --once and the commands run without any of it (BENCHMARKS.md, part 8: the collector's RSS).
import React from 'react';
import {render} from 'ink';
import {App} from './app.js';
import {installLineCache} from './render/line-cache.js';

export function drawScreen(props: React.ComponentProps<typeof App>): ReturnType<typeof render> {
	// Unchanged rows of a frame are reused (source/render/line-cache.ts, BENCHMARKS.md part 8);
	// MCPTOP_LINE_CACHE=off draws with Ink's own Output, for comparison.
	if (process.env['MCPTOP_LINE_CACHE'] !== 'off') installLineCache();
	return render(<App {...props} />, {exitOnCtrlC: false, patchConsole: false, maxFps: 20});
}
