import React from 'react';
import {Box, Text} from 'ink';
import type {DialogState} from '../actions/runner.js';
import type {ActionStep} from '../types.js';
import {C, PaneTitle} from './theme.js';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const mark: Record<ActionStep['status'], {text: string; color: string}> = {
	running: {text: '', color: 'cyan'},
	ok: {text: '✓ OK  ', color: 'green'},
	warn: {text: '! WARN', color: 'yellow'},
	fail: {text: '✗ FAIL', color: 'red'},
	skipped: {text: '- SKIP', color: 'gray'},
};

/** A step is one row: a detail of several lines (the doctor's "Interpreter: …\nPackages: …") joined. */
function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, ' · ');
}

function Steps({steps, frame, rows}: {steps: ActionStep[]; frame: number; rows: number}) {
	const shown = steps.slice(Math.max(0, steps.length - rows));
	return (
		<>
			{steps.length > shown.length ? (
				<Text wrap="truncate-end">
					<C dim>{`… ${steps.length - shown.length} earlier steps`}</C>
				</Text>
			) : null}
			{shown.map((s) => (
				<Text key={s.id} wrap="truncate-end">
					<C color={mark[s.status].color} bold>
						{s.status === 'running'
							? `${spinner[frame % spinner.length]} ...  `
							: mark[s.status].text}
					</C>
					{` ${s.label}`}
					{s.detail ? <C dim>{`  ${oneLine(s.detail)}`}</C> : null}
				</Text>
			))}
		</>
	);
}

export function ActionDialog(props: {
	state: DialogState;
	width: number;
	height: number;
	now: number;
}) {
	const {state, width, height} = props;
	if (state.phase === 'idle') return null;
	// Advances once per store tick: the dialog has no timer of its own.
	const frame = Math.floor(props.now / 1000);
	const body = Math.max(1, height - 2);
	let content: React.ReactNode;
	let footer: string;
	switch (state.phase) {
		case 'loading':
			content = (
				<Text wrap="truncate-end">{`${spinner[frame % spinner.length]} looking at what ${state.title.toLowerCase()} would do…`}</Text>
			);
			footer = 'please wait';
			break;
		case 'pick': {
			const start = Math.min(
				Math.max(0, state.selected - body + 1),
				Math.max(0, state.choices.length - body),
			);
			content =
				state.choices.length === 0 ? (
					<Text wrap="truncate-end">
						<C color="yellow">No backups yet. Press b to make one.</C>
					</Text>
				) : (
					state.choices.slice(start, start + body).map((c, i) => (
						<Text key={c.id} wrap="truncate-end">
							<C
								inverse={start + i === state.selected}
							>{`${start + i === state.selected ? '›' : ' '} ${c.label}`}</C>
						</Text>
					))
				);
			footer = '↑↓ choose · Enter select · Esc cancel';
			break;
		}
		case 'confirm': {
			const {plan} = state;
			const lines = [
				...plan.lines.map((l) => ({l, bad: false})),
				...plan.problems.map((l) => ({l, bad: true})),
			];
			content = lines.slice(0, body).map((x, i) => (
				<Text key={i} wrap="truncate-end">
					{x.bad ? <C color="red" bold>{`FAIL ${x.l}`}</C> : x.l}
				</Text>
			));
			footer =
				plan.problems.length > 0
					? 'cannot proceed · Esc closes'
					: 'Proceed? y = yes · n / Esc = no';
			break;
		}
		case 'running':
			content = <Steps steps={state.steps} frame={frame} rows={body} />;
			footer = `running ${Math.round((props.now - state.startedAt) / 1000)}s · the panes keep refreshing · a second press starts nothing`;
			break;
		case 'done': {
			const r = state.result;
			const tail = [
				<Text key="result" wrap="truncate-end">
					<C color={r.ok ? 'green' : 'red'} bold>
						{r.ok ? 'OK ' : 'FAIL '}
					</C>
					{r.summary}
				</Text>,
				r.next ? (
					<Text key="next" wrap="truncate-end">
						<C color="yellow">{`next: ${r.next}`}</C>
					</Text>
				) : null,
			].filter(Boolean);
			content = (
				<>
					<Steps steps={state.steps} frame={0} rows={Math.max(0, body - tail.length)} />
					{tail}
				</>
			);
			footer = `took ${((state.endedAt - state.startedAt) / 1000).toFixed(1)}s · Esc / Enter dismisses`;
			break;
		}
	}
	return (
		// Stretched to the box around it, not `width`: the inner box cuts at this width, which must be
		// the new one while Ink prints the last tree after a resize (see App).
		<Box flexDirection="column" height={height}>
			<PaneTitle
				title={state.title}
				focused
				width={width}
				summary={state.phase === 'confirm' ? 'confirm' : state.phase}
			/>
			<Box flexDirection="column" height={body} overflow="hidden">
				{content}
			</Box>
			<Text wrap="truncate-end">
				<C dim>{footer}</C>
			</Text>
		</Box>
	);
}
