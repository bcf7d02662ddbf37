"""The JavaScript clients of tests/e2e/clients/, run by node as a frontend team runs them."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from tests.operations import ROOT
from tests.tools import require_tool

CLIENTS = ROOT / "tests" / "e2e" / "clients"
NODE = shutil.which("node")


def require_clients() -> None:
    present = NODE is not None and (CLIENTS / "node_modules" / ".package-lock.json").exists()
    require_tool(present, "node or tests/e2e/clients/node_modules")


async def run_client(script: str, where: Path, env: dict[str, str]) -> str:
    """What `node <script>` printed in `where`, with `env` added; it must succeed."""
    require_clients()
    assert NODE is not None
    process = await asyncio.create_subprocess_exec(
        NODE,
        script,
        cwd=where,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()
