/**
 * A function of one string, remembered: the same text gives the same answer from a Map instead of
 * another computation. Two generations of at most `max` texts each, so the texts of the screen in
 * use stay and old ones age out without a sweep. For pure functions only (a width, a measure).
 */
export function memoByText<T>(compute: (text: string) => T, max = 2048): (text: string) => T {
	let recent = new Map<string, T>();
	let older = new Map<string, T>();
	return (text: string) => {
		const hit = recent.get(text);
		if (hit !== undefined) return hit;
		let value = older.get(text);
		if (value === undefined) value = compute(text);
		if (recent.size >= max) {
			older = recent;
			recent = new Map();
		}
		recent.set(text, value);
		return value;
	};
}
