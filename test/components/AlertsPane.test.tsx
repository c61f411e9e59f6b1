import {test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {render} from 'ink-testing-library';
import {
	AlertsPane,
	sameAlertsPaneProps,
	type AlertsPaneProps,
} from '../../source/components/AlertsPane.js';
import {alert, snapshot} from '../helpers/snapshot.js';

const items = [
	alert({severity: 'critical', text: 'CRITICAL - Server crash detected', count: 1}),
	alert({severity: 'warning', text: 'WARNING - High memory usage detected', count: 7}),
	alert(),
];
const alerts = {
	...snapshot().alerts,
	items,
	totals: {critical: 1, error: 1, warning: 7},
	linesRead: 12345,
};

const source = (path: string) => ({
	path,
	state: 'following' as const,
	error: null,
	linesRead: 1,
	rotations: 0,
	truncations: 0,
});

/** The pane's lines, unfocused, 80 columns, 6 lines tall, unless props say otherwise. */
function paneLines(props: Partial<AlertsPaneProps>): string[] {
	const {lastFrame} = render(
		<AlertsPane
			alerts={alerts}
			width={80}
			height={6}
			focused={false}
			selected={0}
			filter=""
			editingFilter={false}
			{...props}
		/>,
	);
	return (lastFrame() ?? '').split('\n');
}

for (const width of [80, 120]) {
	test(`alerts pane at ${width} columns: newest first, severity words, repeat counts, totals`, () => {
		const lines = paneLines({width});
		const frame = lines.join('\n');
		assert.ok(lines.every((l) => l.length <= width));
		assert.match(lines[0]!, /crit 1 · err 1 · warn 7 · 12345 lines/);
		// One watched log: no source column; the level and timestamp are columns, not repeated text.
		assert.match(lines[1]!, /CRIT\s+Server crash detected/);
		assert.match(lines[2]!, /WARN\s+×7\s+High memory usage detected/);
		assert.match(lines[3]!, /ERROR\s+WebSocket error: connection reset/);
		assert.doesNotMatch(frame, /unreal_blue|2026-11-24/);
	});
}

test('with two watched logs each alert names its log', () => {
	const lines = paneLines({
		alerts: {
			...alerts,
			items: [...items, alert({source: 'editor.log', text: 'ERROR: plugin lost'})],
			sources: [source('/tmp/unreal_blueprint_mcp.log'), source('/tmp/editor.log')],
		},
	});
	assert.match(lines[1]!, /CRIT\s+unreal_blue.*Server crash detected/);
	assert.match(lines[4]!, /ERROR\s+editor\.log\s+plugin lost/);
});

test('one wildcard log source follows several files, so each alert names its file', () => {
	const lines = paneLines({
		alerts: {
			...alerts,
			items: [alert({source: 'Editor-backup.log', text: 'LogTemp: Error: lost'}), ...items],
			sources: [source('/project/Saved/Logs/*.log')],
		},
	});
	assert.match(lines[1]!, /ERROR\s+Editor-back…\s+LogTemp/);
});

test('the filter keeps matching alerts and says how many match', () => {
	const {lastFrame} = render(
		<AlertsPane
			alerts={alerts}
			width={80}
			height={6}
			focused
			selected={0}
			filter="memory"
			editingFilter
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /\/memory/);
	assert.match(frame, /1 of 3 match/);
	assert.match(frame, /High memory/);
	assert.doesNotMatch(frame, /Server crash/);
});

test('the meta-alert, a waiting log file, and the selection cursor show', () => {
	const {lastFrame} = render(
		<AlertsPane
			alerts={{
				...alerts,
				meta: 'high warning frequency: 12 warnings in 5 min',
				sources: [
					{
						path: '/tmp/x.log',
						state: 'waiting',
						error: null,
						linesRead: 0,
						rotations: 0,
						truncations: 0,
					},
				],
			}}
			width={80}
			height={8}
			focused
			selected={1}
			filter=""
			editingFilter={false}
		/>,
	);
	const frame = lastFrame() ?? '';
	assert.match(frame, /WARN high warning frequency: 12 warnings in 5 min/);
	assert.match(frame, /waiting for \/tmp\/x\.log \(does not exist yet\)/);
	assert.match(frame, /›\d\d:\d\d:\d\d\s+WARN/);
});

test('a long line is cut to the pane width', () => {
	const {lastFrame} = render(
		<AlertsPane
			alerts={{...alerts, items: [alert({text: 'x'.repeat(5000)})]}}
			width={80}
			height={3}
			focused={false}
			selected={0}
			filter=""
			editingFilter={false}
		/>,
	);
	const lines = (lastFrame() ?? '').split('\n');
	assert.ok(lines.every((l) => l.length <= 80));
	assert.match(lines[1]!, /x…$/);
});

test('a regular expression filters; a bad one says why and filters nothing; text mode takes it as typed', () => {
	const strip = (props: Partial<AlertsPaneProps>) =>
		paneLines({height: 8, focused: true, editingFilter: true, ...props}).map((l) =>
			stripVTControlCharacters(l),
		);
	const regex = strip({filter: 'crash|memory'});
	assert.match(regex[1]!, /^\/crash\|memory {3}regex {2}2 of 3 match/);
	const bad = strip({filter: 'crash('});
	assert.match(
		bad[1]!,
		/^\/crash\( {3}regex {2}bad regular expression: unterminated group: filters nothing/,
	);
	assert.equal(bad.filter((l) => /CRIT|WARN|ERROR/.test(l)).length, 3, 'every alert stays');
	const text = strip({filter: 'crash(', filterMode: 'text'});
	assert.match(text[1]!, /text {2}0 of 3 match/);
	assert.match(text[2]!, /no alert matches the filter/);
});

test('hidden severities are named; with all hidden the pane says how to show them', () => {
	for (const width of [80, 120]) {
		const lines = paneLines({
			width,
			height: 6,
			shown: {critical: true, error: true, warning: false},
		}).map((l) => stripVTControlCharacters(l));
		assert.match(lines[0]!, /crit 1 · err 1 · warn 7/, 'the totals count every alert');
		assert.match(lines[1]!, /^2 of 3 match {2}· hidden: warning$/);
		assert.ok(lines.every((l) => !/High memory/.test(l)));
		assert.ok(lines.every((l) => [...l].length <= width));
	}
	const none = paneLines({shown: {critical: false, error: false, warning: false}}).map((l) =>
		stripVTControlCharacters(l),
	);
	assert.match(none[2]!, /every severity is hidden \(1 2 3 show them\)/);
});

const paneProps = (over: Partial<AlertsPaneProps> = {}): AlertsPaneProps => ({
	alerts,
	width: 80,
	height: 6,
	focused: false,
	selected: 0,
	filter: '',
	editingFilter: false,
	...over,
});

test('memo: a new status with the same list, totals, lines and sources is the same pane', () => {
	const a = paneProps({alerts: {...alerts, sources: [source('/tmp/a.log')]}});
	// What the store hands each idle tick: new objects, the same list, what it counts unchanged.
	const b = paneProps({
		alerts: {
			...alerts,
			totals: {...alerts.totals},
			sources: [{...source('/tmp/a.log'), linesRead: 99}],
			recentWarnings: 3,
		},
	});
	assert.equal(sameAlertsPaneProps(a, b), true);
});

test('memo: anything the pane draws makes it draw again', () => {
	const a = paneProps();
	const changes: Array<[string, Partial<AlertsPaneProps>]> = [
		['list', {alerts: {...alerts, items: [...items]}}],
		['lines read', {alerts: {...alerts, linesRead: alerts.linesRead + 1}}],
		['a total', {alerts: {...alerts, totals: {...alerts.totals, warning: 8}}}],
		['the meta-alert', {alerts: {...alerts, meta: 'high warning frequency'}}],
		['a source waits', {alerts: {...alerts, sources: [{...source('/x'), state: 'waiting'}]}}],
		['a source', {alerts: {...alerts, sources: [source('/x'), source('/y')]}}],
		['width', {width: 81}],
		['height', {height: 7}],
		['focus', {focused: true}],
		['cursor', {selected: 1}],
		['filter', {filter: 'x'}],
		['editing', {editingFilter: true}],
		['mode', {filterMode: 'text'}],
		['problem', {filterProblem: 'bad'}],
		['shown', {shown: {critical: true, error: false, warning: true}}],
		['visible', {visible: []}],
	];
	for (const [what, over] of changes) {
		assert.equal(sameAlertsPaneProps(a, paneProps(over)), false, what);
	}
});

test('memo: the pane re-rendered with new counts shows them, with equal ones stays', async () => {
	const {lastFrame, rerender} = render(<AlertsPane {...paneProps()} />);
	const first = lastFrame();
	rerender(<AlertsPane {...paneProps({alerts: {...alerts, totals: {...alerts.totals}}})} />);
	await new Promise((r) => setTimeout(r, 0));
	assert.equal(lastFrame(), first);
	rerender(
		<AlertsPane
			{...paneProps({alerts: {...alerts, linesRead: 12346, totals: {...alerts.totals, error: 2}}})}
		/>,
	);
	await new Promise((r) => setTimeout(r, 0));
	const title = stripVTControlCharacters(lastFrame() ?? '').split('\n')[0]!;
	assert.match(title, /err 2 · warn 7 · 12346 lines/);
});
