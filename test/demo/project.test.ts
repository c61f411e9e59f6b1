import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {createDemoProject} from '../../source/demo/project.js';

test('the demo project has the five files, non-empty, with .env private', async () => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcptop-'));
	try {
		const dir = path.join(root, 'project');
		const written = await createDemoProject(dir, {
			mcpPort: 41_000,
			bridgePort: 41_001,
			logFile: '/tmp/x/unreal_blueprint_mcp.log',
		});
		assert.deepEqual(written.map((file) => path.basename(file)).sort(), [
			'.env',
			'memory_manager.py',
			'requirements.txt',
			'security_utils.py',
			'unreal_blueprint_mcp_server.py',
		]);
		for (const file of written) assert.ok(fs.statSync(file).size > 100 || file.endsWith('.txt'));
		assert.equal(fs.statSync(path.join(dir, '.env')).mode & 0o777, 0o600);
		assert.equal(fs.statSync(dir).mode & 0o777, 0o700);

		const requirements = fs.readFileSync(path.join(dir, 'requirements.txt'), 'utf8');
		const packages = requirements
			.trim()
			.split('\n')
			.map((line) => line.split(/[<>=]/)[0]);
		assert.deepEqual(packages, ['fastmcp', 'websockets', 'pydantic', 'psutil']);

		const env = fs.readFileSync(path.join(dir, '.env'), 'utf8');
		assert.match(env, /DEMO/);
		assert.match(env, /MCP_PORT=41000/);
		const server = fs.readFileSync(path.join(dir, 'unreal_blueprint_mcp_server.py'), 'utf8');
		assert.match(server, /%\(asctime\)s - %\(levelname\)s - %\(message\)s/);
		assert.match(server, /"41001"/);
	} finally {
		fs.rmSync(root, {recursive: true, force: true});
	}
});
