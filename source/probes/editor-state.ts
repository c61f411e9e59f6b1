// The editor's state from its log (the guide's status widget: connected, play mode active, simulation
// mode). A pure recogniser: the store feeds it log lines; it opens nothing and keeps no timer.
// Lines look like `[2025.09.17-10.00.00:123][  0]LogPlayLevel: PIE: Play in editor total start time 0.4 seconds.`
import {sanitizeText} from '../lib/sanitize.js';
import type {EditorState} from '../types.js';

// Category, optional verbosity, message; the [time][frame] prefix is optional (console output).
const unrealLine =
	/^(?:\[[^\]]*\]\[\s*\d+\])?(LogPlayLevel|LogUnrealBlueprintMCP):\s*(?:(?:Display|Log|Warning|Error|Verbose|VeryVerbose|Fatal):\s*)?(.*)$/;

type Event =
	{kind: 'play'; mode: 'play' | 'simulate'} | {kind: 'stop'} | {kind: 'plugin'; connected: boolean};

/** What one line says, or null. Exported for tests and the README's list of recognised lines. */
export function recogniseEditorLine(line: string): Event | null {
	const m = unrealLine.exec(line.replace(/\r$/, ''));
	if (!m) return null;
	const [, category, message = ''] = m;
	if (category === 'LogPlayLevel') {
		// UE's PlayLevel.cpp: "PIE: Created PIE world by copying editor world …", "PIE: Play in editor
		// total start time …", "Play in editor start time for …"; SIE starts say "Simulat…".
		if (
			/Shutting down PIE|EndPlayMap|PIE: (Ended|Stopped|Stopping)|Ending (play|simulat)/i.test(
				message,
			)
		)
			return {kind: 'stop'};
		if (/simulat(e|ing|ion) in editor|\bSIE\b/i.test(message) && !/\b(end|stop)/i.test(message))
			return {kind: 'play', mode: 'simulate'};
		if (
			/PIE: Created PIE world|Play in editor (total )?start time|PIE: (Started|Starting)|Starting PIE/i.test(
				message,
			)
		)
			return {kind: 'play', mode: 'play'};
		return null;
	}
	// The plugin's own lines: play/simulation notices and its bridge connection.
	if (/\bdisconnect(ed)?\b|connection (closed|lost)/i.test(message))
		return {kind: 'plugin', connected: false};
	if (/\bconnected\b|connection established/i.test(message))
		return {kind: 'plugin', connected: true};
	if (/(play|PIE|simulat\w*)\b.*\b(end(ed)?|stop(ped)?|exit(ed)?|finished)\b/i.test(message))
		return {kind: 'stop'};
	if (/simulat(e|ion|ing)\b.*\b(start(ed)?|began|begun|active|enabled|on)\b/i.test(message))
		return {kind: 'play', mode: 'simulate'};
	if (
		/(play mode|PIE|play in editor)\b.*\b(start(ed)?|began|begun|active|enabled|on)\b/i.test(
			message,
		)
	)
		return {kind: 'play', mode: 'play'};
	return null;
}

export class EditorStateRecogniser {
	private state: EditorState = {
		playMode: null,
		playSince: null,
		pluginConnected: null,
		lastEvent: null,
		lastEventAt: null,
	};
	private seen = false;

	/** One log line as read (any source; only the editor's categories count). */
	feed(line: string, time: number): void {
		const event = recogniseEditorLine(line);
		if (!event) return;
		this.seen = true;
		const s = {...this.state, lastEvent: sanitizeText(line, 200), lastEventAt: time};
		if (event.kind === 'play') {
			if (s.playMode === null) s.playSince = time;
			s.playMode = event.mode;
		} else if (event.kind === 'stop') {
			s.playMode = null;
			s.playSince = null;
		} else {
			s.pluginConnected = event.connected;
		}
		this.state = s;
	}

	/** Null until a recognised line was seen (no editor log watched, or it said nothing yet). */
	current(): EditorState | null {
		return this.seen ? this.state : null;
	}
}

/** "play mode active: blueprint operations disabled", as the guide's status widget says it. */
export function editorStateWords(s: EditorState): string | null {
	const parts: string[] = [];
	if (s.playMode === 'play') parts.push('play mode active: blueprint operations disabled');
	if (s.playMode === 'simulate')
		parts.push('simulation mode active: blueprint operations disabled');
	if (s.pluginConnected === false) parts.push('editor plugin disconnected');
	return parts.length > 0 ? parts.join('; ') : null;
}
