"""The GraphQL-over-HTTP spec's own conformance audit (graphql-http's auditServer), in Node."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from tests.e2e.conftest import LiveServer
from tests.tools import require_tool

AUDIT = Path(__file__).parent / "audit"
NODE = shutil.which("node")


async def test_every_audit_of_the_graphql_over_http_spec_passes(live: LiveServer) -> None:
    present = NODE is not None and (AUDIT / "node_modules" / "graphql-http").is_dir()
    require_tool(present, "node or tests/e2e/audit/node_modules")
    assert NODE is not None
    audit = await asyncio.create_subprocess_exec(
        NODE,
        str(AUDIT / "audit.mjs"),
        f"http://127.0.0.1:{live.port}/graphql",
        stdout=asyncio.subprocess.PIPE,
        cwd=AUDIT,
    )
    out, _ = await asyncio.wait_for(audit.communicate(), 120)
    results = json.loads(out)
    assert len(results) >= 61
    failing = [r for r in results if r["status"] != "ok"]
    assert failing == [], json.dumps(failing, indent=1)
