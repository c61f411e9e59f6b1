import {useEffect, useRef, useState} from 'react';
import {analyseHistory, type HistoryProgress, type HistoryReport} from '../logs/history.js';
import type {Config} from '../types.js';

export type HistoryState = {
	report: HistoryReport | null;
	progress: HistoryProgress | null;
	error: string | null;
};

/**
 * The log history for the history view: analysed once at start (bounded by history.maxMb and
 * history.days) and again each time the view opens, so it counts what the Alerts pane counts. One
 * analysis at a time; the last report stays shown while the next runs; leaving the screen aborts it.
 */
export function useHistory(config: Config, open: boolean): HistoryState {
	const [state, setState] = useState<HistoryState>({report: null, progress: null, error: null});
	const running = useRef<AbortController | null>(null);
	const start = () => {
		if (running.current) return;
		const abort = new AbortController();
		running.current = abort;
		setState((s) => ({...s, progress: null, error: null}));
		analyseHistory(config, {
			signal: abort.signal,
			onProgress: (progress) => setState((s) => ({...s, progress})),
		})
			.then((report) => {
				setState({report, progress: null, error: null});
			})
			.catch((error: unknown) => {
				if (abort.signal.aborted) return;
				setState((s) => ({
					...s,
					progress: null,
					error: error instanceof Error ? error.message : String(error),
				}));
			})
			.finally(() => {
				if (running.current === abort) running.current = null;
			});
	};
	useEffect(() => {
		start();
		return () => running.current?.abort();
	}, []);
	useEffect(() => {
		if (open) start();
	}, [open]);
	return state;
}
