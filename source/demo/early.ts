// `mcptop --demo` starts the demo stack before Ink and React are even loaded, so the stack's processes
// boot while the monitor's modules load: the first full frame comes ~150 ms sooner.
import {startDemoStack, type DemoStack} from './stack.js';

export type EarlyDemo = {stack: Promise<DemoStack>; messages: string[]};

let early: EarlyDemo | null = null;

export function startDemoEarly(): void {
	const messages: string[] = [];
	const stack = startDemoStack({
		preferredPorts: {mcp: 6277, bridge: 8080},
		log: (message) => messages.push(message),
	});
	// Awaited later by main; until then a failure must not count as unhandled.
	stack.catch(() => undefined);
	early = {stack, messages};
}

/** The stack started early, once; null when none was. */
export function takeEarlyDemo(): EarlyDemo | null {
	const taken = early;
	early = null;
	return taken;
}
