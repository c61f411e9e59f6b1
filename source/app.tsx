import React, {useEffect, useState, useSyncExternalStore} from 'react';
import {Box, useApp} from 'ink';
import type {ActionRunner} from './actions/runner.js';
import {ActionDialog} from './components/ActionDialog.js';
import {AlertDetail, alertDetailMax, alertDetailRows} from './components/AlertDetail.js';
import {AlertsPane} from './components/AlertsPane.js';
import {Header} from './components/Header.js';
import {HelpOverlay, helpMax} from './components/HelpOverlay.js';
import {HistoryView, historyLineCount} from './components/HistoryView.js';
import {KeyBar} from './components/KeyBar.js';
import {LatencyPane, latencyPaneLines} from './components/LatencyPane.js';
import {PortsPane, portsPaneLines} from './components/PortsPane.js';
import {ProcessDetail} from './components/ProcessDetail.js';
import {ProcessesPane} from './components/ProcessesPane.js';
import {ColorContext, PaneTitle} from './components/theme.js';
import {TinyScreen, isTooSmall} from './components/TinyScreen.js';
import {TrendLines} from './components/TrendLines.js';
import {useDialog} from './hooks/useDialog.js';
import {useHistory} from './hooks/useHistory.js';
import {useKeys} from './hooks/useKeys.js';
import {useSnapshot, type SnapshotSource} from './hooks/useSnapshot.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {formatDuration} from './lib/format.js';
import {keyHints} from './keys/dispatch.js';
import type {ReportCollector, ReportHistory} from './monitor/reports.js';
import type {Config} from './types.js';
import {sameAlert} from './ui/alert-filter.js';
import {
	disarmQuit,
	expireNote,
	shownAlerts,
	type Command,
	type KeyContext,
	type UiState,
} from './ui/state.js';
import {UiStore} from './ui/store.js';

export type AppProps = {
	store: SnapshotSource & {togglePause(): void};
	runner: ActionRunner;
	config: Config;
	/** Called once when the operator quits; the CLI stops probes and restores the terminal. */
	onQuit: () => void;
	/** The health reports' last hour, for the trend lines (t); null when reports are off. */
	reports?: ReportCollector | null;
};

const noReports: ReportHistory = {reports: [], points: []};
const noSubscription = () => () => undefined;

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

