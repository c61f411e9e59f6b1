// The demo's stand-in for the Unreal Editor plugin: a WebSocket client of the demo server's bridge
// port. It sends a heartbeat every few seconds, answers the server's pings, and reconnects with a
// bounded backoff whenever the server goes away (a restart), until it is stopped.
import {parseArgs} from 'node:util';
import WebSocket from 'ws';

const HEARTBEAT_MS = 3000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

type EditorArgs = {bridgePort: number; demoId: string; ownerPid: number | null};

function usage(message: string): never {
	process.stderr.write(
		`${message}\nusage: fake_unreal_editor --bridge-port N --demo-id TOKEN [--owner-pid PID]\n`,
	);
	process.exit(2);
}

function readArgs(argv: string[]): EditorArgs {
	let values;
	try {
		({values} = parseArgs({
			args: argv,
			options: {
				'bridge-port': {type: 'string'},
				'demo-id': {type: 'string'},
				'owner-pid': {type: 'string'},
			},
			strict: true,
		}));
	} catch (error) {
		usage((error as Error).message);
	}

	const port = Number(values['bridge-port']);
	if (!Number.isInteger(port) || port < 1 || port > 65_535)
		usage('--bridge-port needs a port number');
	if (!values['demo-id']) usage('--demo-id needs a token');
	const owner = values['owner-pid'] === undefined ? null : Number(values['owner-pid']);
	if (owner !== null && !(Number.isInteger(owner) && owner > 0)) usage('--owner-pid needs a PID');
	return {bridgePort: port, demoId: values['demo-id'], ownerPid: owner};
}

const args = readArgs(process.argv.slice(2));
const url = `ws://127.0.0.1:${args.bridgePort}`;

function say(message: string): void {
	process.stdout.write(`${new Date().toISOString()} fake editor: ${message}\n`);
}

/** Exponential backoff with ±20 % jitter, capped, so a restarted server is found within seconds. */
function retryDelayMs(failures: number): number {
	const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures, 10));
	return Math.round(base * (0.8 + Math.random() * 0.4));
}

let failures = 0;
let socket: WebSocket | undefined;
let stopping = false;

function connect(): void {
	const ws = new WebSocket(url, {handshakeTimeout: 5000});
	socket = ws;
	let heartbeat: NodeJS.Timeout | undefined;
	let closed = false;
	let seq = 0;

	ws.on('open', () => {
		failures = 0;
		say(`connected to ${url}`);
		ws.send(
			JSON.stringify({
				type: 'hello',
				editor: 'UnrealEditor 5.4 (mcptop demo)',
				demoId: args.demoId,
			}),
		);
		heartbeat = setInterval(() => {
			ws.send(JSON.stringify({type: 'heartbeat', seq: ++seq, time: Date.now()}));
		}, HEARTBEAT_MS);
	});

	ws.on('message', (data) => {
		try {
			const message = JSON.parse(String(data)) as {type?: unknown; id?: unknown};
			if (message.type === 'ping') ws.send(JSON.stringify({type: 'pong', id: message.id}));
		} catch {
			say('ignored a malformed message from the server');
		}
	});

	ws.on('error', (error) => {
		// 'close' follows every 'error'; reconnecting happens there, once.
		if (failures === 0) say(`bridge error: ${error.message}`);
	});

	ws.on('close', (code) => {
		if (closed) return;
		closed = true;
		clearInterval(heartbeat);
		if (stopping) return;
		const delay = retryDelayMs(failures);
		failures++;
		say(`disconnected (code ${code}); reconnecting in ${delay} ms`);
		setTimeout(connect, delay);
	});
}

function stop(reason: string): void {
	if (stopping) return;
	stopping = true;
	say(`stopping (${reason})`);
	socket?.close(1001, 'Editor closing');
	setTimeout(() => process.exit(0), 100);
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

if (args.ownerPid !== null) {
	const owner = args.ownerPid;
	// Leave when the mcptop that started the demo is gone without cleaning up (SIGKILL).
	setInterval(() => {
		try {
			process.kill(owner, 0);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ESRCH') stop(`mcptop pid ${owner} is gone`);
		}
	}, 2000);
}

connect();
