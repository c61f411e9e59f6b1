import {test} from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {startDemoStack} from '../../source/demo/stack.js';
import {findSocketHolders, readTcpSockets} from '../../source/probes/proc.js';

function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const s = net.createServer().listen(0, '127.0.0.1', () => {
			const port = (s.address() as net.AddressInfo).port;
			s.close(() => resolve(port));
		});
	});
}

test(
	'two demos started at once with the same preferred ports each watch their own server',
	{timeout: 60_000},
	async () => {
		const mcp = await freePort();
		const bridge = await freePort();
		const stacks = await Promise.all([
			startDemoStack({preferredPorts: {mcp, bridge}}),
			startDemoStack({preferredPorts: {mcp, bridge}}),
		]);
		try {
			assert.notEqual(stacks[0].ports.mcp, stacks[1].ports.mcp);
			for (const stack of stacks) {
				const listener = (readTcpSockets(4) ?? []).find(
					(s) => s.state === 'LISTEN' && s.localPort === stack.ports.mcp,
				);
				assert.ok(listener, `something listens on ${stack.ports.mcp}`);
				const owner = findSocketHolders([listener.inode]).get(listener.inode)?.pid;
				assert.ok(
					owner !== undefined && stack.pids().includes(owner),
					`port ${stack.ports.mcp} is held by this demo's server`,
				);
			}
		} finally {
			await Promise.all(stacks.map((s) => s.stop()));
		}
	},
);
