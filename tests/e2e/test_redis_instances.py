"""Several instances share live updates through Redis, and survive Redis going away."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError
from redis import asyncio as redis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from api.clock import ManualClock
from api.settings import Settings
from storage.embedded import free_port
from tests.api.client import BUYER, OPERATOR
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.sockets import closed_at_init, signed_in_socket
from tests.e2e.test_live_updates import ORDER_UPDATES
from tests.tools import require_tool

REDIS_SERVER = shutil.which("redis-server")


class RedisProcess:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(  # noqa: ASYNC220 (starts at once; nothing to await)
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        await client.ping()
                        return
                    except redis.ConnectionError:
                        await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    require_tool(REDIS_SERVER is not None, "redis-server")
    server = RedisProcess(tmp_path)
    yield server
    server.stop()


@pytest.fixture
async def two_instances(
    redis_server: RedisProcess, settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    await redis_server.start()
    shared = settings.model_copy(update={"broadcast_url": redis_server.url})
    async with serving(shared, clock) as first, serving(shared, clock) as second:
        yield first, second


async def test_a_change_on_one_instance_reaches_a_subscriber_on_another(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    writer, reader = two_instances
    order = await writer.api.place()
    watching = asyncio.create_task(reader.collect(BUYER, ORDER_UPDATES, {"id": order["id"]}, 1))
    await reader.wait_for_subscribers(1)
    await writer.api.verify(order["id"])
    async with asyncio.timeout(10):
        [message] = await watching
    assert message["orderUpdates"]["event"]["type"] == "PAYMENT_VERIFIED"
    assert message["orderUpdates"]["order"]["status"] == "UNSHIPPED"


async def test_losing_redis_ends_live_subscriptions_and_they_resume_after(
    two_instances: tuple[LiveServer, LiveServer],
    redis_server: RedisProcess,
) -> None:
    writer, reader = two_instances
    order = await writer.api.place()
    watching = asyncio.create_task(reader.collect(BUYER, ORDER_UPDATES, {"id": order["id"]}, 1))
    await reader.wait_for_subscribers(1)

    redis_server.stop()
    with pytest.raises(TransportQueryError) as interrupted:
        async with asyncio.timeout(10):
            await watching
    assert interrupted.value.errors is not None
    assert interrupted.value.errors[0]["extensions"]["code"] == "UPDATES_INTERRUPTED"
    # Writes still succeed while Redis is away; their events wait in the log.
    await writer.api.ok(
        "verifyPayment", "orderId: $orderId", {"orderId": order["id"]}, as_=OPERATOR
    )

    await redis_server.start()
    await asyncio.sleep(1.5)  # both hubs retry once a second
    resumed = asyncio.create_task(
        reader.collect(
            BUYER, ORDER_UPDATES, {"id": order["id"], "after": _cursor_after(order["id"], 1)}, 2
        )
    )
    await reader.wait_for_subscribers(1)
    await writer.api.ship(order["id"], tracking="1ZREDIS")
    async with asyncio.timeout(10):
        messages = await resumed
    assert [m["orderUpdates"]["event"]["sequence"] for m in messages] == [2, 3]


def _cursor_after(order_id: str, sequence: int) -> str:
    from api.serving.live.streams import OrderCursor, encode_stream_cursor

    return encode_stream_cursor(OrderCursor(order_id, sequence))


async def test_the_rate_limit_is_shared_by_every_instance_through_redis(
    redis_server: RedisProcess, settings: Settings, clock: ManualClock
) -> None:
    await redis_server.start()
    shared = settings.model_copy(
        update={
            "broadcast_url": redis_server.url,
            "rate_bucket_size": 30,
            "rate_points_per_second": 1,
        }
    )
    page = "{ orders(first: 10) { nodes { id } } }"  # 11 points
    async with serving(shared, clock) as first, serving(shared, clock) as second:
        assert "errors" not in await first.api.gql(page, as_=OPERATOR)
        assert "errors" not in await second.api.gql(page, as_=OPERATOR)
        throttled = await first.api.gql(page, as_=OPERATOR)
        assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert throttled["errors"][0]["extensions"]["retryAfterSeconds"] > 1


async def test_one_callers_sockets_are_counted_across_instances(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two_instances
    token = first.api.token(BUYER)
    held = [await signed_in_socket(live, token) for live in (first, second) for _ in range(5)]
    for live in (first, second):
        assert await closed_at_init(live, token) == 4403
    async with asyncio.timeout(10):
        while (status := await _status(first))["total"]["sockets"] != 10:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    assert status["limits"] == "redis"
    assert len(status["workers"]) == 2
    await held.pop().close()  # a slot on the second instance comes free for the first
    async with asyncio.timeout(10):
        while (again := await _try_socket(first, token)) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    held.append(again)
    for ws in held:
        await ws.close()


async def test_without_redis_limits_fall_back_to_each_process_and_say_so(
    two_instances: tuple[LiveServer, LiveServer],
    redis_server: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, _ = two_instances
    assert (await first.api.http.get("/ready")).json()["limits"] == "redis"
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="orderwire.deployment")
    answer = await first.api.gql("{ viewer { id } }", as_=OPERATOR)
    assert "errors" not in answer  # the API keeps serving
    ready = (await first.api.http.get("/ready")).json()
    assert ready["limits"] == ready["persistedQueries"] == "per-process"
    assert any("limits are per process" in r.getMessage() for r in caplog.records)
    # A persisted query is still registered and answered, by this process alone.
    assert (await _persisted(first, with_document=True))["data"]["viewer"]["id"] == OPERATOR.id
    assert (await _persisted(first))["data"]["viewer"]["id"] == OPERATOR.id
    # Counted by this process alone, the socket limit still holds.
    token = first.api.token(BUYER)
    held = [await signed_in_socket(first, token) for _ in range(10)]
    assert await closed_at_init(first, token) == 4403
    for ws in held:
        await ws.close()


async def _status(live: LiveServer) -> dict[str, Any]:
    body: dict[str, Any] = (await live.api.http.get("/status")).json()
    return body


async def _try_socket(live: LiveServer, token: str) -> ClientConnection | None:
    try:
        return await signed_in_socket(live, token)
    except (ConnectionClosed, AssertionError):
        return None


PERSISTED = "query Who { viewer { id } }"


async def _persisted(live: LiveServer, *, with_document: bool = False) -> dict[str, Any]:
    """Apollo's persisted-query protocol: the hash alone, or with its document to register."""
    digest = hashlib.sha256(PERSISTED.encode()).hexdigest()
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if with_document:
        body["query"] = PERSISTED
    headers = {"authorization": f"Bearer {live.api.token(OPERATOR)}"}
    answer: dict[str, Any] = (
        await live.api.http.post("/graphql", json=body, headers=headers)
    ).json()
    return answer


async def test_a_persisted_query_registered_on_one_instance_answers_on_the_other(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two_instances
    unknown = await _persisted(second)
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await _persisted(first, with_document=True))["data"]["viewer"]["id"] == OPERATOR.id
    assert (await _persisted(second))["data"]["viewer"]["id"] == OPERATOR.id
    assert (await second.api.http.get("/ready")).json()["persistedQueries"] == "redis"
