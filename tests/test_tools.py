"""The tests' outside tools: every one the tests look up is installed by `make test`, and a
missing one fails the run instead of skipping what needs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[1]


def test_a_missing_tool_fails_the_test_that_needs_it() -> None:
    with pytest.raises(pytest.fail.Exception, match="make test"):
        require_tool(False, "Chromium")
    require_tool(True, "Chromium")


def test_make_test_installs_every_program_the_tests_look_up() -> None:
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^TEST_TOOLS := (.+)$", makefile, re.M)
    assert listed is not None
    installed = set(listed.group(1).split())
    looked_up = set()
    for path in [*ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]:
        if "node_modules" in path.parts:
            continue
        looked_up |= set(re.findall(r'shutil\.which\("([\w-]+)"\)', path.read_text()))
    looked_up -= {"chromium-browser"}  # another name for Chromium on some systems
    looked_up = {"npm" if tool == "node" else tool for tool in looked_up}  # npm brings node
    assert looked_up <= installed, looked_up - installed
    assert re.search(r"^test: tools ", makefile, re.M)
