// npm links a package's bin for the projects that depend on it, not in its own checkout. This makes
// node_modules/.bin/mcptop work here too after `npm install` / `npm ci` (run by the prepare script).
import fs from 'node:fs';
import path from 'node:path';

const bin = path.join('node_modules', '.bin');
const link = path.join(bin, 'mcptop');
if (fs.existsSync('node_modules')) {
	fs.mkdirSync(bin, {recursive: true});
	fs.rmSync(link, {force: true});
	fs.symlinkSync(path.join('..', '..', 'dist', 'cli.js'), link);
	fs.chmodSync(path.join('dist', 'cli.js'), 0o755);
}
