"""`orderwire serve` stops its embedded MongoDB on SIGTERM and SIGINT, and a start that finds
a server of its own data directory left behind (after SIGKILL) stops it and carries on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.http.auth import mint_token
from domain.notifications.deliveries import Outgoing
from domain.notifications.preferences import Category, Channel
from storage.database import Database
from storage.embedded import free_port
from storage.notifications import MongoOutbox
from tests.api.client import BUYER
from tests.e2e.processes import answering, start_serve
from tests.e2e.test_cli_and_server import CLI, SECRET, _env
from tests.receivers import Provider, provider_server


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with (data_dir / "serve.out").open("ab") as out:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port)],
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail((data_dir / "serve.out").read_text())
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("server did not become healthy within 60 s")


def _nx_pid(data_dir: Path) -> int:
    return int((data_dir / "nx-27017.pid").read_text().strip())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_embedded_server_too(tmp_path: Path, sig: signal.Signals) -> None:
    process, _ = _serve(tmp_path)
    nx = _nx_pid(tmp_path)
    process.send_signal(sig)
    assert process.wait(timeout=30) in (0, 128 + sig, -sig)
    assert _gone_within(nx, 10), f"nx-27017 {nx} outlived orderwire"


@pytest.mark.slow
def test_a_start_after_sigkill_finds_its_data_and_carries_on(tmp_path: Path) -> None:
    process, first = _serve(tmp_path)
    workers = {httpx.get(f"{first}/health", timeout=5).json()["worker"] for _ in range(20)}
    process.kill()
    process.wait(timeout=10)
    # Its workers do not outlive it: they are killed when their supervisor dies.
    for worker in workers - {process.pid}:
        assert _gone_within(worker, 15), f"worker {worker} outlived its supervisor"
    again, base = _serve(tmp_path)
    try:
        assert httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok"
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)


PENDING = 400
BOUND = 3  # ORDERWIRE_SHUTDOWN_SECONDS for this test; the default is 10


def _sms(n: int, due: datetime) -> Outgoing:
    return Outgoing(
        event=f"ord_stop{n:05d}:1",
        recipient=BUYER,
        channel=Channel.SMS,
        category=Category.SHIPPING,
        order_id=f"ord_stop{n:05d}",
        sequence=1,
        to="+351900000000",
        subject="s",
        text="Your parcel shipped",
        html="<p>Your parcel shipped</p>",
        short="Your parcel shipped",
        due_at=due,
        held=False,
        time_zone="UTC",
        quiet_hours=None,
    )


def _serve_notifying(
    tmp_path: Path, mongo_uri: str, db_name: str, sms_url: str, name: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    env = _env(tmp_path / name)
    env.update(
        MONGODB_URI=mongo_uri,
        MONGODB_DB=db_name,
        ORDERWIRE_SMS_URL=sms_url,
        ORDERWIRE_PROVIDER_SECRET="provider-secret",
        ORDERWIRE_NOTIFY_POLL_SECONDS="0.2",
        ORDERWIRE_SHUTDOWN_SECONDS=str(BOUND),
        ORDERWIRE_LOG_LEVEL="INFO",
    )
    output = tmp_path / f"{name}.out"
    process, base = start_serve(env, output)
    answering(base, process, output, "/ready")
    return process, base, output


async def _statuses(database: Database) -> Counter[str]:
    found: Counter[str] = Counter()
    async for doc in database.db["notifications"].find({}, {"status": 1}):
        found[str(doc["status"])] += 1
    return found


@pytest.mark.slow
async def test_sigterm_with_hundreds_of_notifications_pending_stops_within_its_bound(
    tmp_path: Path, mongo_uri: str, db_name: str, database: Database
) -> None:
    """A pass over 400 messages to a slow provider takes half a minute; SIGTERM ends the process
    within its bound, closes its socket with 1001, and hands back what it was sending: the
    next process sends every message."""
    now = datetime.now(UTC)
    added = await MongoOutbox(database).add([_sms(n, now) for n in range(PENDING)], now=now)
    assert added == PENDING
    slow = Provider(delay=0.05)
    with provider_server(slow) as sms_url:
        process, base, output = _serve_notifying(tmp_path, mongo_uri, db_name, sms_url, "one")
        token = mint_token(BUYER, SECRET, now=datetime.now(UTC), ttl=timedelta(hours=1))
        url = base.replace("http", "ws") + "/graphql"
        async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            async with asyncio.timeout(30):
                while slow.calls < 50:  # noqa: ASYNC110 (a provider in another thread)
                    await asyncio.sleep(0.05)
            slow.delay = BOUND + 5  # what is being sent now outlasts the bound
            await asyncio.sleep(0.5)
            asked = time.monotonic()
            process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(BOUND + 5):
                    await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1001
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, BOUND + 10)
            took = time.monotonic() - asked
        assert process.poll() is not None, "still running long past its bound"
        assert took < BOUND + 2, f"stopped in {took:.1f} s, bound {BOUND} s"
        slow.delay = 0
    statuses = await _statuses(database)
    assert statuses["SENDING"] == 0, statuses  # every lease handed back
    assert 0 < statuses["SENT"] < PENDING, statuses  # it was mid-way
    assert "handed notification" in output.read_text()

    fast = Provider()
    with provider_server(fast) as sms_url:
        again, _, _ = _serve_notifying(tmp_path, mongo_uri, db_name, sms_url, "two")
        try:
            async with asyncio.timeout(120):
                sent = database.db["notifications"]
                while await sent.count_documents({"status": "SENT"}) < PENDING:  # noqa: ASYNC110
                    await asyncio.sleep(2)
        finally:
            again.send_signal(signal.SIGTERM)
            again.wait(timeout=30)
    delivered = {body["id"] for body in slow.received} | {body["id"] for body in fast.received}
    assert len(delivered) == PENDING  # nothing lost
