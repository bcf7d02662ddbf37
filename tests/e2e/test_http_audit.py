"""The GraphQL-over-HTTP spec's own conformance audit (graphql-http's auditServer), in Node."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer

AUDIT = Path(__file__).parent / "audit"
NODE = shutil.which("node")


async def test_every_audit_of_the_graphql_over_http_spec_passes(live: LiveServer) -> None:
    if NODE is None or not (AUDIT / "node_modules" / "graphql-http").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("node or the audit's npm files missing under CI: `make test` installs them")
        pytest.skip("node or tests/e2e/audit/node_modules missing: `make test` runs npm ci there")
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
