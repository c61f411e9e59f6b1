import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {dashboardExpressions, examples, prometheusMissing, promtoolBin} from './support.js';

function promtool(...args: string[]) {
	const r = spawnSync(promtoolBin, args, {cwd: examples, encoding: 'utf8', timeout: 60_000});
	return {status: r.status, out: r.stdout + r.stderr};
}

describe('examples/', {skip: prometheusMissing() ?? false}, () => {
	it('the scrape config and the alert rules pass promtool', () => {
		const config = promtool('check', 'config', 'prometheus.yml');
		assert.equal(config.status, 0, config.out);
		const rules = promtool('check', 'rules', 'mcptop-alerts.yml');
		assert.equal(rules.status, 0, rules.out);
		assert.match(rules.out, /SUCCESS: 6 rules found/);
	});

	it('the alert rules fire as their unit tests say (server down, loss, leak, error rate)', () => {
		const test = promtool('test', 'rules', 'mcptop-alerts.test.yml');
		assert.equal(test.status, 0, test.out);
	});

	it('the Grafana dashboard uses only metrics mcptop exports, on the instance variable', () => {
		const exprs = dashboardExpressions();
		assert.ok(exprs.length >= 10);
		const source = fs.readFileSync(
			path.join(examples, '..', 'source', 'metrics', 'exposition.ts'),
			'utf8',
		);
		for (const expr of exprs) {
			assert.match(expr, /instance=~"\$instance"/, expr);
			for (const name of expr.match(/\b(?:mcptop_\w+|probe_\w+)/g) ?? []) {
				const base = name.replace(/_(bucket|count|sum)$/, '');
				assert.ok(source.includes(`'${base}'`), `${name} in the dashboard is not exported`);
			}
		}
	});
});

describe('examples/mcptop-serve.service', () => {
	const verify = spawnSync('systemd-analyze', ['--version'], {encoding: 'utf8'});
	it(
		'passes systemd-analyze verify',
		{skip: verify.status === 0 ? false : 'systemd-analyze is not installed'},
		() => {
			const r = spawnSync(
				'systemd-analyze',
				['verify', path.join(examples, 'mcptop-serve.service')],
				{
					encoding: 'utf8',
					timeout: 30_000,
				},
			);
			assert.equal(r.status, 0, r.stdout + r.stderr);
			const unit = fs.readFileSync(path.join(examples, 'mcptop-serve.service'), 'utf8');
			assert.match(unit, /^ExecStart=.*mcptop serve .*--metrics-listen 127\.0\.0\.1:9464$/m);
		},
	);
});
