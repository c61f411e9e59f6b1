/** Fixed-capacity FIFO: memory stays flat however long mcptop runs. */
export class RingBuffer<T> {
	private readonly items: Array<T | undefined>;
	private start = 0;
	private count = 0;

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be ≥ 1');
		this.items = new Array<T | undefined>(capacity);
	}

	get length(): number {
		return this.count;
	}

	push(item: T): void {
		const end = (this.start + this.count) % this.capacity;
		this.items[end] = item;
		if (this.count < this.capacity) this.count++;
		else this.start = (this.start + 1) % this.capacity;
	}

	/** Oldest first. */
	toArray(): T[] {
		const out: T[] = [];
		for (let i = 0; i < this.count; i++)
			out.push(this.items[(this.start + i) % this.capacity] as T);
		return out;
	}

	/** The newest n items, oldest first. */
	last(n: number): T[] {
		const take = Math.max(0, Math.min(n, this.count));
		const out: T[] = [];
		for (let i = this.count - take; i < this.count; i++)
			out.push(this.items[(this.start + i) % this.capacity] as T);
		return out;
	}

	newest(): T | undefined {
		return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
	}

	oldest(): T | undefined {
		return this.count === 0 ? undefined : this.items[this.start];
	}

	/** Drop items from the oldest end while the predicate holds. */
	dropWhile(predicate: (item: T) => boolean): void {
		while (this.count > 0 && predicate(this.items[this.start] as T)) {
			this.items[this.start] = undefined;
			this.start = (this.start + 1) % this.capacity;
			this.count--;
		}
	}

	clear(): void {
		this.items.fill(undefined);
		this.start = 0;
		this.count = 0;
	}
}
