"""The benchmarks run at their smallest, so that they cannot rot; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def tiny(tmp_path: Path, only: str) -> tuple[dict[str, dict[str, Any]], str]:
    """`python -m bench.run --tiny --only <only>`: its rows by name, and what it printed.
    The benchmarks run in two halves, so that the suite's two workers share them."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.run", "--tiny", "--only", only),
            *("--data-dir", str(tmp_path), "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert all(row["baseline"] for row in rows)
    assert all(row["ratio"] >= 0 for row in rows)
    return {r["name"].split()[0]: r for r in rows}, done.stdout


@pytest.mark.slow
def test_the_http_and_live_benchmarks_run_at_tiny_sizes(tmp_path: Path) -> None:
    rows, printed = tiny(tmp_path, "P1,P2,P3,P8,P4")
    assert list(rows) == ["P1", "P2", "P3", "P8a", "P8b", "P8c", "P4a", "P4b", "P4c"]
    # P4: every socket got every update, on orderwire and on the bare endpoint alike.
    hot = rows["P4a"]["detail"]["runs"][0]
    assert hot["subscribers"] == 3
    assert hot["p99_ms"] > 0
    assert hot["bare_p99_ms"] > 0
    spread = rows["P4b"]["detail"]
    assert spread["driven"]["ok"] == spread["driven"]["sent"] > 0
    assert spread["expected"] > 0
    assert (spread["lost"], spread["duplicated"]) == (0, 0)
    assert set(spread["cpu"]) == {"server", "database"}  # what held the rate, weighed
    assert all(share > 0 for share in spread["cpu"].values())
    # wrk drove P1-P3: every side has its requests, none failed, and the server's CPU weighed.
    for name in ("P1", "P2", "P3"):
        for side in rows[name]["detail"].values():
            assert side["requests"] > 0
            assert side["failed"] == 0
            assert side["cpu_us"]["server"] > 0
    assert set(rows["P1"]["detail"]) == {"bare", "graphql", "persisted", "peer"}
    assert set(rows["P2"]["detail"]) == {"bare", "graphql", "peer"}  # the peer answered alike
    # P8: every scan answered as expected, on each side, grouped or not.
    for side in [*rows["P8a"]["detail"].values(), *rows["P8c"]["detail"].values()]:
        assert side["requests"] > 0
        assert side["failed"] == 0
    assert "wrk 1 thread" in printed


@pytest.mark.slow
def test_the_webhook_memory_forecast_and_depth_benchmarks_run_at_tiny_sizes(
    tmp_path: Path,
) -> None:
    rows, printed = tiny(tmp_path, "P9,P6,P7,P10,P5")
    assert list(rows) == ["P9a", "P9b", "P9c", "P6", "P7", "P10", "P5"]
    # P9: the drains delivered what was committed, and events reached both kinds of client.
    assert rows["P9a"]["detail"]["events"] > 0
    assert rows["P9c"]["detail"]["events"] > 0
    assert rows["P6"]["detail"]["orders_read"] >= 600
    # P10: the scans were predicted from what was learned, and applied for the baseline.
    forecast = rows["P10"]["detail"]
    assert forecast["scans"] > 0
    assert forecast["learned"] == 1_000
    assert forecast["prediction_us"] > 0
    assert forecast["scan_us"] > 0
    assert "| P5 keyset depth |" in printed


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


def test_the_cpu_per_scan_harness_scans_one_at_a_time_and_in_batches() -> None:
    """bench/cpu_scan.py, which weighs the server's and the database's CPU per scan, still
    runs, and every scan it sends is recorded (it fails on any error or refusal)."""
    for batch in ("1", "5"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.cpu_scan", "--requests", "10", "--batch", batch],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).parents[2],
        )
        assert done.returncode == 0, done.stdout + done.stderr
        scans = 10 * int(batch)
        assert f"{scans:,} scans, {batch} a request: " in done.stdout
        assert "µs of database CPU per scan" in done.stdout
