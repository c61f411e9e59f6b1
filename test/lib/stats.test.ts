import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {
	assessConcurrency,
	assessLatency,
	mean,
	median,
	percentile,
	round2,
	stdev,
	summarize,
} from '../../source/lib/stats.js';

const close = (actual: number | null, expected: number, epsilon = 1e-9) =>
	assert.ok(
		actual !== null && Math.abs(actual - expected) < epsilon,
		`${actual} is not ${expected}`,
	);

describe('percentile', () => {
	test('interpolates between closest ranks, sorted or not', () => {
		const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
		const shuffled = [7, 3, 10, 1, 9, 2, 8, 5, 4, 6];
		for (const values of [sorted, shuffled]) {
			assert.equal(percentile(values, 0), 1);
			assert.equal(percentile(values, 50), 5.5);
			close(percentile(values, 95), 9.55);
			close(percentile(values, 99), 9.91);
			assert.equal(percentile(values, 100), 10);
		}
		assert.deepEqual(shuffled, [7, 3, 10, 1, 9, 2, 8, 5, 4, 6], 'the input is not reordered');
	});

	test('edge cases: empty, one value, non-finite values, p out of range', () => {
		assert.equal(percentile([], 50), null);
		assert.equal(percentile([42], 99), 42);
		assert.equal(percentile([NaN, 5, Infinity, 1], 100), 5);
		assert.equal(percentile([1, 2, 3], 150), 3);
		assert.equal(percentile([1, 2, 3], -5), 1);
	});
});

describe('summaries', () => {
	test('mean, median and sample stdev', () => {
		const values = [2, 4, 4, 4, 5, 5, 7, 9];
		assert.equal(mean(values), 5);
		assert.equal(median(values), 4.5);
		close(stdev(values), Math.sqrt(32 / 7));
		assert.equal(stdev([3]), 0);
		assert.equal(stdev([]), null);
		assert.equal(mean([]), null);
	});

	test('summarize gives every statistic, nulls when empty', () => {
		const s = summarize([9, 2, 4, 4, 5, 4, 7, 5]);
		assert.equal(s.count, 8);
		assert.equal(s.mean, 5);
		assert.equal(s.median, 4.5);
		assert.equal(s.p50, 4.5);
		assert.equal(s.min, 2);
		assert.equal(s.max, 9);
		close(s.p95, 8.3);
		close(s.p99, 8.86);
		assert.deepEqual(summarize([]), {
			count: 0,
			mean: null,
			median: null,
			stdev: null,
			min: null,
			max: null,
			p50: null,
			p95: null,
			p99: null,
		});
	});

	test('round2 keeps two decimals and passes null through', () => {
		assert.equal(round2(12.3456), 12.35);
		assert.equal(round2(null), null);
	});
});

describe('assessments', () => {
	test('latency bands: < 100 Excellent, < 500 Good, < 1000 Acceptable, else Poor', () => {
		const cases: Array<[number | null, string]> = [
			[0, 'Excellent'],
			[99.99, 'Excellent'],
			[100, 'Good'],
			[499, 'Good'],
			[500, 'Acceptable'],
			[999.9, 'Acceptable'],
			[1000, 'Poor'],
			[60_000, 'Poor'],
			[null, 'n/a'],
			[NaN, 'n/a'],
		];
		for (const [ms, word] of cases) assert.equal(assessLatency(ms), word, String(ms));
		const tight = {excellentMs: 10, goodMs: 20, acceptableMs: 30};
		assert.equal(assessLatency(15, tight), 'Good');
		assert.equal(assessLatency(30, tight), 'Poor');
	});

	test('concurrency: success rate (a fraction) and throughput', () => {
		const cases: Array<[number, number, string]> = [
			[1, 500, 'Excellent'],
			[0.99, 50, 'Excellent'],
			[0.99, 49.9, 'Good'],
			[0.989, 500, 'Good'],
			[0.95, 20, 'Good'],
			[0.95, 19.9, 'Acceptable'],
			[1, 0, 'Acceptable'],
			[0.9, 1, 'Acceptable'],
			[0.899, 1000, 'Poor'],
			[0, 0, 'Poor'],
		];
		for (const [rate, rps, word] of cases) {
			assert.equal(assessConcurrency(rate, rps), word, `${rate} at ${rps} req/s`);
		}
		assert.equal(assessConcurrency(NaN, 10), 'n/a');
	});
});
