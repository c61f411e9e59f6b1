// Runs one probe in a separate process and prints its readings as JSON, so tests can check what a
// probe sees from another process (its own command line matching, another user's view).
// Usage: proc-run-probe.ts processes PATTERN | proc-run-probe.ts ports PORT
import {PortProbe} from '../../source/probes/ports.js';
import {findMatchingProcesses} from '../../source/probes/processes.js';

const [mode, arg] = process.argv.slice(2);
if (mode === 'processes' && arg) {
	const found = await findMatchingProcesses(new RegExp(arg), []);
	console.log(
		JSON.stringify({self: process.pid, parent: process.ppid, pids: found.map((p) => p.pid)}),
	);
} else if (mode === 'ports' && arg) {
	const readings = await new PortProbe({ports: [{port: Number(arg), name: 'test'}]}).sample();
	console.log(JSON.stringify(readings));
} else {
	console.error('usage: proc-run-probe.ts processes PATTERN | ports PORT');
	process.exit(2);
}
