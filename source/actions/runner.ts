import type {ActionResult, ActionStep, StepReporter} from '../types.js';

export type ActionKind =
	'restart' | 'backup' | 'restore' | 'validate' | 'dump' | 'latency' | 'concurrency' | 'doctor';

export type ActionPlan = {
	/** What will happen, line by line: PIDs and command lines to stop, files to overwrite. */
	lines: string[];
	/** Reasons it cannot run; shown instead of the y/N question. */
	problems: string[];
	context: unknown;
};

export type ActionDefinition = {
	title: string;
	/** Stops a process or overwrites files: asks y/N and is disabled in read-only mode. */
	destructive: boolean;
	/** Writes files (a backup, a restore, a dump): disabled in read-only mode. */
	writes: boolean;
	/** Restore: choose an item first. */
	choices?: () => Promise<Array<{id: string; label: string}>>;
	plan?: (choice: string | null) => Promise<ActionPlan>;
	run: (context: unknown, report: StepReporter, signal: AbortSignal) => Promise<ActionResult>;
};

export type DialogState =
	| {phase: 'idle'; notice: string | null}
	| {phase: 'loading'; kind: ActionKind; title: string}
	| {
			phase: 'pick';
			kind: ActionKind;
			title: string;
			choices: Array<{id: string; label: string}>;
			selected: number;
	  }
	| {phase: 'confirm'; kind: ActionKind; title: string; plan: ActionPlan}
	| {phase: 'running'; kind: ActionKind; title: string; steps: ActionStep[]; startedAt: number}
	| {
			phase: 'done';
			kind: ActionKind;
			title: string;
			steps: ActionStep[];
			result: ActionResult;
			startedAt: number;
			endedAt: number;
	  };

type Listener = () => void;

/**
 * The one place actions run from the screen: one at a time, confirmation for destructive ones, progress
 * as steps, the result kept until dismissed. No React here; the dialog renders getState().
 */
export class ActionRunner {
	private state: DialogState = {phase: 'idle', notice: null};
	private readonly listeners = new Set<Listener>();
	private controller: AbortController | null = null;
	private running: Promise<void> | null = null;

	constructor(
		private readonly definitions: Partial<Record<ActionKind, ActionDefinition>>,
		private readonly opts: {readOnly: boolean; now?: () => number},
	) {}

	subscribe = (listener: Listener): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getState = (): DialogState => this.state;

	get busy(): boolean {
		return this.state.phase === 'running' || this.state.phase === 'loading';
	}

	available(kind: ActionKind): boolean {
		const def = this.definitions[kind];
		return def !== undefined && !(this.opts.readOnly && (def.destructive || def.writes));
	}

	private now(): number {
		return this.opts.now?.() ?? Date.now();
	}

	private set(state: DialogState): void {
		this.state = state;
		for (const listener of this.listeners) listener();
	}

	/** A key asked for an action. A second press while one runs does not start another. */
	async request(kind: ActionKind): Promise<void> {
		const def = this.definitions[kind];
		if (this.busy || this.state.phase === 'confirm' || this.state.phase === 'pick') {
			const current = this.state.phase === 'idle' ? '' : this.state.title;
			this.flash(`${current} is still open; finish or Esc it first`);
			return;
		}
		if (!def) {
			this.flash(`${kind} is not available here`);
			return;
		}
		if (!this.available(kind)) {
			this.flash(
				`read-only mode: ${def.title.toLowerCase()} is disabled (--read-only / "readOnly")`,
			);
			return;
		}
		if (def.choices) {
			this.set({phase: 'loading', kind, title: def.title});
			try {
				const choices = await def.choices();
				this.set({phase: 'pick', kind, title: def.title, choices, selected: 0});
			} catch (error) {
				this.finish(kind, def.title, [], this.now(), failure(error));
			}
			return;
		}
		await this.prepare(kind, def, null);
	}

	private async prepare(
		kind: ActionKind,
		def: ActionDefinition,
		choice: string | null,
	): Promise<void> {
		if (!def.plan) {
			this.start(kind, def, null);
			return;
		}
		this.set({phase: 'loading', kind, title: def.title});
		let plan: ActionPlan;
		try {
			plan = await def.plan(choice);
		} catch (error) {
			this.finish(kind, def.title, [], this.now(), failure(error));
			return;
		}
		if (def.destructive || plan.problems.length > 0) {
			this.set({phase: 'confirm', kind, title: def.title, plan});
		} else {
			this.start(kind, def, plan.context);
		}
	}

	move(delta: number): void {
		if (this.state.phase !== 'pick') return;
		const n = this.state.choices.length;
		if (n === 0) return;
		const selected = Math.min(n - 1, Math.max(0, this.state.selected + delta));
		this.set({...this.state, selected});
	}

	async pick(): Promise<void> {
		if (this.state.phase !== 'pick') return;
		const choice = this.state.choices[this.state.selected];
		const def = this.definitions[this.state.kind]!;
		if (!choice) {
			this.cancel();
			return;
		}
		await this.prepare(this.state.kind, def, choice.id);
	}

	/** `y` in the confirmation dialog. */
	confirm(): void {
		if (this.state.phase !== 'confirm' || this.state.plan.problems.length > 0) return;
		const def = this.definitions[this.state.kind]!;
		this.start(this.state.kind, def, this.state.plan.context);
	}

	/** Esc / n: closes a question or a finished result; a running action goes on. */
	cancel(): void {
		if (this.state.phase === 'running' || this.state.phase === 'loading') return;
		this.set({phase: 'idle', notice: null});
	}

	dismiss(): void {
		this.cancel();
	}

	private flash(notice: string): void {
		if (this.state.phase === 'idle') this.set({phase: 'idle', notice});
	}

	clearNotice(): void {
		if (this.state.phase === 'idle' && this.state.notice !== null)
			this.set({phase: 'idle', notice: null});
	}

	private start(kind: ActionKind, def: ActionDefinition, context: unknown): void {
		const startedAt = this.now();
		const steps: ActionStep[] = [];
		this.controller = new AbortController();
		this.set({phase: 'running', kind, title: def.title, steps: [], startedAt});
		const report: StepReporter = (step) => {
			const i = steps.findIndex((s) => s.id === step.id);
			if (i === -1) steps.push(step);
			else steps[i] = step;
			if (this.state.phase === 'running') this.set({...this.state, steps: [...steps]});
		};
		this.running = def
			.run(context, report, this.controller.signal)
			.catch((error: unknown) => failure(error))
			.then((result) => {
				// A step left "running" when the action ended did not finish.
				const closed = steps.map((s) =>
					s.status === 'running' ? {...s, status: result.ok ? 'ok' : 'fail'} : s,
				) as ActionStep[];
				this.finish(kind, def.title, closed, startedAt, result);
			})
			.finally(() => {
				this.running = null;
				this.controller = null;
			});
	}

	private finish(
		kind: ActionKind,
		title: string,
		steps: ActionStep[],
		startedAt: number,
		result: ActionResult,
	): void {
		this.set({phase: 'done', kind, title, steps, result, startedAt, endedAt: this.now()});
	}

	/** On quit: stop waiting for a running action (it reports what it had done). */
	async abort(): Promise<void> {
		this.controller?.abort();
		await this.running;
	}
}

function failure(error: unknown): ActionResult {
	return {ok: false, summary: error instanceof Error ? error.message : String(error)};
}
