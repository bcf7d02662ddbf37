"""The benchmarks run at their smallest, so that they cannot rot; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_make_bench_runs_every_benchmark_at_tiny_sizes(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--tiny",
            "--data-dir",
            str(tmp_path),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [r["name"].split()[0] for r in rows] == ["P1", "P2", "P3", "P4", "P5"]
    assert all(row["baseline"] for row in rows)
    assert all(row["ratio"] >= 0 for row in rows)
    assert rows[3]["detail"]["runs"][0]["subscribers"] == 3
    assert "| P5 keyset depth |" in done.stdout
