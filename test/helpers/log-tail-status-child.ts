// One LogTail on the path given as the first argument, run until its first read cycle is over; prints
// its status as JSON. Lets a test run the probe as another user, since root may read every file.
import {LogTail} from '../../source/probes/log-tail.js';

const file = process.argv[2] ?? '';
const tail = new LogTail({
	path: file,
	classifier: {classify: () => null, rules: []},
	pollMs: 20,
	watch: false,
	onBatch: () => undefined,
});
tail.start();
// The second cycle starts only after the first has finished.
for (let i = 0; i < 500 && tail.progress().cycles < 2; i++) {
	await new Promise((resolve) => setTimeout(resolve, 10));
}
process.stdout.write(JSON.stringify(tail.status()) + '\n');
await tail.stop();
