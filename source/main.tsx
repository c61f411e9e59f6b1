import process from 'node:process';
import meow from 'meow';
import {ActionRunner} from './actions/runner.js';
import {actionDefinitions} from './actions/definitions.js';
import {writeIncidentDump} from './actions/incident-dump.js';
import {runCommand, commandNames} from './commands.js';
import {ConfigError, loadConfig, readToken} from './config.js';
import {takeEarlyDemo} from './demo/early.js';
import {startDemoStack, type DemoStack} from './demo/stack.js';
import {createProbes} from './monitor/probes.js';
import {MonitorStore} from './monitor/store.js';
import {releaseHungUpTerminal} from './lib/hangup.js';
import {sanitizeText} from './lib/sanitize.js';
import {keySummary} from './keys/dispatch.js';
import {readMetricsToken, Telemetry} from './metrics/telemetry.js';
import {snapshotLineParts} from './render/snapshot-json.js';
import type {Config} from './types.js';

const flagSpec = {
	config: {type: 'string'},
	interval: {type: 'string'},
	endpoint: {type: 'string'},
	transport: {type: 'string'},
	port: {type: 'string', isMultiple: true},
	match: {type: 'string'},
	log: {type: 'string', isMultiple: true},
	projectDir: {type: 'string'},
	stateDir: {type: 'string'},
	once: {type: 'boolean', default: false},
	json: {type: 'boolean', default: false},
	color: {type: 'boolean', default: true},
	readOnly: {type: 'boolean', default: false},
	yes: {type: 'boolean', default: false},
	demo: {type: 'boolean', default: false},
	printConfig: {type: 'boolean', default: false},
	since: {type: 'string'},
	until: {type: 'string'},
	metricsListen: {type: 'string'},
	prom: {type: 'boolean', default: false},
	textfile: {type: 'string'},
	prometheus: {type: 'string'},
} as const;

const cli = parseFlags(() =>
	meow(
		`
  Usage
    $ mcptop [options]                 live monitor (JSON lines when stdout is not a terminal)
    $ mcptop validate|backup|restart   run an action without the screen
    $ mcptop restore [ID]              list backups, or restore backup ID
    $ mcptop logs [FILE...]            history of the logs (default: the configured ones)
    $ mcptop doctor                    why won't it start: startup diagnostics (--json; exit 1 on a FAIL)
    $ mcptop serve                     headless collector: Prometheus /metrics, health reports
    $ mcptop fleet --prometheus URL    every build machine from Prometheus (--once --json: rows)

  Options
    --config PATH     config file (default ./mcptop.config.json, else ~/.config/mcptop/config.json)
    --interval TIME   refresh interval: 1000, 500ms, 2s (default 1s)
    --endpoint URL    MCP endpoint (default http://127.0.0.1:6277: finds /mcp, /sse or the Inspector)
    --transport KIND  auto (default), streamable-http, sse, ws or http-get
    --port N[:NAME[:clients]]   a port to watch; repeatable; replaces the configured list
    --match REGEX     server process command-line pattern (default unreal_blueprint_mcp_server)
    --log PATH        a log file to tail; repeatable; replaces the configured list
    --project-dir DIR project directory (files to back up, restart's working directory)
    --state-dir DIR   where reports, incident dumps and backups go
    --once            one full probe round, print, exit 0 healthy / 1 not
    --json            JSON output (one snapshot per interval; with --once, one snapshot)
    --no-color        no colours (NO_COLOR is honoured too)
    --read-only       disable every action that stops a process or writes project files
    --yes             answer yes to confirmations (subcommands)
    --demo            start the built-in demo stack and watch it
    --print-config    print the effective config and exit
    --since TIME      logs: from this time (2026-12-01, "2026-12-01 10:00", or 2h, 7d ago)
    --until TIME      logs: up to this time
    --metrics-listen HOST:PORT  serve /metrics and /healthz (serve: default 127.0.0.1:9464)
    --prom            with --once: print the Prometheus metrics instead
    --textfile DIR    write DIR/mcptop.prom for node_exporter's textfile collector
    --prometheus URL  the Prometheus the fleet view reads (fleet.prometheus)
    --help, --version

  Keys: ${wrapList(keySummary(), 92, '\n        ')} (? on the screen lists every key)

  Exit codes: 0 ok, 1 the check or action failed, 2 usage or configuration error
`,
		{
			importMeta: import.meta,
			// Checked below, so an unknown flag gets the same one-line message and exit 2 as other mistakes.
			allowUnknownFlags: true,
			flags: flagSpec,
		},
	),
);

