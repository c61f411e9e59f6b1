// Runs one backup in its own process, so a test can kill it with SIGKILL part-way through.
// argv[2]: JSON of the backup config plus `pauseAt`, a project file: when the backup reaches that
// file's copy step the child prints "paused" and blocks there until it is killed. Without a pause
// the child prints the result as JSON and exits.
import fs from 'node:fs';
import {runBackup, type BackupConfig} from '../../source/actions/backup.js';

const {pauseAt, ...cfg} = JSON.parse(process.argv[2] ?? '{}') as BackupConfig & {pauseAt?: string};
const result = await runBackup(cfg, (step) => {
	if (pauseAt !== undefined && step.id === `copy:${pauseAt}` && step.status === 'running') {
		fs.writeSync(1, 'paused\n');
		// Blocks the whole process (no timers, no I/O) the way a stuck disk would.
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
	}
});
fs.writeSync(1, `${JSON.stringify(result)}\n`);
