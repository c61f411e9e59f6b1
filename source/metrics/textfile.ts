import fs from 'node:fs/promises';
import path from 'node:path';

/** node_exporter's textfile collector reads only *.prom: the temporary name is never read half-written. */
export const textfileName = 'mcptop.prom';

/**
 * Writes the exposition for node_exporter's textfile collector: into a temporary file in the same
 * directory, then renamed over the old one, so a reader sees the old file or the new one, never a
 * part. Writes are serialised; a write asked for while one runs is folded into the next.
 */
export class TextfileWriter {
	private readonly file: string;
	private readonly temp: string;
	private writing: Promise<void> | null = null;
	private pending: string | null = null;
	private lastError: string | null = null;

	constructor(dir: string) {
		this.file = path.join(dir, textfileName);
		this.temp = path.join(dir, `.${textfileName}.${process.pid}.tmp`);
	}

	get path(): string {
		return this.file;
	}

	/** The last write's failure in the operator's words, or null. */
	get error(): string | null {
		return this.lastError;
	}

	write(body: string): Promise<void> {
		this.pending = body;
		this.writing ??= this.drain();
		return this.writing;
	}

	private async drain(): Promise<void> {
		try {
			while (this.pending !== null) {
				const body = this.pending;
				this.pending = null;
				try {
					await fs.writeFile(this.temp, body, {mode: 0o644});
					await fs.rename(this.temp, this.file);
					this.lastError = null;
				} catch (error) {
					this.lastError = `cannot write ${this.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
					await fs.rm(this.temp, {force: true}).catch(() => undefined);
				}
			}
		} finally {
			this.writing = null;
		}
	}

	/** Removes the temporary file a crash could leave (never the metrics file: its figures stay valid). */
	async close(): Promise<void> {
		await this.writing;
		await fs.rm(this.temp, {force: true}).catch(() => undefined);
	}
}