/** A list ("a x, b y, …") cut into lines of at most `width` characters between its items. */
function wrapList(text: string, width: number, joint: string): string {
	const lines: string[] = [];
	for (const item of text.split(', ')) {
		const last = lines.length - 1;
		if (last >= 0 && lines[last]!.length + item.length + 2 < width) lines[last] += `, ${item}`;
		else lines.push(item);
	}
	return lines.join(`,${joint}`);
}

/** meow throws for a single-value flag given twice: the same one-line usage error as other mistakes. */
function parseFlags<T>(parse: () => T): T {
	try {
		return parse();
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const twice = /^The flag --(\w+) can only be set once/.exec(message);
		if (!twice) fail(message);
		fail(`${kebab(twice[1] ?? '')}: given more than once (it takes one value)`);
	}
}

function kebab(name: string): string {
	return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function fail(message: string, code = 2): never {
	process.stderr.write(`mcptop: ${message}\n`);
	process.exit(code);
}

function applyDemo(config: Config, demo: DemoStack): Config {
	const o = demo.config;
	return {
		...config,
		// Only this demo's server: a restart must never touch another server on the machine.
		process: {match: demo.processMatch},
		endpoint: {...config.endpoint, ...o.endpoint},
		ports: o.ports,
		logs: o.logs,
		project: {...config.project, ...o.project},
		restart: {...config.restart, ...o.restart},
		backup: {...config.backup, ...o.backup},
		stateDir: o.stateDir,
	};
}

// First of the exit handlers: after a hang-up the others write to /dev/null, not a dead terminal.
process.on('exit', releaseHungUpTerminal);

const cleanups: Array<() => Promise<void> | void> = [];
// Quitting is bounded: the cleanups together get this long, then the process exits whatever still
// waits (a probe that does not let go, a server that does not answer). process.exit runs the 'exit'
// handlers, which leave the alternate screen, show the cursor and signal the demo's processes.
const shutdownBudgetMs = 1200;
let exiting: Promise<never> | null = null;

function shutdown(code: number): Promise<never> {
	exiting ??= (async (): Promise<never> => {
		const deadline = Date.now() + shutdownBudgetMs;
		setTimeout(() => process.exit(code), shutdownBudgetMs);
		const steps = cleanups.reverse();
		for (const [index, cleanup] of steps.entries()) {
			// Each waits at most its share of the time left, so the later ones (the demo's stop) still
			// start in time; one that is cut short goes on while the next runs.
			const share = Math.max(0, (deadline - Date.now()) / (steps.length - index));
			let timer: NodeJS.Timeout | undefined;
			try {
				await Promise.race([
					(async () => cleanup())(),
					new Promise((resolve) => {
						timer = setTimeout(resolve, share);
					}),
				]);
			} catch {
				// Best effort: every cleanup gets its turn.
			} finally {
				clearTimeout(timer);
			}
		}
		process.exit(code);
	})();
	// A second call (the screen closing because the first one unmounted it) waits for the first.
	return exiting;
}

const knownFlags = new Set([
	...Object.keys(flagSpec).map((name) => kebab(name).slice(2)),
	'no-color',
	'help',
	'version',
]);
const valueFlags = new Set(
	Object.entries(flagSpec)
		.filter(([, spec]) => spec.type === 'string')
		.map(([name]) => kebab(name).slice(2)),
);

// meow loses a missing value: "--log" last, before another flag or as "--log=" keeps the configured
// list, and a bare "--config" would search for a config instead. Each is a mistake: say so.
function checkFlags(argv: string[]): void {
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		if (arg === '--') return;
		if (!arg.startsWith('-') || arg === '-') continue;
		const [name = '', ...value] = arg.replace(/^--?/, '').split('=');
		if (!knownFlags.has(name)) fail(`unknown flag ${arg.split('=')[0]} (see mcptop --help)`);
		if (!valueFlags.has(name)) continue;
		if (value.length > 0) {
			if (value.join('=') === '') fail(`--${name}: must not be empty`);
			continue;
		}
		const next = argv[i + 1];
		if (next === undefined) fail(`--${name}: needs a value`);
		// The parser reads "-5" as a value, and "-x", "--x" or "-" as what comes after the flag.
		if (next.startsWith('-') && !/^-\d/.test(next))
			fail(`--${name}: needs a value (write --${name}=${next} for one that starts with -)`);
		i++;
	}
}

