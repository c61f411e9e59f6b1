import {test} from 'node:test';
import assert from 'node:assert/strict';
import {RssHistory} from '../../source/monitor/rss-trend.js';

const mb = 1024 * 1024;
const opts = {windowMs: 300_000, capacity: 400, leakMbPerSec: 0.1, leakSamples: 10};

test('a flat RSS has a ~0 trend and no leak', () => {
	const h = new RssHistory(opts);
	let trend = h.add(0, 100 * mb);
	for (let i = 1; i <= 120; i++) trend = h.add(i * 1000, (100 + (i % 2) * 0.01) * mb);
	assert.ok(trend.mbPerMin !== null && Math.abs(trend.mbPerMin) < 0.1);
	assert.equal(trend.leak, false);
});

test('steady growth of 0.2 MB/s over a minute is a leak with the slope in MB/min', () => {
	const h = new RssHistory({...opts, leakSamples: 1000});
	let trend = h.add(0, 100 * mb);
	for (let i = 1; i <= 70; i++) trend = h.add(i * 1000, (100 + i * 0.2 + (i % 3) * 0.5) * mb);
	assert.ok(trend.mbPerMin !== null && Math.abs(trend.mbPerMin - 12) < 1, String(trend.mbPerMin));
	assert.equal(trend.leak, true);
	assert.match(trend.leakReason ?? '', /MB\/s/);
	assert.ok(Math.abs(trend.growthMb - 14.5) < 1);
});

test('ten consecutive increases flag a possible leak even when slow', () => {
	const h = new RssHistory(opts);
	let trend = h.add(0, 100 * mb);
	for (let i = 1; i <= 9; i++) trend = h.add(i * 1000, (100 + i * 0.001) * mb);
	assert.equal(trend.leak, false);
	trend = h.add(10_000, 100.011 * mb);
	assert.equal(trend.leak, true);
	assert.match(trend.leakReason ?? '', /10 consecutive/);
});

test('no trend until there is half a minute of history', () => {
	const h = new RssHistory(opts);
	let trend = h.add(0, mb);
	for (let i = 1; i < 30; i++) trend = h.add(i * 1000, (1 + i) * mb);
	assert.equal(trend.mbPerMin, null, '29 s of samples');
	assert.ok(Math.abs(h.add(30_000, 31 * mb).mbPerMin! - 60) < 0.001);
});

test('a starting process has no trend, growth or leak flag until 30 s of uptime', () => {
	const h = new RssHistory(opts);
	let trend = h.add(0, 20 * mb, 0);
	for (let i = 1; i < 30; i++) trend = h.add(i * 1000, (20 + i * 3) * mb, i * 1000);
	assert.deepEqual(trend, {mbPerMin: null, growthMb: 0, leak: false, leakReason: null});
	for (let i = 30; i < 60; i++) trend = h.add(i * 1000, 110 * mb, i * 1000);
	assert.equal(trend.mbPerMin, null, 'the steady state has 29 s of history');
	trend = h.add(60_000, 110 * mb, 60_000);
	assert.ok(trend.mbPerMin !== null && Math.abs(trend.mbPerMin) < 0.001, String(trend.mbPerMin));
	assert.equal(trend.leak, false);
});

test('growth during start-up does not count: the baseline is taken after 30 s of uptime', () => {
	const h = new RssHistory(opts);
	h.add(0, 20 * mb, 1000);
	h.add(1000, 90 * mb, 2000);
	assert.equal(h.add(2000, 95 * mb, 3000).growthMb, 0);
	h.add(30_000, 100 * mb, 31_000);
	assert.ok(Math.abs(h.add(31_000, 160 * mb, 32_000).growthMb - 60) < 0.001);
});
