import React, {useEffect, useRef, useState} from 'react';
import {Box, useApp, type Key} from 'ink';
import type {ActionKind, ActionRunner} from './actions/runner.js';
import {ActionDialog} from './components/ActionDialog.js';
import {AlertDetail} from './components/AlertDetail.js';
import {AlertsPane, filterAlerts} from './components/AlertsPane.js';
import {Header} from './components/Header.js';
import {HelpOverlay} from './components/HelpOverlay.js';
import {KeyBar, type KeyHint} from './components/KeyBar.js';
import {LatencyPane, latencyPaneLines} from './components/LatencyPane.js';
import {PortsPane, portsPaneLines} from './components/PortsPane.js';
import {ProcessesPane} from './components/ProcessesPane.js';
import {ColorContext} from './components/theme.js';
import {TinyScreen, isTooSmall} from './components/TinyScreen.js';
import {useDialog} from './hooks/useDialog.js';
import {useKeys} from './hooks/useKeys.js';
import {useSnapshot, type SnapshotSource} from './hooks/useSnapshot.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import type {Config} from './types.js';

export type AppProps = {
	store: SnapshotSource & {togglePause(): void};
	runner: ActionRunner;
	config: Config;
	/** Called once when the operator quits; the CLI stops probes and restores the terminal. */
	onQuit: () => void;
};

const panes = ['ports', 'processes', 'latency', 'alerts'] as const;
type Pane = (typeof panes)[number];

const actionKeys: Record<string, ActionKind> = {
	r: 'restart',
	b: 'backup',
	R: 'restore',
	v: 'validate',
	d: 'dump',
	l: 'latency',
	c: 'concurrency',
};

export type Layout = {
	compact: boolean;
	small: string | null;
	ports: number;
	processes: number;
	latency: number;
	alerts: number;
};

/**
 * Split the rows between panes. The root stays at most rows - 1 lines tall: a taller frame makes Ink
 * clear the screen on every frame.
 */
export function computeLayout(
	columns: number,
	rows: number,
	want: {ports: number; processes: number; latency: number},
): Layout {
	const small =
		columns < 80 || rows < 24
			? columns < 60
				? `small ${columns}×${rows}`
				: `small terminal ${columns}×${rows} (80×24 shows all)`
			: null;
	const budget = Math.max(4, rows - 1) - 2; // header and key bar
	const compact = rows < 20;
	const head = compact ? 1 : 2; // title (+ column header)
	let ports = head + want.ports;
	let processes = head + want.processes + 1;
	let latency = 1 + want.latency;
	const minAlerts = compact ? 1 : 4;
	// Shrink the top panes, largest first, until the alerts pane has its minimum.
	for (let guard = 0; guard < 200 && ports + processes + latency + minAlerts > budget; guard++) {
		if (processes > head + 2 && processes >= ports) processes--;
		else if (ports > head + 1) ports--;
		else if (latency > 2) latency--;
		else if (processes > head + 1) processes--;
		else break;
	}
	const alerts = Math.max(0, budget - ports - processes - latency);
	return {compact, small, ports, processes, latency, alerts};
}