export function App({store, runner, config, onQuit, reports = null}: AppProps) {
	const snapshot = useSnapshot(store);
	const dialog = useDialog(runner);
	const {columns, rows} = useTerminalSize();
	const {exit} = useApp();
	// Outside React: each key of a chunk ("qq", Esc then a key, a paste) is reduced from the state the
	// key before it left, not from the last render's.
	const [uiStore] = useState(() => new UiStore());
	const ui = useSyncExternalStore(uiStore.subscribe, uiStore.getState, uiStore.getState);
	const history = useHistory(config, ui.view === 'history');
	const getTrends = reports ? reports.getHistory : () => noReports;
	const trends = useSyncExternalStore(reports?.subscribe ?? noSubscription, getTrends, getTrends);

	// Never wider than the terminal: a longer line wraps there and leaves fragments after a resize.
	const width = columns;
	const layout = computeLayout(width, rows, {
		ports: portsPaneLines(snapshot.ports),
		processes: Math.max(1, snapshot.processes.length),
		latency: latencyPaneLines(snapshot.latency),
	});
	const body = layout.ports + layout.processes + layout.latency + layout.alerts;
	const shown = shownAlerts(ui, snapshot.alerts.items);
	const pinned =
		ui.view === 'alert' && ui.pinned
			? (sameAlert(snapshot.alerts.items, ui.pinned) ?? ui.pinned)
			: null;

	useEffect(() => {
		if (!ui.quitArmed) return;
		const t = setTimeout(() => uiStore.update(disarmQuit), 3000);
		return () => clearTimeout(t);
	}, [ui.quitArmed]);

	useEffect(() => {
		// Every key makes a new state: a repeated note ("no older error") counts from its last key.
		if (ui.note === null) return;
		const t = setTimeout(() => uiStore.update(expireNote), 3000);
		return () => clearTimeout(t);
	}, [ui]);

	/** Rows a page moves and how far each view scrolls; a new view needs its case here (tsc says so). */
	const viewRows = (state: UiState): {page: number; max: number} => {
		switch (state.view) {
			case 'help':
				return {page: body - 1, max: helpMax(body, config.readOnly)};
			case 'alert':
				return {
					page: alertDetailRows(layout.alerts),
					max: state.pinned ? alertDetailMax(state.pinned, width, layout.alerts) : 0,
				};
			case 'history':
				return {
					page: body - 2,
					max: history.report
						? Math.max(0, historyLineCount(history.report, width) - (body - 1))
						: 0,
				};
			case 'trends':
			case 'process':
				return {page: 1, max: 0};
			case null:
				return {page: layout.alerts - 2, max: 0};
		}
	};

	/** What keys read of the world, taken fresh for each key. */
	const keyContext = (): KeyContext => {
		const dialog = runner.getState();
		const snap = store.getSnapshot();
		return {
			dialog: dialog.phase,
			notice: dialog.phase === 'idle' && dialog.notice !== null,
			busy: runner.busy,
			paused: snap.paused,
			available: (kind) => runner.available(kind),
			alerts: snap.alerts.items,
			lines: {
				ports: portsPaneLines(snap.ports),
				processes: snap.processes.length,
				latency: 0,
				alerts: snap.alerts.items.length,
			},
			page: Math.max(1, viewRows(uiStore.getState()).page),
			viewMax: (state) => viewRows(state).max,
		};
	};

	const carryOut = (c: Command) => {
		switch (c.type) {
			case 'quit':
				onQuit();
				exit();
				return;
			case 'pause':
				return store.togglePause();
			case 'run':
				return void runner.request(c.kind);
			case 'confirm':
				return runner.confirm();
			case 'cancel':
				return runner.cancel();
			case 'move':
				return runner.move(c.delta);
			case 'pick':
				return void runner.pick();
			case 'dismiss':
				return runner.dismiss();
			case 'clearNotice':
				return runner.clearNotice();
		}
	};

	// The commands run before the next key of the chunk, which then sees the runner they left.
	const keysActive = useKeys(
		(press) => {
			for (const c of uiStore.press(press, keyContext())) carryOut(c);
		},
		() => uiStore.getState().filter.editing,
	);

	const context = keyContext();
	const hints = keyHints(ui, context);
	const notice = ui.quitArmed
		? `an action is running: press q again to quit anyway`
		: ui.note
			? ui.note
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

	const bottomHeight = layout.alerts;
	const latencyPane = (
		<LatencyPane
			latency={snapshot.latency}
			now={snapshot.time}
			width={width}
			rows={layout.latency - 1}
			focused={ui.focus === 'latency'}
		/>
	);
	let bottom: React.ReactNode;
	// Enter on Processes shows the top process shown (the pane scrolls by whole rows).
	const process =
		snapshot.processes[Math.min(ui.scroll.processes, snapshot.processes.length - 1)] ?? null;
	// What is on screen takes the keys: an open view before a dialog (see activeScopes).
	if (ui.view === 'process') {
		bottom = (
			<>
				{latencyPane}
				{process ? (
					<ProcessDetail process={process} width={width} rows={bottomHeight} />
				) : (
					<PaneTitle
						title="Process"
						focused
						width={width}
						summary="no matching process · Esc closes"
					/>
				)}
			</>
		);
	} else if (ui.view === 'trends') {
		bottom = (
			<>
				{latencyPane}
				<Box flexDirection="column" height={bottomHeight} overflow="hidden">
					<PaneTitle
						title="Trends"
						focused
						width={width}
						summary={
							reports
								? `last hour, a point a minute · reports every ${formatDuration(config.reports.everyMs / 1000)} · Esc closes`
								: 'health reports are off (reports.enabled) · Esc closes'
						}
					/>
					<TrendLines points={trends.points} width={width} rows={bottomHeight - 1} />
				</Box>
			</>
		);
	} else if (ui.view === 'alert' && pinned) {
		bottom = (
			<>
				{latencyPane}
				<AlertDetail alert={pinned} width={width} height={bottomHeight} scroll={ui.viewScroll} />
			</>
		);
	} else if (dialog.phase !== 'idle') {
		// The dialog takes the alerts area (and the latency pane when it needs room) so the panes
		// above keep refreshing while an action runs.
		const h = bottomHeight >= 8 ? bottomHeight : bottomHeight + layout.latency;
		bottom = (
			<>
				{h !== bottomHeight ? null : latencyPane}
				<ActionDialog state={dialog} width={width} height={h} now={snapshot.time} />
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
						focused={ui.focus === 'alerts'}
						selected={ui.scroll.alerts}
						filter={ui.filter.text}
						editingFilter={ui.filter.editing}
						filterMode={ui.filter.mode}
						filterProblem={shown.problem}
						shown={ui.shown}
						visible={shown.alerts}
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
				{ui.view === 'help' ? (
					<HelpOverlay
						width={width}
						height={body}
						readOnly={config.readOnly}
						scroll={ui.viewScroll}
					/>
				) : ui.view === 'history' ? (
					<Box flexDirection="column" height={body} overflow="hidden">
						<HistoryView
							report={history.report}
							progress={history.progress}
							error={history.error}
							width={width}
							height={body}
							scroll={ui.viewScroll}
						/>
					</Box>
				) : (
					<Box flexDirection="column" height={body} overflow="hidden">
						<Box height={layout.ports} flexDirection="column" overflow="hidden">
							<PortsPane
								ports={snapshot.ports}
								endpoint={snapshot.latency}
								now={snapshot.time}
								width={width}
								rows={layout.ports - (layout.compact ? 1 : 2)}
								focused={ui.focus === 'ports'}
								scroll={ui.scroll.ports}
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
								focused={ui.focus === 'processes'}
								scroll={ui.scroll.processes}
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
