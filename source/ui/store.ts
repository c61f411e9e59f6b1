import type {KeyPress} from '../keys/key-name.js';
import {initialUiState, reduceKey, type Command, type KeyContext, type UiState} from './state.js';

type Listener = () => void;

/**
 * Holds the screen's state outside React so that each key of a chunk is reduced from the state the
 * one before left (React would hand a handler the state of the last render). App reads it with
 * useSyncExternalStore.
 */
export class UiStore {
	private state: UiState;
	private readonly listeners = new Set<Listener>();

	constructor(initial: UiState = initialUiState) {
		this.state = initial;
	}

	subscribe = (listener: Listener): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getState = (): UiState => this.state;

	/** Reduces one key and returns what it asks of the world, for the caller to do now. */
	press(key: KeyPress, context: KeyContext): Command[] {
		this.set(reduceKey(this.state, key, context));
		return this.state.commands;
	}

	update(change: (state: UiState) => UiState): void {
		this.set(change(this.state));
	}

	private set(state: UiState): void {
		if (state === this.state) return;
		this.state = state;
		for (const listener of this.listeners) listener();
	}
}
