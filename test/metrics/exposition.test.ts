import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, it} from 'node:test';
import {formatFor, mcpDurationBuckets, MetricsExposition} from '../../source/metrics/exposition.js';
import {isLoopback, labelMatchProblem, parseListen} from '../../source/metrics/listen.js';
import {alert, proc, snapshot, t0} from '../helpers/snapshot.js';
import {promtoolBin} from './support.js';

function valueOf(text: string, series: string): number {
	const line = text.split('\n').find((l) => l.startsWith(`${series} `));
	assert.ok(line, `no ${series} in\n${text}`);
	return Number(line.slice(series.length + 1));
}

function promtool(text: string): {status: number | null; out: string} {
	const r = spawnSync(promtoolBin, ['check', 'metrics'], {input: text, encoding: 'utf8'});
	return {status: r.status, out: r.stdout + r.stderr};
}

describe('MetricsExposition', () => {
	it('turns cumulative snapshot totals into exact counters and each probe into one observation', async () => {
		const e = new MetricsExposition({host: 'build-07', profile: 'p'});
		e.update(snapshot({time: t0}));
		e.observeProbe({time: t0, ms: 12, error: null}, 12);
		e.observeProbe({time: t0, ms: null, error: 'timeout'}, 5000);
		e.observeProbe({time: t0, ms: 250, error: null}, 250);
		const later = snapshot({time: t0 + 1000});
		later.alerts = {...later.alerts, totals: {critical: 2, error: 7, warning: 3}, linesRead: 150};
		later.latency = {...later.latency, reconnects: 4, sessions: 2};
		e.update(later);
		const {body, contentType} = await e.render('text');
		assert.match(contentType, /^text\/plain; version=0\.0\.4/);
		assert.equal(valueOf(body, 'mcptop_alerts_total{severity="critical"}'), 2);
		assert.equal(valueOf(body, 'mcptop_alerts_total{severity="error"}'), 7);
		assert.equal(valueOf(body, 'mcptop_log_lines_total'), 150);
		assert.equal(valueOf(body, 'mcptop_endpoint_reconnects_total'), 4);
		assert.equal(valueOf(body, 'mcptop_endpoint_sessions_total'), 2);
		assert.equal(valueOf(body, 'mcptop_mcp_request_duration_seconds_count'), 2);
		assert.equal(valueOf(body, 'mcptop_mcp_request_duration_seconds_bucket{le="0.02"}'), 1);
		assert.equal(valueOf(body, 'mcptop_mcp_request_duration_seconds_bucket{le="0.5"}'), 2);
		assert.equal(valueOf(body, 'mcptop_endpoint_probes_total{result="failure"}'), 1);
		assert.equal(valueOf(body, 'probe_success'), 1);
		assert.equal(valueOf(body, 'probe_duration_seconds'), 0.25);
		assert.equal(valueOf(body, 'mcptop_health{state="OK"}'), 1);
		assert.equal(valueOf(body, 'mcptop_up'), 1);
		assert.equal(valueOf(body, 'mcptop_port_clients{port="8080",name="unreal bridge"}'), 2);
		assert.equal(
			valueOf(body, 'mcptop_process_resident_memory_bytes{pid="4242"}'),
			87.5 * 1024 * 1024,
		);
		// 3.2 % of one second.
		assert.ok(
			Math.abs(valueOf(body, 'mcptop_process_cpu_seconds_total{pid="4242"}') - 0.032) < 1e-9,
		);
		assert.equal(valueOf(body, 'mcptop_system_cpu_ratio'), 0.12);
		for (const le of mcpDurationBuckets)
			assert.ok(body.includes(`mcptop_mcp_request_duration_seconds_bucket{le="${le}"}`));
		const check = promtool(body);
		assert.equal(check.status, 0, check.out);
	});

	it('drops the series of a process that is gone and counts a new one as a restart', async () => {
		const e = new MetricsExposition({host: 'h', profile: 'p'});
		e.update(snapshot({time: t0, processes: [proc({pid: 100})]}));
		e.update(snapshot({time: t0 + 1000, processes: []}));
		e.update(snapshot({time: t0 + 2000, processes: [proc({pid: 200, leak: true})]}));
		const {body} = await e.render('text');
		assert.ok(!body.includes('pid="100"'), body);
		assert.equal(valueOf(body, 'mcptop_process_leak{pid="200"}'), 1);
		assert.equal(valueOf(body, 'mcptop_server_restarts_total'), 1);
		assert.equal(valueOf(body, 'mcptop_processes'), 1);
	});

	it('renders once per change: scrapes between two ticks share the text; 1,000 alerts change nothing in its size', async () => {
		const few = new MetricsExposition({host: 'h', profile: 'p'});
		const many = new MetricsExposition({host: 'h', profile: 'p'});
		few.update(snapshot());
		const book = snapshot();
		book.alerts = {
			...book.alerts,
			items: Array.from({length: 1000}, (_, i) => alert({text: `ERROR - distinct failure ${i}`})),
			totals: {critical: 10, error: 900, warning: 90},
		};
		many.update(book);
		const a = await few.render('text');
		const before = many.renderCount;
		const scrapes = await Promise.all(Array.from({length: 20}, () => many.render('text')));
		assert.equal(many.renderCount - before, 1, 'twenty scrapes rendered once');
		assert.ok(scrapes.every((s) => s.body === scrapes[0]?.body));
		const lines = (t: string) => t.split('\n').length;
		assert.equal(lines(scrapes[0]?.body ?? ''), lines(a.body), 'the same series with 1,000 alerts');
		assert.ok(!scrapes[0]?.body.includes('distinct failure'), 'no log line becomes a label');
		many.update(book);
		await many.render('text');
		assert.equal(many.renderCount - before, 2, 'a new snapshot renders anew');
	});

	it('speaks OpenMetrics when the scraper asks (Prometheus does), 0.0.4 otherwise', async () => {
		const e = new MetricsExposition({host: 'h', profile: 'p'});
		e.update(snapshot());
		const om = await e.render(
			formatFor(
				'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
			),
		);
		assert.match(om.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
		assert.ok(om.body.endsWith('# EOF\n'));
		assert.match(om.body, /^# TYPE mcptop_alerts counter$/m);
		assert.equal(formatFor('text/plain'), 'text');
		assert.equal(formatFor(undefined), 'text');
	});
});

describe('listen and matcher checks', () => {
	it('parses HOST:PORT and says what is wrong', () => {
		assert.deepEqual(parseListen('127.0.0.1:9464'), {host: '127.0.0.1', port: 9464});
		assert.deepEqual(parseListen('[::1]:9464'), {host: '::1', port: 9464});
		assert.deepEqual(parseListen(':9464'), {host: '0.0.0.0', port: 9464});
		assert.match(String(parseListen('9464')), /not HOST:PORT/);
		assert.match(String(parseListen('127.0.0.1:70000')), /above 65535/);
		assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost'));
		assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.1.2.3'));
	});

	it('accepts PromQL label matchers and refuses what would break the queries', () => {
		assert.equal(labelMatchProblem('job="mcptop"'), null);
		assert.equal(labelMatchProblem('job="mcptop", env=~"build-.*"'), null);
		assert.equal(labelMatchProblem('job="a,b"'), null);
		assert.match(String(labelMatchProblem('job=mcptop')), /not a label matcher/);
		assert.match(String(labelMatchProblem('job="x"}')), /not a label matcher/);
		assert.match(String(labelMatchProblem('')), /must not be empty/);
	});
});

describe('both formats from one exposition', () => {
	it('keeps _total in the 0.0.4 text after an OpenMetrics render (prom-client renames shared counters)', async () => {
		const e = new MetricsExposition({host: 'h', profile: 'p'});
		e.update(snapshot());
		await e.render('openmetrics');
		e.update(snapshot({time: t0 + 1000}));
		const {body} = await e.render('text');
		assert.match(body, /^# TYPE mcptop_alerts_total counter$/m);
		assert.match(body, /^mcptop_log_lines_total 100$/m);
		const om = await e.render('openmetrics');
		assert.match(om.body, /^mcptop_log_lines_total 100$/m);
	});
});
