"""`orderwire notifier` as its own process, killed mid-batch and restarted; and inside `serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.clock import ManualClock
from api.settings import Settings
from storage.database import Database
from tests.api.client import BUYER, SELLER, Api
from tests.api.notification_helpers import ANA, SHOP, UPDATE, walk_to_delivery
from tests.e2e.conftest import serving, wait_until
from tests.receivers import Mailbox, smtp_server

CLI = str(Path(sys.executable).with_name("orderwire"))
ORDERS = 4
EMAILS_PER_ORDER = 5  # four to the buyer (placed, confirmed, shipped, delivered), one to the seller


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    with smtp_server() as found:
        yield found


@pytest.fixture
async def api(settings: Settings, clock: ManualClock, database: Database) -> AsyncIterator[Api]:
    app = create_app(settings.model_copy(update={"notifier": False}), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderwire.test") as http:
            api = Api(http, settings.signing_secret(), clock)
            await api.open_shops()
            yield api


@contextmanager
def notifier_process(
    settings: Settings, smtp_port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    assert settings.mongodb_uri is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERWIRE_")}
    env.update(
        MONGODB_URI=settings.mongodb_uri,
        MONGODB_DB=settings.mongodb_db,
        ORDERWIRE_DATA_DIR=str(settings.data_dir),
        ORDERWIRE_SMTP_HOST="127.0.0.1",
        ORDERWIRE_SMTP_PORT=str(smtp_port),
        ORDERWIRE_SMTP_TLS="none",
        ORDERWIRE_NOTIFY_CONCURRENCY="1",  # one message at a time, so the batch is mid-way
        ORDERWIRE_NOTIFY_POLL_SECONDS="0.2",
        ORDERWIRE_NOTIFY_LEASE_SECONDS="4",
    )
    with log.open("ab") as sink:
        process = subprocess.Popen([CLI, "notifier"], env=env, stdout=sink, stderr=sink)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_killing_the_notifier_mid_batch_sends_nothing_twice_and_misses_nothing(
    api: Api, settings: Settings, smtp: tuple[int, Mailbox], tmp_path: Path
) -> None:
    port, mailbox = smtp
    await api.gql(UPDATE, {"input": {"email": ANA}}, as_=BUYER)
    await api.gql(UPDATE, {"input": {"email": SHOP}}, as_=SELLER)
    for n in range(ORDERS):
        await walk_to_delivery(api, tracking=f"1ZKILL{n}")
    expected = ORDERS * EMAILS_PER_ORDER
    mailbox.stall_at = 7  # the eighth message hangs, unanswered, in the middle of the batch
    log = tmp_path / "notifier.log"

    with notifier_process(settings, port, log) as first:
        await wait_until(mailbox.stalled.is_set, 30, "the eighth message")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    mailbox.release.set()
    assert len(mailbox.ids()) == 7

    with notifier_process(settings, port, log):
        await wait_until(lambda: len(mailbox.ids()) >= expected, 60, "every message")
        await asyncio.sleep(1.0)  # long enough for a repeat to show up, if one were coming

    delivered = Counter(mailbox.ids())
    assert len(delivered) == expected, log.read_text()
    assert [i for i, times in delivered.items() if times > 1] == []


async def test_serve_runs_the_notifier_in_its_lifespan(
    settings: Settings, clock: ManualClock, smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    configured = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "notify_poll_seconds": 0.1,
        }
    )
    async with serving(configured, clock) as server:
        await server.api.gql(UPDATE, {"input": {"email": ANA}}, as_=BUYER)
        order = await server.api.place()
        await wait_until(lambda: mailbox.subjects(ANA) != [], 10, "the confirmation")
    assert mailbox.subjects(ANA) == [f"We received order {order['id']}"]
