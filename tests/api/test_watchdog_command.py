"""`orderwire watchdog`: one sweep against the configured database, from another process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from api.settings import Settings
from tests.api.client import Api

CLI = str(Path(sys.executable).with_name("orderwire"))


async def test_the_command_records_what_the_sweep_would_and_a_second_run_nothing(
    api: Api, settings: Settings
) -> None:
    # The orders live on the manual clock, weeks before the real now the command goes by.
    order = await api.order_in("UNSHIPPED")
    env = {
        **os.environ,
        "MONGODB_URI": str(settings.mongodb_uri),
        "MONGODB_DB": settings.mongodb_db,
        "ORDERWIRE_DATA_DIR": str(settings.data_dir),
        "ORDERWIRE_LOG_LEVEL": "WARNING",
    }

    def run() -> str:
        done = subprocess.run(
            [CLI, "watchdog"], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = await asyncio.to_thread(run)
    assert first.splitlines() == ["watchdog: 1 DeliveryOverdue", "watchdog: 1 ShipByMissed"]
    assert await asyncio.to_thread(run) == "watchdog: no deadline missed\n"
    timeline = await api.read(order["id"], fields="timeline { type }")
    kinds = [e["type"] for e in timeline["timeline"]]
    assert kinds[-2:] == ["SHIP_BY_MISSED", "DELIVERY_OVERDUE"]
