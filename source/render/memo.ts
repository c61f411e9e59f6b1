/**
 * A Map that forgets: two generations of at most `max` entries each. A key asked for stays (it is
 * copied into the newer generation); when the newer one is full it becomes the older one and the
 * oldest entries go, without a sweep. What a cache of a screen's texts needs: the texts in use stay,
 * the ones a clock or a changing figure leave behind age out.
 */
export class TwoGenerationMap<K, V> {
	private recent = new Map<K, V>();
	private older = new Map<K, V>();

	constructor(private readonly max = 2048) {}

	get(key: K): V | undefined {
		const hit = this.recent.get(key);
		if (hit !== undefined) return hit;
		const old = this.older.get(key);
		if (old !== undefined) this.set(key, old);
		return old;
	}

	set(key: K, value: V): this {
		if (this.recent.size >= this.max) {
			this.older = this.recent;
			this.recent = new Map();
		}
		this.recent.set(key, value);
		return this;
	}

	get size(): number {
		return this.recent.size + this.older.size;
	}
}

/**
 * A function of one string, remembered: the same text gives the same answer from a TwoGenerationMap
 * instead of another computation. For pure functions only (a width, a measure).
 */
export function memoByText<T>(compute: (text: string) => T, max = 2048): (text: string) => T {
	const known = new TwoGenerationMap<string, T>(max);
	return (text: string) => {
		let value = known.get(text);
		if (value === undefined) {
			value = compute(text);
			known.set(text, value);
		}
		return value;
	};
}
