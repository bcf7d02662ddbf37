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
    names = [r["name"].split()[0] for r in rows]
    assert names == [
        *("P1", "P2", "P3", "P8a", "P8b", "P8c", "P4a", "P4b", "P4c"),
        *("P9a", "P9b", "P9c", "P6", "P7", "P10", "P5"),
    ]
    assert all(row["baseline"] for row in rows)
    assert all(row["ratio"] >= 0 for row in rows)
    # P4: every socket got every update, on orderwire and on the bare endpoint alike.
    hot = rows[6]["detail"]["runs"][0]
    assert hot["subscribers"] == 3
    assert hot["p99_ms"] > 0
    assert hot["bare_p99_ms"] > 0
    # P9: the drains delivered what was committed, and events reached both kinds of client.
    assert rows[names.index("P9a")]["detail"]["events"] > 0
    assert rows[names.index("P9c")]["detail"]["events"] > 0
    spread = rows[7]["detail"]
    assert spread["driven"]["ok"] == spread["driven"]["sent"] > 0
    assert spread["expected"] > 0
    assert (spread["lost"], spread["duplicated"]) == (0, 0)
    assert "| P5 keyset depth |" in done.stdout
    # wrk drove P1-P3: every side has its requests, none failed, and the server's CPU weighed.
    for row in rows[:3]:
        for side in row["detail"].values():
            assert side["requests"] > 0
            assert side["failed"] == 0
            assert side["cpu_us"]["server"] > 0
    assert set(rows[0]["detail"]) == {"bare", "graphql", "persisted", "peer"}
    assert set(rows[1]["detail"]) == {"bare", "graphql", "peer"}  # the peer answered alike
    assert rows[names.index("P6")]["detail"]["orders_read"] >= 600
    # P10: the scans were predicted from what was learned, and applied for the baseline.
    forecast = rows[names.index("P10")]["detail"]
    assert forecast["scans"] > 0
    assert forecast["learned"] == 1_000
    assert forecast["prediction_us"] > 0
    assert forecast["scan_us"] > 0
    # P8: every scan answered as expected, on each side, grouped or not.
    for side in [*rows[3]["detail"].values(), *rows[5]["detail"].values()]:
        assert side["requests"] > 0
        assert side["failed"] == 0
    assert "wrk 1 thread" in done.stdout


def test_the_cpu_per_read_harness_reads_on_every_side() -> None:
    """bench/cpu_read.py, which weighs each side's own CPU per order read, still runs."""
    for side in ("orderwire", "bare", "peer"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.cpu_read", side, "--requests", "20"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).parents[2],
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{side}: " in done.stdout
        assert "µs of CPU per order read (20 reads)" in done.stdout
