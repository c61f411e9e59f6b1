import assert from 'node:assert/strict';
import {ConfigError} from '../../source/config.js';

/** The one-line ConfigError that `fn` throws; fails the test on any other outcome. */
export function errorOf(fn: () => unknown): string {
	try {
		fn();
	} catch (error) {
		assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
		assert.doesNotMatch(error.message, /\n/, 'one line');
		return error.message;
	}
	assert.fail('no error');
}
