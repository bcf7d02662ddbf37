"""The chaos run at a small size: a worker killed, Redis restarted, sockets dropped; nothing lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import require_tool


@pytest.mark.slow
def test_the_small_chaos_run_loses_and_repeats_nothing() -> None:
    require_tool(shutil.which("redis-server") is not None, "redis-server")
    done = subprocess.run(
        [sys.executable, "-m", "bench.chaos", "--small"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.splitlines()[0])
    assert figures["transitions"] >= 400
    assert figures["delivered"] >= figures["transitions"]
    assert figures["reconnections"] > 0  # the chaos did reach the subscribers
    assert figures["redis_restarted"]
    assert len(figures["workers_after"]) == 2  # the killed worker was replaced
    assert figures["killed_worker"] not in figures["workers_after"]
    assert (figures["lost"], figures["duplicated"], figures["out_of_order"]) == (0, 0, 0)
    # The seller's feed, resumed by cursor after the kill, the Redis restart and the drive.
    assert figures["feed_resumes"] >= 2  # three aborts; a kill may have ended one already
    feed = (figures["feed_lost"], figures["feed_duplicated"], figures["feed_out_of_order"])
    assert feed == (0, 0, 0)
