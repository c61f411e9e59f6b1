import {useSyncExternalStore} from 'react';
import type {ActionRunner, DialogState} from '../actions/runner.js';

export function useDialog(runner: ActionRunner): DialogState {
	return useSyncExternalStore(runner.subscribe, runner.getState, runner.getState);
}
