import {useSyncExternalStore} from 'react';
import type {Snapshot} from '../types.js';

export type SnapshotSource = {subscribe(listener: () => void): () => void; getSnapshot(): Snapshot};

export function useSnapshot(store: SnapshotSource): Snapshot {
	return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
