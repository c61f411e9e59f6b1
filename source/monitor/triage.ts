// The guide's triage tables: its symptom table ranks what the operator sees (server won't start:
// critical; slow responses: high; blueprint creation fails: medium; client drops: low) and its issue
// classification matrix gives each problem category a first response. Every WARN/FAIL reason mcptop
// shows is classified here, so the header can show the highest-priority one first.
import type {Health, Triage, TriageCategory, TriagePriority, TriagedReason} from '../types.js';

export const symptoms: Record<string, TriagePriority> = {
	"server won't start": 'critical',
	'slow responses': 'high',
	'blueprint creation fails': 'medium',
	'client drops': 'low',
};

export type Symptom = keyof typeof symptoms;

const priorityOrder: Record<TriagePriority, number> = {critical: 0, high: 1, medium: 2, low: 3};

export function priorityRank(p: TriagePriority): number {
	return priorityOrder[p];
}

/** The classification matrix: each category's first response. */
export const firstResponses: Record<TriageCategory, string> = {
	connection:
		'check the ports pane: is the port listening and held by the expected server? Restart it (r) if it is down',
	memory:
		'watch the RSS trend (Enter on the process); save an incident dump (d), then restart (r) if it keeps growing',
	performance:
		'open the process detail (Enter) for CPU and I/O; run the latency analysis (l) to see which calls are slow',
	'editor state':
		'look at the Unreal Editor: stop play-in-editor/simulate and check the plugin is enabled and connected',
	authentication:
		'check the token: the variable named by endpoint.tokenEnv must hold the token the server expects',
	validation:
		'read the newest error in the alerts pane; run validation (v) to see which check fails',
	environment: 'run the doctor (D, or mcptop doctor) and apply the fix it gives for each FAIL',
};

export function triage(symptom: Symptom, category: TriageCategory, firstResponse?: string): Triage {
	return {
		priority: symptoms[symptom]!,
		symptom,
		category,
		firstResponse: firstResponse ?? firstResponses[category],
	};
}

/** "critical · connection" for a screen line. */
export function triageWords(t: Triage): string {
	return `${t.priority} · ${t.category}`;
}

// Reason texts come from monitor/assess.ts and monitor/store.ts; the first matching row wins.
const reasonRows: Array<[RegExp, Symptom, TriageCategory, string?]> = [
	[
		/\b(401|403)\b|unauthori[sz]ed|forbidden|token|auth/i,
		'blueprint creation fails',
		'authentication',
	],
	[
		/ is held by pid /,
		"server won't start",
		'connection',
		'stop the program holding the port (its pid is in the ports pane) or move the server to another port; then restart (r)',
	],
	[
		/is not listening|endpoint .*(refused|ECONNREFUSED|not connected|closed|timed out|timeout|reconnecting|connecting)/i,
		"server won't start",
		'connection',
	],
	[
		/^no process matches/,
		"server won't start",
		'environment',
		'run the doctor (D) to see why the server does not start, then restart it (r)',
	],
	[
		/is stopped \(SIGSTOP|held by a debugger/,
		'slow responses',
		'performance',
		'the server answers nothing while stopped: kill -CONT the pid (or detach the debugger)',
	],
	[/memory leak|RSS grew|RSS \d+ MB >|available memory|^memory \d+%/, 'slow responses', 'memory'],
	[/CPU \d+% >|latency (Poor|Acceptable)/, 'slow responses', 'performance'],
	[
		/^(disk|free disk)/,
		'slow responses',
		'environment',
		'free disk space: old server logs and backups (backup.keep) are the usual candidates',
	],
	[
		/no clients connected|% loss|connection (lost|timeout)/i,
		'client drops',
		'connection',
		'check the Unreal Editor is open with the plugin enabled; look for network timeouts in its log',
	],
	[/play mode|simulat|editor/i, 'blueprint creation fails', 'editor state'],
	[
		/probe failed/,
		'slow responses',
		'performance',
		'a probe of mcptop itself failed: the machine may be overloaded; check CPU and memory',
	],
	[/warnings in|high warning frequency/i, 'slow responses', 'performance'],
	[/errors in the logs|error/i, 'blueprint creation fails', 'validation'],
	[/^endpoint /, "server won't start", 'connection'],
];

/** The triage of one reason the monitor gives. Unrecognised text is treated as a validation issue. */
export function triageReason(text: string): Triage {
	for (const [re, symptom, category, first] of reasonRows)
		if (re.test(text)) return triage(symptom, category, first);
	return triage('blueprint creation fails', 'validation');
}

const healthOrder: Record<Health, number> = {FAIL: 0, WARN: 1, UNKNOWN: 2, OK: 3};

/** Highest priority first; within a priority the worse health first; otherwise the order given. */
export function triageReasons(found: Array<{text: string; health: Health}>): TriagedReason[] {
	return found
		.filter((r) => r.health === 'WARN' || r.health === 'FAIL')
		.map((r) => ({...r, triage: triageReason(r.text)}))
		.sort(
			(a, b) =>
				priorityRank(a.triage.priority) - priorityRank(b.triage.priority) ||
				healthOrder[a.health] - healthOrder[b.health],
		);
}
