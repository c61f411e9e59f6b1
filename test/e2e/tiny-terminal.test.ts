import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {TerminalSession} from '../helpers/pty.js';

const minimum = {columns: 40, rows: 12};

/** The "too small" notice as the screen shows it: cut to the width with an ellipsis. */
function notice(columns: number, rows: number): string {
	const text = `terminal too small ${columns}×${rows}: need ${minimum.columns}×${minimum.rows}`;
	return text.length > columns ? `${text.slice(0, columns - 1)}…` : text;
}

type Row = {text: string; width: number; wrapped: boolean};

/**
 * The screen row by row as the terminal shows it: the text of the cells inside the terminal's width
 * (xterm keeps cells beyond it after a narrowing, unseen), how many cells it fills, and whether the
 * row is the continuation of a line that wrapped.
 */
function rows(session: TerminalSession): Row[] {
	const {term} = session;
	const buffer = term.buffer.active;
	const out: Row[] = [];
	for (let y = 0; y < term.rows; y++) {
		const line = buffer.getLine(buffer.viewportY + y);
		let width = 0;
		for (let x = 0; line && x < term.cols; x++) {
			const cell = line.getCell(x);
			if (cell && cell.getChars() !== '' && cell.getChars() !== ' ') width = x + cell.getWidth();
		}
		out.push({
			text: line?.translateToString(true, 0, term.cols).trimEnd() ?? '',
			width,
			wrapped: line?.isWrapped ?? false,
		});
	}
	return out;
}

/** No line wider than the terminal, none wrapped, and the frame at most rows - 1 lines tall. */
function assertFits(screen: Row[], columns: number, height: number) {
	const size = `${columns}×${height}`;
	const dump = screen.map((r, i) => `${String(i).padStart(2)}|${r.text}|`).join('\n');
	assert.equal(screen.length, height, `${size}: the terminal has ${height} rows`);
	for (const [i, row] of screen.entries()) {
		assert.ok(row.width <= columns, `${size}: row ${i} is ${row.width} cells wide:\n${dump}`);
		assert.ok(!row.wrapped, `${size}: row ${i} is a wrapped line:\n${dump}`);
	}
	// A frame of rows - 1 lines leaves the last row to the cursor; a taller one fills it (and makes
	// Ink clear the screen on every frame).
	assert.equal(screen.at(-1)!.text, '', `${size}: the frame reaches the last row:\n${dump}`);
}

/** What each row of the full screen is, so two screens of the same layout compare equal. */
function kinds(screen: Row[]): string[] {
	return screen.map(({text}) => {
		if (/^[› ]\d\d:\d\d:\d\d |^OK no alerts/.test(text)) return ''; // alert rows come and go
		if (text.trim() === '') return '';
		if (/^mcptop /.test(text)) return 'header';
		const title = /^[─▶] (Ports|Processes|Latency|Alerts) /.exec(text);
		if (title) return `title ${title[1]}`;
		if (/^q quit {2}\? help/.test(text)) return 'keys';
		return 'text';
	});
}

const ready = (s: string) =>
	/Streamable HTTP 2026-07-28 · connected/.test(s) &&
	/handshake/.test(s) &&
	/[1-9]\d* lines/.test(s);

function demoProcesses(stateHome: string): number[] {
	const pids: number[] = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			if (!/unreal_blueprint_mcp_server|fake_unreal_editor/.test(cmd)) continue;
			// Demo processes started by this session inherit its private XDG_STATE_HOME.
			const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
			if (env.includes(`XDG_STATE_HOME=${stateHome}`)) pids.push(Number(entry));
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}
	return pids;
}

/** Quit with q, expect exit code 0, and wait (bounded) until the demo's processes have stopped. */
async function quit(session: TerminalSession, stateHome: string) {
	session.press('q');
	assert.equal(await session.exit(20_000), 0);
	const deadline = Date.now() + 10_000;
	while (demoProcesses(stateHome).length > 0 && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 200));
	}
	assert.deepEqual(demoProcesses(stateHome), [], 'demo processes left running');
}

/** The demo in a pseudo-terminal of the given size, ready: the endpoint answered, a log was read. */
async function demoSession(columns: number, height: number, stateHome: string) {
	const session = new TerminalSession(['--demo'], {
		cols: columns,
		rows: height,
		env: {XDG_STATE_HOME: stateHome},
	});
	await session.waitFor(ready, 45_000);
	return session;
}

const settle = () => new Promise((r) => setTimeout(r, 1200)); // past the next tick of the store

test(
	'the demo resized 120×40 → 30×8 → 10×3 → 1×1 → 80×24 → 39×11: every frame fits, nothing stale stays',
	{timeout: 150_000},
	async () => {
		const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-tiny-'));
		const freshHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-e2e-tiny-fresh-'));
		let session: TerminalSession | undefined;
		let fresh: TerminalSession | undefined;
		try {
			session = await demoSession(120, 40, stateHome);
			assertFits(rows(session), 120, 40);
			const tinyLines = new Set<string>();
			let full: Row[] | undefined;
			for (const [columns, height] of [
				[30, 8],
				[10, 3],
				[1, 1],
				[80, 24],
				[39, 11],
			] as const) {
				session.resize(columns, height);
				const tiny = columns < minimum.columns || height < minimum.rows;
				const current = session;
				await session.waitFor(() => {
					const lines = rows(current).map((r) => r.text);
					if (height === 1) return lines.every((l) => l === '');
					if (tiny) return lines[0] === notice(columns, height);
					return /^mcptop /.test(lines[0]!) && /^q quit/.test(lines[height - 2]!);
				});
				await settle();
				const screen = rows(session);
				assertFits(screen, columns, height);
				if (tiny && height > 1) {
					assert.equal(screen[0]!.text, notice(columns, height), 'the notice comes first');
					assert.match(screen[1]!.text, /^mcptop /, 'then the health line');
					for (const row of screen) if (row.text.length >= 3) tinyLines.add(row.text);
				}
				if (columns === 80) full = screen;
			}
			await quit(session, stateHome);

			// 80×24 after the tiny sizes: the rows a fresh start at 80×24 has, and no trace of the
			// tiny frames anywhere.
			const text = full!.map((r) => r.text);
			assert.equal(text.filter((t) => /^mcptop /.test(t)).length, 1, text.join('\n'));
			assert.ok(!text.some((t) => /too small|need 40/.test(t)), text.join('\n'));
			for (const line of tinyLines) {
				assert.ok(!text.some((t) => t.includes(line)), `"${line}" is left on:\n${text.join('\n')}`);
			}
			fresh = await demoSession(80, 24, freshHome);
			await settle();
			const reference = rows(fresh);
			assertFits(reference, 80, 24);
			assert.deepEqual(
				kinds(full!),
				kinds(reference),
				`resized:\n${text.join('\n')}\nfresh:\n${reference.map((r) => r.text).join('\n')}`,
			);
			await quit(fresh, freshHome);
		} finally {
			session?.kill();
			fresh?.kill();
			fs.rmSync(stateHome, {recursive: true, force: true});
			fs.rmSync(freshHome, {recursive: true, force: true});
		}
	},
);
