// The demo project folder: the five files of an UnrealBlueprintMCP checkout (SPEC 1), so backup,
// restore and validation have real files to work on. The running demo server is a Node process; the
// Python files here are plausible content, not what runs.
import fs from 'node:fs/promises';
import path from 'node:path';

export type DemoProjectOptions = {
	mcpPort: number;
	bridgePort: number;
	/** The server log the demo writes (Python logging format). */
	logFile: string;
};

export type DemoProjectFile = {name: string; content: string; mode: number};

const HEADER = `# Written by \`mcptop --demo\`: a stand-in for the UnrealBlueprintMCP project so backup, restore
# and validation have real files to work on. The running demo server is a Node process.
`;

export function demoProjectFiles(options: DemoProjectOptions): DemoProjectFile[] {
	const server = `${HEADER}"""UnrealBlueprintMCP server: MCP tools that drive the Unreal Editor plugin over a WebSocket bridge."""
import asyncio
import json
import logging
import os
import time

from fastmcp import FastMCP
import websockets

from memory_manager import MemoryManager
from security_utils import require_token, sanitize_asset_name

LOG_FILE = os.environ.get("MCP_LOG_FILE", ${JSON.stringify(options.logFile)})
MCP_PORT = int(os.environ.get("MCP_PORT", "${options.mcpPort}"))
BRIDGE_PORT = int(os.environ.get("UNREAL_BRIDGE_PORT", "${options.bridgePort}"))

logging.basicConfig(
    filename=LOG_FILE,
    level=logging.INFO,
    format="%(asctime)s - %(levelname)s - %(message)s",
)
log = logging.getLogger("unreal_blueprint_mcp")

mcp = FastMCP("unreal-blueprint-mcp")
memory = MemoryManager(limit_mb=512)
editors = set()
started_at = time.time()


@mcp.tool()
def get_server_status() -> dict:
    """Report uptime, connected Unreal editors and memory."""
    return {
        "status": "running",
        "uptime_seconds": round(time.time() - started_at, 1),
        "connected_editors": len(editors),
        "memory": memory.snapshot(),
    }


@mcp.tool()
def list_supported_blueprint_classes() -> list[str]:
    """Blueprint parent classes the plugin can create."""
    return ["Actor", "Pawn", "Character", "PlayerController", "GameModeBase", "ActorComponent"]


@mcp.tool()
async def test_unreal_connection() -> dict:
    """Round trip to the first connected editor."""
    if not editors:
        return {"connected": False, "error": f"No Unreal Editor on port {BRIDGE_PORT}"}
    editor = next(iter(editors))
    started = time.perf_counter()
    pong = await editor.ping()
    await asyncio.wait_for(pong, timeout=2)
    return {"connected": True, "round_trip_ms": round((time.perf_counter() - started) * 1000, 2)}


@mcp.tool()
async def create_blueprint(blueprint_name: str, parent_class: str, path: str = "/Game/Blueprints") -> str:
    """Ask the editor plugin to create a Blueprint asset."""
    require_token()
    name = sanitize_asset_name(blueprint_name)
    for editor in editors:
        await editor.send(json.dumps({"command": "create_blueprint", "name": name, "parent": parent_class, "path": path}))
    log.info("Creating blueprint %s (%s)", name, parent_class)
    return f"Blueprint {name} requested"


async def bridge(websocket):
    editors.add(websocket)
    log.info("Unreal Editor connected from %s", websocket.remote_address)
    try:
        async for message in websocket:
            memory.track(message)
    except websockets.ConnectionClosed as error:
        log.warning("Unreal Editor disconnected: %s", error)
    finally:
        editors.discard(websocket)


async def main():
    async with websockets.serve(bridge, "127.0.0.1", BRIDGE_PORT):
        log.info("Unreal plugin bridge listening on %s", BRIDGE_PORT)
        await mcp.run_async(transport="http", host="127.0.0.1", port=MCP_PORT)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    finally:
        log.info("Server shutting down")
`;

	const memoryManager = `${HEADER}"""Keeps the server's caches bounded and warns before memory runs out."""
import logging
import os

import psutil

log = logging.getLogger("unreal_blueprint_mcp")


class MemoryManager:
    def __init__(self, limit_mb: int = 512, cache_entries: int = 256):
        self.limit_mb = limit_mb
        self.cache_entries = cache_entries
        self.cache = []
        self.process = psutil.Process(os.getpid())

    def rss_mb(self) -> float:
        return self.process.memory_info().rss / (1024 * 1024)

    def track(self, message) -> None:
        self.cache.append(message)
        if len(self.cache) > self.cache_entries:
            del self.cache[: len(self.cache) // 2]
        rss = self.rss_mb()
        if rss > self.limit_mb * 0.8:
            log.warning("High memory usage detected: %.1f MB", rss)
        if rss > self.limit_mb:
            log.critical("Memory limit exceeded: %.1f MB > %d MB", rss, self.limit_mb)
            self.cache.clear()

    def snapshot(self) -> dict:
        return {"rss_mb": round(self.rss_mb(), 1), "cache_entries": len(self.cache)}
`;

	const securityUtils = `${HEADER}"""Token check and input sanitising for tools that change assets."""
import hmac
import os
import re

ASSET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class SecurityViolation(Exception):
    pass


def require_token(presented: str | None = None) -> None:
    expected = os.environ.get("MCP_AUTH_TOKEN", "")
    if not expected:
        return
    if presented is None or not hmac.compare_digest(presented, expected):
        raise SecurityViolation("Security violation: missing or wrong token")


def sanitize_asset_name(name: str) -> str:
    if not ASSET_NAME.match(name):
        raise SecurityViolation(f"Security violation: invalid asset name {name!r}")
    return name
`;

	const env = `# mcptop demo: fake values, not a real secret
MCP_AUTH_TOKEN=DEMO-mcptop-0000-not-a-real-token
MCP_PORT=${options.mcpPort}
UNREAL_BRIDGE_PORT=${options.bridgePort}
MCP_LOG_FILE=${options.logFile}
`;

	const requirements = `fastmcp>=2.10
websockets>=12.0
pydantic>=2.7
psutil>=5.9
`;

	return [
		{name: 'unreal_blueprint_mcp_server.py', content: server, mode: 0o644},
		{name: 'memory_manager.py', content: memoryManager, mode: 0o644},
		{name: 'security_utils.py', content: securityUtils, mode: 0o644},
		{name: '.env', content: env, mode: 0o600},
		{name: 'requirements.txt', content: requirements, mode: 0o644},
	];
}

/** Creates `dir` (private) with the five project files; returns their paths. */
export async function createDemoProject(
	dir: string,
	options: DemoProjectOptions,
): Promise<string[]> {
	await fs.mkdir(dir, {recursive: true, mode: 0o700});
	const written: string[] = [];
	for (const file of demoProjectFiles(options)) {
		const target = path.join(dir, file.name);
		await fs.writeFile(target, file.content, {mode: file.mode});
		// writeFile's mode only applies to new files and is masked by the umask; make it exact.
		await fs.chmod(target, file.mode);
		written.push(target);
	}

	return written;
}