export function App({store, runner, config, onQuit}: AppProps) {
	const snapshot = useSnapshot(store);
	const dialog = useDialog(runner);
	const {columns, rows} = useTerminalSize();
	const {exit} = useApp();
	// Keys can arrive several in one chunk (a paste, Esc then a key): each must see the state the one
	// before it left, so the key handler reads these refs, kept in step with the rendered state.
	const [focus, setFocusState] = useState<Pane>('alerts');
	const [help, setHelpState] = useState(false);
	const [detail, setDetailState] = useState(false);
	const ui = useRef({
		focus: 'alerts' as Pane,
		help: false,
		detail: false,
		filter: '',
		editingFilter: false,
		quitArmed: false,
	});
	const setFocus = (v: Pane) => {
		ui.current.focus = v;
		setFocusState(v);
	};
	const setHelp = (v: boolean) => {
		ui.current.help = v;
		setHelpState(v);
	};
	const setDetail = (v: boolean) => {
		ui.current.detail = v;
		setDetailState(v);
	};
	const [scroll, setScroll] = useState<Record<Pane, number>>({
		ports: 0,
		processes: 0,
		latency: 0,
		alerts: 0,
	});
	const [filter, setFilterState] = useState('');
	const [editingFilter, setEditingFilterState] = useState(false);
	const setFilter = (update: (f: string) => string) => {
		ui.current.filter = update(ui.current.filter);
		setFilterState(ui.current.filter);
	};
	const setEditingFilter = (v: boolean) => {
		ui.current.editingFilter = v;
		setEditingFilterState(v);
	};
	const [quitArmed, setQuitArmedState] = useState(false);
	// In the ref too: "qq" read as one chunk must see the first q's arming.
	const setQuitArmed = (v: boolean) => {
		ui.current.quitArmed = v;
		setQuitArmedState(v);
	};

	// Never wider than the terminal: a longer line wraps there and leaves fragments after a resize.
	const width = columns;
	const layout = computeLayout(width, rows, {
		ports: portsPaneLines(snapshot.ports),
		processes: Math.max(1, snapshot.processes.length),
		latency: latencyPaneLines(snapshot.latency),
	});
	const visibleAlerts = filterAlerts(snapshot.alerts.items, filter);
	const selectedAlert =
		visibleAlerts[Math.min(scroll.alerts, Math.max(0, visibleAlerts.length - 1))];

	useEffect(() => {
		if (!quitArmed) return;
		const t = setTimeout(() => setQuitArmed(false), 3000);
		return () => clearTimeout(t);
	}, [quitArmed]);

	const quit = () => {
		onQuit();
		exit();
	};

	const scrollBy = (delta: number | 'top' | 'bottom') => {
		const focus = ui.current.focus;
		const visibleAlerts = filterAlerts(snapshot.alerts.items, ui.current.filter);
		setScroll((s) => {
			const max =
				focus === 'alerts'
					? Math.max(0, visibleAlerts.length - 1)
					: focus === 'processes'
						? Math.max(0, snapshot.processes.length - 1)
						: 20;
			const next =
				delta === 'top'
					? 0
					: delta === 'bottom'
						? max
						: Math.min(max, Math.max(0, s[focus] + delta));
			return {...s, [focus]: next};
		});
	};

	// Keys typed fast (or pasted) arrive as one chunk: handle them one by one.
	const keysActive = useKeys(onKey, () => ui.current.editingFilter);

	function onKey(input: string, key: Key): void {
		const {help, detail, filter, editingFilter, focus} = ui.current;
		const dialog = runner.getState();
		if (key.ctrl && input === 'c') return quit();
		if (editingFilter) {
			if (key.escape) {
				setFilter(() => '');
				setEditingFilter(false);
			} else if (key.return) setEditingFilter(false);
			else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
			else if (input && !key.ctrl && !key.meta && input >= ' ')
				setFilter((f) => (f + input).slice(0, 200));
			setScroll((s) => ({...s, alerts: 0}));
			return;
		}
		if (help) {
			if (key.escape || input === '?' || input === 'q') setHelp(false);
			return;
		}
		if (detail) {
			if (key.escape || key.return || input === 'q') setDetail(false);
			return;
		}
		switch (dialog.phase) {
			case 'confirm':
				if (input === 'y' || input === 'Y') runner.confirm();
				else if (input === 'n' || input === 'N' || key.escape || input === 'q') runner.cancel();
				return;
			case 'pick':
				if (key.upArrow || input === 'k') runner.move(-1);
				else if (key.downArrow || input === 'j') runner.move(1);
				else if (key.return) void runner.pick();
				else if (key.escape || input === 'q') runner.cancel();
				return;
			case 'done':
				if (key.escape || key.return) {
					runner.dismiss();
					return;
				}
				break;
			default:
		}
		if (input === 'q') {
			if (runner.busy && !ui.current.quitArmed) {
				setQuitArmed(true);
				return;
			}
			return quit();
		}
		if (dialog.phase === 'idle' && dialog.notice) runner.clearNotice();
		if (input === '?') return setHelp(true);
		if (input === 'p') return store.togglePause();
		if (key.tab) {
			const i = panes.indexOf(focus);
			setFocus(panes[(i + (key.shift ? panes.length - 1 : 1)) % panes.length]!);
			return;
		}
		if (input === '/') {
			setFocus('alerts');
			setEditingFilter(true);
			return;
		}
		if (key.escape && filter !== '') return setFilter(() => '');
		if (key.upArrow || input === 'k') return scrollBy(-1);
		if (key.downArrow || input === 'j') return scrollBy(1);
		if (key.pageUp) return scrollBy(-Math.max(1, layout.alerts - 2));
		if (key.pageDown) return scrollBy(Math.max(1, layout.alerts - 2));
		if (input === 'g') return scrollBy('top');
		if (input === 'G') return scrollBy('bottom');
		if (key.return && focus === 'alerts' && selectedAlert) return setDetail(true);
		const action = actionKeys[input];
		if (action) void runner.request(action);
	}

	const busy = runner.busy;
	const hints: KeyHint[] = help
		? [{key: 'Esc', label: 'close help'}]
		: detail
			? [{key: 'Esc', label: 'close'}]
			: dialog.phase === 'confirm'
				? [
						{key: 'y', label: 'yes'},
						{key: 'n', label: 'no'},
						{key: 'Esc', label: 'cancel'},
					]
				: dialog.phase === 'pick'
					? [
							{key: '↑↓', label: 'choose'},
							{key: 'Enter', label: 'select'},
							{key: 'Esc', label: 'cancel'},
						]
					: [
							{key: 'q', label: 'quit'},
							{key: '?', label: 'help'},
							{key: 'p', label: snapshot.paused ? 'resume' : 'pause'},
							{key: 'Tab', label: 'focus'},
							{key: '/', label: 'filter'},
							{key: 'r', label: 'restart', disabled: busy || !runner.available('restart')},
							{key: 'b', label: 'backup', disabled: busy || !runner.available('backup')},
							{key: 'R', label: 'restore', disabled: busy || !runner.available('restore')},
							{key: 'v', label: 'validate', disabled: busy || !runner.available('validate')},
							{key: 'd', label: 'dump', disabled: busy || !runner.available('dump')},
							{key: 'l', label: 'latency', disabled: busy || !runner.available('latency')},
							// Short enough that every label fits at 120 columns, the usual tmux pane.
							{key: 'c', label: 'load test', disabled: busy || !runner.available('concurrency')},
							...(dialog.phase === 'done' ? [{key: 'Esc', label: 'dismiss'}] : []),
						];
	const notice = quitArmed
		? `an action is running: press q again to quit anyway`
		: dialog.phase === 'idle'
			? dialog.notice
			: !keysActive
				? 'keys unavailable: stdin is not a terminal'
				: null;

	if (isTooSmall(columns, rows)) {
		return (
			<ColorContext.Provider value={config.color}>
				<TinyScreen
					columns={columns}
					rows={rows}
					snapshot={snapshot}
					dialog={dialog}
					keys={hints}
					notice={notice}
				/>
			</ColorContext.Provider>
		);
	}

	const body = layout.ports + layout.processes + layout.latency + layout.alerts;
	const bottomHeight = layout.alerts;
	const latencyPane = (
		<LatencyPane
			latency={snapshot.latency}
			now={snapshot.time}
			width={width}
			rows={layout.latency - 1}
			focused={focus === 'latency'}
		/>
	);
	let bottom: React.ReactNode;
	if (dialog.phase !== 'idle') {
		// The dialog takes the alerts area (and the latency pane when it needs room) so the panes
		// above keep refreshing while an action runs.
		const h = bottomHeight >= 8 ? bottomHeight : bottomHeight + layout.latency;
		bottom = (
			<>
				{h !== bottomHeight ? null : latencyPane}
				<ActionDialog state={dialog} width={width} height={h} now={snapshot.time} />
			</>
		);
	} else if (detail && selectedAlert) {
		bottom = (
			<>
				{latencyPane}
				<AlertDetail alert={selectedAlert} width={width} height={bottomHeight} />
			</>
		);
	} else {
		bottom = (
			<>
				{latencyPane}
				{bottomHeight > 0 ? (
					<AlertsPane
						alerts={snapshot.alerts}
						width={width}
						height={bottomHeight}
						focused={focus === 'alerts'}
						selected={scroll.alerts}
						filter={filter}
						editingFilter={editingFilter}
						visible={visibleAlerts}
					/>
				) : null}
			</>
		);
	}

	// The boxes that cut are as wide as the terminal, whatever `width` the panes inside were given, and
	// cut both ways (a box that cuts only rows lifts the cut of the boxes around it). On a resize Ink
	// lays out and prints the tree it has at the new width before React renders the one for the new
	// size; a line wider than the terminal would wrap there and leave fragments behind.
	return (
		<ColorContext.Provider value={config.color}>
			<Box flexDirection="column" width="100%" height={rows - 1} overflow="hidden">
				<Header snapshot={snapshot} width={width} readOnly={config.readOnly} small={layout.small} />
				{help ? (
					<HelpOverlay width={width} height={body} readOnly={config.readOnly} />
				) : (
					<Box flexDirection="column" height={body} overflow="hidden">
						<Box height={layout.ports} flexDirection="column" overflow="hidden">
							<PortsPane
								ports={snapshot.ports}
								endpoint={snapshot.latency}
								now={snapshot.time}
								width={width}
								rows={layout.ports - (layout.compact ? 1 : 2)}
								focused={focus === 'ports'}
								scroll={scroll.ports}
								header={!layout.compact}
							/>
						</Box>
						<Box height={layout.processes} flexDirection="column" overflow="hidden">
							<ProcessesPane
								processes={snapshot.processes}
								system={snapshot.system}
								match={config.process.match}
								sampled={snapshot.time > 0 && snapshot.health !== 'UNKNOWN'}
								limits={config.thresholds.process}
								thresholds={config.thresholds.system}
								width={width}
								rows={layout.processes - (layout.compact ? 1 : 2)}
								focused={focus === 'processes'}
								scroll={scroll.processes}
								header={!layout.compact}
							/>
						</Box>
						{bottom}
					</Box>
				)}
				<KeyBar keys={hints} notice={notice} width={width} />
			</Box>
		</ColorContext.Provider>
	);
}
