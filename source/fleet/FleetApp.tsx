import React, {useEffect, useMemo, useState, useSyncExternalStore} from 'react';
import {Box} from 'ink';
import {FleetView} from '../components/FleetView.js';
import {ColorContext} from '../components/theme.js';
import {useKeys} from '../hooks/useKeys.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {fleetKey, initialFleetView, type FleetViewState} from './keys.js';
import type {FleetPoller} from './poller.js';
import {filterRows, sortRows} from './rows.js';

/** The fleet screen: keys through the one dispatcher, data from the poller, the view pure. */
export function FleetApp(props: {
	poller: FleetPoller;
	prometheus: string;
	color: boolean;
	onQuit: () => void;
}) {
	const {poller} = props;
	const state = useSyncExternalStore(poller.subscribe, poller.getState);
	const size = useTerminalSize();
	const [view, setView] = useState<FleetViewState>(initialFleetView);
	const [now, setNow] = useState(Date.now());
	useEffect(() => setNow(Date.now()), [state]);
	const allRows = state.data?.rows ?? [];
	const rows = useMemo(
		() => sortRows(filterRows(allRows, view.filter), view.sort, view.reverse),
		[allRows, view.filter, view.sort, view.reverse],
	);
	const instances = useMemo(() => rows.map((r) => r.instance), [rows]);
	useKeys(
		({key, text}) => {
			setView((current) => {
				const next = fleetKey(
					current,
					{
						input: text,
						up: key === 'Up',
						down: key === 'Down',
						pageUp: key === 'PgUp',
						pageDown: key === 'PgDn',
						enter: key === 'Enter',
						escape: key === 'Esc',
						backspace: key === 'Backspace' || key === 'Delete',
						ctrlC: key === 'Ctrl-C',
					},
					instances,
					Math.max(1, size.rows - 5),
				);
				if (next.quit) props.onQuit();
				if (next.refresh) void poller.refresh();
				if (next.detail !== current.detail) poller.showDetail(next.detail);
				return next;
			});
		},
		() => view.editingFilter,
	);
	const selected = Math.min(view.selected, Math.max(0, rows.length - 1));
	return (
		<ColorContext.Provider value={props.color}>
			<Box height={size.rows - 1} flexDirection="column">
				<FleetView
					rows={rows}
					total={allRows.length}
					selected={selected}
					sort={view.sort}
					reverse={view.reverse}
					filter={view.filter}
					editingFilter={view.editingFilter}
					detail={view.detail === null ? null : state.detail}
					prometheus={props.prometheus}
					updatedAt={state.data?.time ?? null}
					errors={state.data?.errors ?? []}
					now={now}
					width={size.columns}
					height={size.rows}
				/>
			</Box>
		</ColorContext.Provider>
	);
}
