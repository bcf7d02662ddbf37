"""Webhooks from real server processes: a server killed with SIGKILL while an endpoint holds a
message loses nothing (the next server sends it again, with the same webhook-id), and two
workers share the sending without sending a message twice or one order's out of turn."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.clock import ManualClock, system_now
from tests.api.client import OPERATOR, Api
from tests.e2e.processes import answering, start_serve
from tests.e2e.test_cli_and_server import SECRET, _env
from tests.webhook_receiver import Receiver, receiving

CREATE = """mutation($url: String!) { createWebhookEndpoint(input: {url: $url,
  eventTypes: ["*"]}) { endpoint { id } secret errors { code message } } }"""


def _serving(tmp_path: Path, name: str, env: dict[str, str], workers: int = 1) -> tuple[Any, str]:
    output = tmp_path / f"{name}.out"
    process, base = start_serve(env, output, workers=workers)
    answering(base, process, output, "/ready")
    return process, base


def _webhook_env(tmp_path: Path, mongo_uri: str, db_name: str) -> dict[str, str]:
    env = _env(tmp_path)
    env.update(
        MONGODB_URI=mongo_uri,
        MONGODB_DB=db_name,
        ORDERWIRE_WEBHOOKS_ALLOW_PRIVATE="true",
        ORDERWIRE_WEBHOOK_POLL_SECONDS="0.1",
        ORDERWIRE_WEBHOOK_LEASE_SECONDS="2",
        ORDERWIRE_WEBHOOK_TIMEOUT_SECONDS="30",  # it waits for the held answer: killed meanwhile
    )
    return env


async def _until(what: str, within: float, check: Any) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def _in_turn(requests: list[Any], secret: str) -> Counter[tuple[str, int]]:
    """Each request verified; none ahead of its order; how often each event was taken."""
    delivered: dict[str, int] = {}
    taken: Counter[tuple[str, int]] = Counter()
    for request in requests:
        data = request.verified(secret)["data"]
        order_id, sequence = data["orderId"], data["sequence"]
        assert sequence <= delivered.get(order_id, 0) + 1, (order_id, sequence)
        if 200 <= request.status < 300:
            taken[order_id, sequence] += 1
            delivered[order_id] = max(delivered.get(order_id, 0), sequence)
    return taken


@pytest.mark.slow
async def test_a_kill_while_a_message_is_held_sends_it_again_with_its_webhook_id(
    tmp_path: Path, mongo_uri: str, db_name: str
) -> None:
    receiver = Receiver()
    receiver.answers((204, 4.0))  # the first message is held: the server dies meanwhile
    with receiving(receiver) as url:
        env = _webhook_env(tmp_path, mongo_uri, db_name)
        process, base = _serving(tmp_path, "first", env)
        try:
            async with httpx.AsyncClient(base_url=base) as http:
                api = Api(http, SECRET, ManualClock(system_now()))
                await api.open_shops()
                made = await api.gql(CREATE, {"url": f"{url}/hooks"}, as_=OPERATOR)
                secret = made["data"]["createWebhookEndpoint"]["secret"]
                order = await api.place()
                await _until("the first message never came", 30, lambda: receiver.requests)
            process.kill()
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        again, base = _serving(tmp_path, "second", env)
        try:
            async with httpx.AsyncClient(base_url=base) as http:
                api = Api(http, SECRET, ManualClock(system_now()))
                await api.verify(order["id"])
                await _until(
                    "the events never all arrived", 30, lambda: len(receiver.requests) >= 3
                )
        finally:
            again.terminate()
            again.wait(timeout=30)
    first, repeat, verified = receiver.requests[:3]
    assert first.id == repeat.id  # the held one again, as the same message
    assert first.body == repeat.body
    assert verified.verified(secret)["type"] == "PAYMENT_VERIFIED"
    taken = _in_turn(receiver.requests, secret)
    assert taken == {(order["id"], 1): 2, (order["id"], 2): 1}  # the held answer counted too


@pytest.mark.slow
async def test_two_workers_send_each_message_once_and_each_order_in_turn(
    tmp_path: Path, mongo_uri: str, db_name: str
) -> None:
    receiver = Receiver()
    with receiving(receiver) as url:
        env = _webhook_env(tmp_path, mongo_uri, db_name)
        process, base = _serving(tmp_path, "workers", env, workers=2)
        try:
            async with httpx.AsyncClient(base_url=base) as http:
                api = Api(http, SECRET, ManualClock(system_now()))
                await api.open_shops()
                made = await api.gql(CREATE, {"url": f"{url}/hooks"}, as_=OPERATOR)
                secret = made["data"]["createWebhookEndpoint"]["secret"]
                orders = await asyncio.gather(*(api.order_in("UNSHIPPED") for _ in range(20)))
                await asyncio.gather(
                    *(
                        api.ok(
                            "cancelOrder",
                            "orderId: $orderId, reason: $reason",
                            {"orderId": o["id"], "reason": "changed my mind"},
                            as_=OPERATOR,
                        )
                        for o in orders
                    )
                )
                timelines = await asyncio.gather(*(api.timeline(o["id"]) for o in orders))
                expected = sum(len(t) for t in timelines)
                await _until(
                    "the events never all arrived", 60, lambda: len(receiver.requests) >= expected
                )
                deadline = time.monotonic() + 10
                while _delivered((await http.get("/metrics")).text) < expected:
                    assert time.monotonic() < deadline, "the workers' counts never added up"
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)  # nothing more comes
        finally:
            process.terminate()
            process.wait(timeout=30)
    taken = _in_turn(receiver.requests, secret)
    assert set(taken.values()) == {1}
    assert {order_id for order_id, _ in taken} == {o["id"] for o in orders}
    assert len(receiver.requests) == len(taken) == expected


def _delivered(scrape: str) -> float:
    """Deliveries counted by every worker, added up by /metrics."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in scrape.splitlines()
        if line.startswith("orderwire_webhook_attempts_total") and 'outcome="delivered"' in line
    )
