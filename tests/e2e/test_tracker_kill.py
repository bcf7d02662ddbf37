"""A server killed with SIGKILL while the tracking provider registers a parcel (the provider
has it; its answer never arrives) leaves exactly one tracker: the next server takes the
registration once its lease has run out, asks the provider first, and finds it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.clock import ManualClock, system_now
from tests.api.client import OPERATOR, Api
from tests.e2e.processes import answering, start_serve
from tests.e2e.test_cli_and_server import SECRET, _env
from tests.tracking_providers import API_KEY, Trackers, tracking_provider

REGISTRATION = """query($id: ID!) { order(id: $id) { shipments {
  trackingRegistration { state attempts trackerId }
} } }"""


def _serving(tmp_path: Path, name: str, env: dict[str, str]) -> tuple[Any, str]:
    output = tmp_path / f"{name}.out"
    process, base = start_serve(env, output)
    answering(base, process, output, "/ready")
    return process, base


@pytest.mark.slow
async def test_a_kill_between_registering_and_its_answer_leaves_one_tracker(
    tmp_path: Path, mongo_uri: str, db_name: str
) -> None:
    trackers = Trackers("easypost", lose_next=1)
    with tracking_provider(trackers) as url:
        env = _env(tmp_path)
        env.update(
            MONGODB_URI=mongo_uri,
            MONGODB_DB=db_name,
            ORDERWIRE_TRACKING_PROVIDER="easypost",
            ORDERWIRE_TRACKING_PROVIDER_API_KEY=API_KEY,
            ORDERWIRE_TRACKING_PROVIDER_URL=url,
            ORDERWIRE_TRACKER_POLL_SECONDS="0.2",
            ORDERWIRE_TRACKER_LEASE_SECONDS="2",
            ORDERWIRE_TRACKER_RETRY_BASE_SECONDS="1",
            ORDERWIRE_TRACKER_TIMEOUT_SECONDS="60",  # it waits for the answer: killed meanwhile
        )
        process, base = _serving(tmp_path, "first", env)
        try:
            async with httpx.AsyncClient(base_url=base) as http:
                api = Api(http, SECRET, ManualClock(system_now()))
                await api.open_shops()
                order = await api.order_in("UNSHIPPED")
                api.clock.advance(system_now() - api.clock())  # the server's clock is the real one
                await api.ship(order["id"], tracking="1ZKILLED")
            deadline = time.monotonic() + 30
            while not trackers.holding.is_set():  # the provider has registered it
                assert time.monotonic() < deadline, "the registrar never called the provider"
                await asyncio.sleep(0.05)
            process.kill()
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        trackers.release.set()  # the held answer goes to a dead socket
        again, base = _serving(tmp_path, "second", env)
        try:
            async with httpx.AsyncClient(base_url=base) as http:
                api = Api(http, SECRET, ManualClock(system_now()))
                deadline = time.monotonic() + 30
                while True:
                    body = await api.gql(REGISTRATION, {"id": order["id"]}, as_=OPERATOR)
                    [shown] = [
                        s["trackingRegistration"] for s in body["data"]["order"]["shipments"]
                    ]
                    if shown["state"] == "REGISTERED":
                        break
                    assert time.monotonic() < deadline, shown
                    await asyncio.sleep(0.2)
        finally:
            again.terminate()
            again.wait(timeout=30)
    assert shown == {"state": "REGISTERED", "attempts": 2, "trackerId": "trk_1"}
    assert trackers.count() == 1
