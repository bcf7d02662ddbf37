"""A process whose clock is 7 minutes behind (libfaketime) says so instead of serving as if
nothing were wrong: /ready answers 503 naming the offset against the database and Redis,
/metrics shows it, and a warning is logged."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from storage.embedded import free_port
from tests.e2e.processes import answering, start_serve, stop_group
from tests.e2e.test_redis_instances import RedisProcess
from tests.tools import require_tool

FAKETIME = shutil.which("faketime")
SEVEN_MINUTES_MS = 7 * 60 * 1000


@pytest.fixture
async def redis_url(tmp_path: Path) -> AsyncIterator[str]:
    server = RedisProcess(tmp_path)
    await server.start()
    yield server.url
    server.stop()


def _serve(
    tmp_path: Path, mongo_uri: str, db_name: str, redis_url: str, clock: tuple[str, ...]
) -> tuple[str, subprocess.Popen[bytes], Path]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "BROADCAST_URL"}}
    env |= {
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": db_name,
        "BROADCAST_URL": redis_url,
        "JWT_SECRET": "clock-test-secret-of-at-least-thirty-two-bytes",
        "ORDERWIRE_DATA_DIR": str(tmp_path / f"data-{port}"),
        "ORDERWIRE_NOTIFIER": "false",
        "ORDERWIRE_LOG_FORMAT": "text",
        "ORDERWIRE_CLOCK_CHECK_SECONDS": "1",
    }
    output = tmp_path / f"serve-{port}.out"
    process, base = start_serve(env, output, port=port, prefix=clock, new_session=True)
    answering(base, process, output, "/health")  # up; /ready is what the test asks
    return base, process, output


def test_a_process_whose_clock_is_seven_minutes_behind_is_not_ready(
    tmp_path: Path, mongo_uri: str, db_name: str, redis_url: str
) -> None:
    require_tool(FAKETIME is not None, "faketime")
    assert FAKETIME is not None
    behind, slow, slow_output = _serve(
        tmp_path, mongo_uri, db_name, redis_url, (FAKETIME, "-f", "-7m")
    )
    true, right, _ = _serve(tmp_path, mongo_uri, db_name, redis_url, ())
    try:
        ready = httpx.get(f"{behind}/ready", timeout=5)
        assert ready.status_code == 503
        body = ready.json()
        assert body["clock"] is False
        assert body["database"] is True
        for against in ("database", "redis"):
            assert abs(body["clockOffsetMs"][against] + SEVEN_MINUTES_MS) < 5_000, body
        scraped = httpx.get(f"{behind}/metrics", timeout=5).text
        gauge = re.search(
            r'^orderwire_clock_offset_seconds\{.*against="database".*\} (\S+)$', scraped, re.M
        )
        assert gauge is not None, scraped
        assert abs(float(gauge.group(1)) + 420) < 5
        # The instance on a true clock, on the same database and Redis, is ready.
        fine = httpx.get(f"{true}/ready", timeout=5)
        assert fine.status_code == 200
        assert fine.json()["clock"] is True
    finally:
        for process in (slow, right):
            stop_group(process)
    assert "clock is off by more than 500 ms" in slow_output.read_text()
