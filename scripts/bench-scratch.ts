import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
const term = new xterm.Terminal({cols: 160, rows: 48, allowProposedApi: true});
const t0 = performance.now();
const p = pty.spawn(process.execPath, ['/work/main/dist/cli.js', '--demo'], {
	cols: 160,
	rows: 48,
	cwd: '/tmp/mcptop-bench-scratch',
	env: {
		...(process.env as Record<string, string>),
		CI: 'false',
		TERM: 'xterm-256color',
		XDG_CONFIG_HOME: '/tmp/mcptop-bench-scratch',
		XDG_STATE_HOME: '/tmp/mcptop-bench-scratch',
	},
});
p.onData((d) => term.write(d));
function screen() {
	const b = term.buffer.active;
	const l: string[] = [];
	for (let i = 0; i < 48; i++) l.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
	return l.join('\n');
}
for (const ms of [300, 600, 1000, 2000, 4000]) {
	while (performance.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
	console.log(`=== ${ms} ms\n` + screen());
}
p.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 2000));
