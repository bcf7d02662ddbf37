"""What a frontend team runs on the schema works on it: graphql-schema-linter passes, and GraphQL
Code Generator makes TypeScript types for every operation of the README, the docs and the
pages, and a possibleTypes map listing the timeline's types, which then type-check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from api.graphql.orders.timeline import EVENT_TYPES
from tests.operations import EXAMPLES, ROOT, page_operations
from tests.tools import require_tool

TOOLS = ROOT / "tests" / "schema_tools"
BIN = TOOLS / "node_modules" / ".bin"
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def tools() -> Path:
    present = NODE is not None and (BIN / "graphql-codegen").exists()
    require_tool(present, "node or tests/schema_tools/node_modules")
    return BIN


def _run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_schema_passes_the_linter(tools: Path) -> None:
    out = _run(
        tools / "graphql-schema-linter",
        "--config-directory",
        TOOLS,
        ROOT / "schema.graphql",
        cwd=TOOLS,
    )
    assert "0 errors detected" in out


def test_codegen_types_every_documented_and_page_operation(tools: Path, tmp_path: Path) -> None:
    operations = tmp_path / "operations"
    operations.mkdir()
    documents = [document for _, document in EXAMPLES] + list(page_operations().values())
    names = set()
    for n, document in enumerate(documents):
        named = re.match(r"\s*(?:query|mutation|subscription)\s+(\w+)", document)
        assert named, f"every operation has a name (codegen types it by its name): {document}"
        names.add(named[1])
        (operations / f"{n:02}.graphql").write_text(document)
    assert len(names) == len(documents), "operation names are unique"
    config = {
        "schema": str(ROOT / "schema.graphql"),
        "documents": str(operations / "*.graphql"),
        # typescript-operations 6 declares the schema types its operations use itself, so the
        # two plugins write a file each (in one file their enums would be declared twice).
        "generates": {
            str(tmp_path / "schema.ts"): {"plugins": ["typescript"]},
            str(tmp_path / "operations.ts"): {"plugins": ["typescript-operations"]},
            str(tmp_path / "possible-types.json"): {"plugins": ["fragment-matcher"]},
        },
    }
    (tmp_path / "codegen.json").write_text(json.dumps(config))
    _run(tools / "graphql-codegen", "--config", tmp_path / "codegen.json", cwd=TOOLS)
    types = (tmp_path / "operations.ts").read_text()
    for name in names:
        assert re.search(rf"export type {name}(Query|Mutation|Subscription) = ", types), name
    possible = json.loads((tmp_path / "possible-types.json").read_text())["possibleTypes"]
    assert sorted(possible["OrderEvent"]) == sorted(cls.__name__ for cls in EVENT_TYPES)
    assert set(possible["Node"]) >= {"Order", "Shipment", "Seller", "TrackingScanned"}
    generated = (tmp_path / "schema.ts", tmp_path / "operations.ts")
    _run(tools / "tsc", "--noEmit", "--strict", *generated, cwd=TOOLS)
