"""The documentation site builds without a warning (MkDocs in strict mode checks every link
and anchor between its pages), and the README's links reach files that exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "identity" / "index.html").is_file()


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f": {page.name}" in nav, page.name


def test_the_readmes_links_reach_files() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = [m.group(1) for m in LINK.finditer(readme) if "://" not in m.group(1)]
    assert len(targets) >= 10
    missing = [target for target in targets if not (ROOT / target).exists()]
    assert missing == []


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [nowhere](nowhere.md).\n")
    (tmp_path / "mkdocs.yml").write_text(
        (ROOT / "mkdocs.yml")
        .read_text()
        .split("nav:")[0]
        .replace("site_dir: .orderwire/site\n", "")
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
    )
    assert done.returncode != 0
    assert "nowhere.md" in done.stderr


def test_the_error_codes_page_names_every_code() -> None:
    """docs/errors.md is the reference: every code of the schema and of the serving runtime."""
    from api.serving.codes import RequestCode
    from domain.kernel.errors import ErrorCode

    page = (Path(__file__).resolve().parents[1] / "docs" / "errors.md").read_text()
    missing = [c.value for c in [*ErrorCode, *RequestCode] if f"`{c.value}`" not in page]
    assert missing == []


def test_the_webhooks_page_names_every_event_type() -> None:
    """docs/webhooks.md is the event types' reference: every one a webhook may carry."""
    from domain.webhooks.endpoints import EVENT_TYPES

    page = (ROOT / "docs" / "webhooks.md").read_text()
    assert [name for name in EVENT_TYPES if f"| `{name}` |" not in page] == []
