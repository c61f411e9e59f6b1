// A stand-in for the mcptop CLI in the demo cleanup tests: starts a demo stack, prints what it
// started as one JSON line, then crashes (`crash`) or waits to be killed (`hang`).
import {startDemoStack} from '../../source/demo/stack.js';

const mode = process.argv[2];
const demo = await startDemoStack({readyTimeoutMs: 30_000});
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write(
	`${JSON.stringify({dir: demo.dir, token: demo.token, pids: demo.pids(), started: demo.started})}\n`,
);
if (mode === 'crash') {
	setTimeout(() => {
		throw new Error('simulated crash of the CLI');
	}, 50);
} else {
	setInterval(() => undefined, 60_000);
}