async function main(): Promise<void> {
	checkFlags(process.argv.slice(2));
	if (cli.flags.prom && !cli.flags.once)
		fail('--prom: prints the metrics once, with --once (mcptop --once --prom)');
	const [command, ...args] = cli.input;
	if (command !== undefined && !commandNames.includes(command)) {
		fail(
			`unknown command ${JSON.stringify(command)} (commands: ${commandNames.join(', ')}; see --help)`,
		);
	}
	let loaded: ReturnType<typeof loadConfig>;
	try {
		loaded = loadConfig({
			config: cli.flags.config,
			interval: cli.flags.interval,
			endpoint: cli.flags.endpoint,
			transport: cli.flags.transport,
			port: cli.flags.port,
			match: cli.flags.match,
			log: cli.flags.log,
			projectDir: cli.flags.projectDir,
			stateDir: cli.flags.stateDir,
			readOnly: cli.flags.readOnly,
			color: cli.flags.color,
			metricsListen: cli.flags.metricsListen,
			textfile: cli.flags.textfile,
			prometheus: cli.flags.prometheus,
		});
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message);
		throw error;
	}
	let config = loaded.config;
	if (cli.flags.printConfig) {
		process.stdout.write(JSON.stringify(config, null, 2) + '\n');
		return;
	}
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		const code = signal === 'SIGINT' ? 130 : 0;
		// A second signal while the cleanups run: the operator means it, exit at once.
		process.on(signal, () => (exiting ? process.exit(code) : void shutdown(code)));
	}
	if (cli.flags.demo) {
		const interactive = process.stdout.isTTY && !cli.flags.json && !cli.flags.once && !command;
		const say = (message: string) => {
			if (!interactive) process.stderr.write(`mcptop demo: ${message}\n`);
		};
		const early = takeEarlyDemo();
		let demo: DemoStack;
		try {
			demo = await (early?.stack ??
				startDemoStack({preferredPorts: {mcp: 6277, bridge: 8080}, log: say}));
			for (const message of early?.messages ?? []) say(message);
		} catch (error) {
			fail(
				`the demo stack did not start: ${error instanceof Error ? error.message : String(error)}`,
				1,
			);
		}
		cleanups.push(() => demo.stop());
		config = applyDemo(config, demo);
	}
	const token = readToken(config);
	if (command === 'fleet') {
		const {runFleet} = await import('./fleet/command.js');
		const code = await runFleet(config, {once: cli.flags.once, json: cli.flags.json});
		return void (await shutdown(code));
	}
	if (command && command !== 'serve') {
		const code = await runCommand(command, args, config, {
			token,
			yes: cli.flags.yes,
			json: cli.flags.json,
			interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
			...(cli.flags.since === undefined ? {} : {since: cli.flags.since}),
			...(cli.flags.until === undefined ? {} : {until: cli.flags.until}),
		});
		return void (await shutdown(code));
	}

	let lastAutoDump = 0;
	let store: MonitorStore;
	// Metrics and health reports derive from the store's snapshots and the endpoint's probes.
	const telemetry = new Telemetry(config, {
		reports: !cli.flags.once,
		expose:
			command === 'serve' ||
			cli.flags.metricsListen !== undefined ||
			(cli.flags.once === true && cli.flags.prom === true),
		warn: (message) => process.stderr.write(`mcptop: ${sanitizeText(message)}\n`),
	});
	const probes = telemetry.tap(createProbes(config, token, (batch) => store.ingest(batch)));
	store = new MonitorStore(config, probes, {
		firstRoundWaitMs: config.endpoint.timeoutMs,
		// --once reports one full round: every probe's answer, or its timeout.
		...(cli.flags.once ? {roundBudgetMs: config.endpoint.timeoutMs + 500} : {}),
		onCritical: (incident) => {
			// One automatic dump a minute at most: a flood of criticals must not fill the disk (and
			// the dump's snapshot is built only for the one written).
			const now = Date.now();
			if (now - lastAutoDump < 60_000) return;
			lastAutoDump = now;
			writeIncidentDump(config.stateDir, incident()).catch((error: unknown) => {
				process.stderr.write(`mcptop: incident dump failed: ${String(error)}\n`);
			});
		},
	});
	cleanups.push(() => store.stop());
	telemetry.attach(store);
	cleanups.push(() => telemetry.stop());
	store.start();
	if (command === 'serve' || cli.flags.metricsListen !== undefined) {
		const served = await telemetry.listen(readMetricsToken(config));
		if (typeof served === 'string') {
			process.stderr.write(`mcptop: ${served}\n`);
			return void (await shutdown(2));
		}
		if (served.warning) process.stderr.write(`mcptop: warning: ${served.warning}\n`);
		if (command === 'serve') process.stderr.write(`mcptop serve: metrics on ${served.url}\n`);
	}
	if (command === 'serve') return;
	if (cli.flags.once && cli.flags.prom) {
		await store.nextRound();
		process.stdout.write((await telemetry.exposition.render('text')).body);
		return void (await shutdown(store.getSnapshot().health === 'OK' ? 0 : 1));
	}

	if (cli.flags.json || cli.flags.once || !process.stdout.isTTY) {
		if (cli.flags.once) {
			await store.nextRound();
			const snapshot = store.getSnapshot();
			if (cli.flags.json) process.stdout.write(JSON.stringify(snapshot) + '\n');
			else {
				process.stdout.write(
					`${sanitizeText(`${snapshot.health} ${snapshot.profile} @ ${snapshot.host}`)}\n`,
				);
				for (const reason of snapshot.reasons) process.stdout.write(`  ${sanitizeText(reason)}\n`);
			}
			return void (await shutdown(snapshot.health === 'OK' ? 0 : 1));
		}
		// The alert list is serialised again only when it changed (source/render/snapshot-json.ts).
		const lineParts = snapshotLineParts();
		store.subscribe(() => {
			// Corked, the line's parts leave in one writev: one line, without copying it together.
			process.stdout.cork();
			for (const part of lineParts(store.getSnapshot())) process.stdout.write(part);
			process.nextTick(() => process.stdout.uncork());
		});
		process.stdout.on('error', () => void shutdown(0));
		return;
	}

	const runner = new ActionRunner(actionDefinitions(config, token, store), {
		readOnly: config.readOnly,
	});
	telemetry.watchActions(runner);
	// The alternate screen keeps the operator's scrollback intact, as htop and k9s do.
	process.stdout.write('\u001B[?1049h');
	let leftScreen = false;
	const leaveScreen = () => {
		if (leftScreen) return;
		leftScreen = true;
		process.stdout.write('\u001B[?1049l\u001B[?25h');
	};
	process.on('exit', leaveScreen);
	// The terminal went away (a dropped SSH session, a closed pane): writes and reads fail with EIO.
	process.stdout.on('error', () => void shutdown(0));
	process.stdin.on('error', () => void shutdown(0));
	// Ink and React load here, for the screen alone (source/screen.tsx).
	const {drawScreen} = await import('./screen.js');
	const app = drawScreen({
		store,
		runner,
		config,
		onQuit: () => undefined,
		reports: telemetry.reports,
	});
	cleanups.push(() => {
		app.unmount();
		leaveScreen();
	});
	await app.waitUntilExit();
	await shutdown(0);
}

main().catch((error: unknown) => {
	process.stderr.write(
		`mcptop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	void shutdown(1);
});
