import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	EditorStateRecogniser,
	editorStateWords,
	recogniseEditorLine,
} from '../../source/probes/editor-state.js';

// Lines as the Unreal Editor writes them to Saved/Logs/<Project>.log (UE 5.x PlayLevel.cpp wording).
const pieStart = [
	'[2025.09.17-10.00.00:100][412]LogPlayLevel: PlayLevel: No blueprints needed recompiling',
	'[2025.09.17-10.00.00:123][412]LogPlayLevel: Creating play world package: /Game/Maps/UEDPIE_0_Main',
	'[2025.09.17-10.00.00:180][412]LogPlayLevel: PIE: Created PIE world by copying editor world from /Game/Maps/Main.Main to /Game/Maps/UEDPIE_0_Main.Main (0.05 secs)',
	'[2025.09.17-10.00.00:450][412]LogPlayLevel: PIE: Play in editor total start time 0.351 seconds.',
];
const pieEnd = [
	'[2025.09.17-10.02.10:010][980]LogPlayLevel: Display: Shutting down PIE online subsystems',
	'[2025.09.17-10.02.10:020][980]LogPlayLevel: Display: Destroying online subsystem :Context_1',
];

test('play-in-editor starts and ends from LogPlayLevel lines', () => {
	const r = new EditorStateRecogniser();
	assert.equal(r.current(), null, 'nothing seen: no state, not "editing"');
	r.feed('[2025.09.17-09.59.59:000][  0]LogInit: Display: Engine is initialized.', 1);
	assert.equal(r.current(), null);
	pieStart.forEach((line, i) => r.feed(line, 100 + i));
	assert.equal(r.current()?.playMode, 'play');
	assert.equal(r.current()?.playSince, 102, 'since the first start line');
	assert.equal(editorStateWords(r.current()!), 'play mode active: blueprint operations disabled');
	pieEnd.forEach((line, i) => r.feed(line, 200 + i));
	assert.equal(r.current()?.playMode, null);
	assert.equal(r.current()?.playSince, null);
	assert.equal(editorStateWords(r.current()!), null);
	assert.match(r.current()!.lastEvent!, /Shutting down PIE/);
});

test('simulate sessions and the plugin connecting and disconnecting, from LogUnrealBlueprintMCP', () => {
	const r = new EditorStateRecogniser();
	r.feed(
		'[2025.09.17-10.00.00:000][  1]LogUnrealBlueprintMCP: WebSocket client connected to ws://127.0.0.1:8080',
		1,
	);
	assert.equal(r.current()?.pluginConnected, true);
	r.feed(
		'[2025.09.17-10.00.05:000][ 90]LogUnrealBlueprintMCP: Warning: Simulation mode started: blueprint operations disabled',
		2,
	);
	assert.equal(r.current()?.playMode, 'simulate');
	assert.match(editorStateWords(r.current()!)!, /^simulation mode active/);
	r.feed('[2025.09.17-10.00.09:000][150]LogUnrealBlueprintMCP: Simulation mode ended', 3);
	assert.equal(r.current()?.playMode, null);
	r.feed(
		'[2025.09.17-10.00.10:000][160]LogUnrealBlueprintMCP: Error: WebSocket connection lost (code 1006)',
		4,
	);
	assert.equal(r.current()?.pluginConnected, false);
	assert.equal(editorStateWords(r.current()!), 'editor plugin disconnected');
	r.feed('[2025.09.17-10.00.12:000][170]LogUnrealBlueprintMCP: Play mode active (PIE started)', 5);
	assert.equal(r.current()?.playMode, 'play');
});

test('other categories, server log lines and look-alikes are not editor events', () => {
	for (const line of [
		'[2025.09.17-10.00.00:000][  0]LogTemp: PIE: Play in editor total start time 0.3 seconds.',
		'2025-09-17 10:00:00,123 - INFO - client connected',
		'LogPlayLevelX: PIE: Created PIE world',
		'[2025.09.17-10.00.00:000][  0]LogPlayLevel: Warning: Map check found 2 issues',
		'[2025.09.17-10.00.00:000][  0]LogUnrealBlueprintMCP: Blueprint BP_Door compiled',
	])
		assert.equal(recogniseEditorLine(line), null, line);
	// The prefix is optional (the editor's console output has none); CRLF endings are read too.
	assert.deepEqual(recogniseEditorLine('LogPlayLevel: PIE: Created PIE world by copying\r'), {
		kind: 'play',
		mode: 'play',
	});
});
