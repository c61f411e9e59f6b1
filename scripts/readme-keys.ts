// Writes the README's key table from the binding table (source/keys/bindings.ts), then formats the
// README with Prettier. test/keys/readme.test.ts fails when the two disagree.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readmeKeyTable} from '../source/keys/dispatch.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = path.join(root, 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const start = text.indexOf('\n| key ', text.indexOf('\n## Keys\n'));
const end = text.indexOf('\n\n', start + 1);
if (start < 0 || end < 0) throw new Error('README.md: no key table under "## Keys"');
fs.writeFileSync(readme, text.slice(0, start + 1) + readmeKeyTable() + text.slice(end));
execFileSync(path.join(root, 'node_modules', '.bin', 'prettier'), ['--write', readme], {
	stdio: 'inherit',
});
