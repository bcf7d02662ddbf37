"""A party's feed resumes by the order of commits, not by anyone's clock: an event dated hours
ahead, one dated before what was already sent, and two servers whose clocks disagree."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from api.clock import ManualClock
from api.serving.live.streams import REPLAY_BATCH
from api.settings import Settings
from tests.api.client import BUYER, SELLER
from tests.data import T0
from tests.e2e.conftest import LiveServer, serving

FEED = """subscription($after: String) {
  sellerOrderUpdates(after: $after) { cursor event { sequence type } order { id } }
}"""
MINE = """subscription($after: String) {
  myOrderUpdates(after: $after) { cursor event { sequence type } order { id } }
}"""


def _seen(messages: list[dict[str, Any]], key: str = "sellerOrderUpdates") -> list[str]:
    return [f"{m[key]['order']['id']}#{m[key]['event']['sequence']}" for m in messages]


async def _first_update(live: LiveServer, after: str | None = None) -> dict[str, Any]:
    [message] = await live.collect(SELLER, FEED, {} if after is None else {"after": after}, 1)
    return dict(message["sellerOrderUpdates"])


async def test_an_order_dated_hours_ahead_does_not_hide_what_comes_after_it(
    live: LiveServer,
) -> None:
    api = live.api
    watching = asyncio.create_task(_first_update(live))
    await live.wait_for_subscribers(1)
    api.clock.advance(timedelta(hours=3))  # a clock running 3 h fast, as the demo data once was
    ahead = await api.place()
    async with asyncio.timeout(10):
        first = await watching
    assert first["order"]["id"] == ahead["id"]
    await live.wait_for_subscribers(0)

    api.clock.advance(timedelta(hours=-3))
    placed_while_away = await api.place()
    await api.verify(placed_while_away["id"])
    resumed = await live.collect(SELLER, FEED, {"after": first["cursor"]}, 2)
    assert _seen(resumed) == [f"{placed_while_away['id']}#1", f"{placed_while_away['id']}#2"]

    # And once more from the last cursor: nothing is sent twice, the next order comes.
    later = asyncio.create_task(_first_update(live, resumed[-1]["sellerOrderUpdates"]["cursor"]))
    await live.wait_for_subscribers(1)
    newest = await api.place()
    async with asyncio.timeout(10):
        assert (await later)["order"]["id"] == newest["id"]


async def test_two_servers_whose_clocks_are_30_s_apart_feed_one_seller_exactly_once(
    settings: Settings, clock: ManualClock, live: LiveServer
) -> None:
    behind = ManualClock(T0 - timedelta(seconds=30))
    async with serving(settings, behind) as other:
        first = await live.api.place()
        [got] = await live.collect(SELLER, FEED, {"after": await _viewer_cursor(live)}, 1)
        assert _seen([got]) == [f"{first['id']}#1"]
        cursor = got["sellerOrderUpdates"]["cursor"]
        # Written through the server whose clock is behind: dated before what was sent.
        late = await other.api.place()
        await other.api.verify(late["id"])
        await live.api.verify(first["id"])
        resumed = await live.collect(SELLER, FEED, {"after": cursor}, 3)
        assert sorted(_seen(resumed)) == sorted(
            [f"{late['id']}#1", f"{late['id']}#2", f"{first['id']}#2"]
        )
        # The same feed read on the other server from the same cursor says the same.
        there = await other.collect(SELLER, FEED, {"after": cursor}, 3)
        assert _seen(there) == _seen(resumed)


async def _viewer_cursor(live: LiveServer) -> str:
    body = await live.api.gql("{ viewer { updatesCursor } }", {}, as_=SELLER)
    return str(body["data"]["viewer"]["updatesCursor"])


async def test_a_cursor_from_before_positions_is_refused_with_cursor_expired(
    live: LiveServer,
) -> None:
    old = {"t": "2026-11-02T09:00:00+00:00", "s": {}}
    cursor = base64.urlsafe_b64encode(json.dumps(old).encode()).decode()
    with pytest.raises(TransportQueryError) as refused:
        await live.collect(SELLER, FEED, {"after": cursor}, 1)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "CURSOR_EXPIRED"


async def test_a_feed_cursor_belongs_to_its_feed(live: LiveServer) -> None:
    api = live.api
    watching = asyncio.create_task(_first_update(live))
    await live.wait_for_subscribers(1)
    await api.place()
    async with asyncio.timeout(10):
        seller_cursor = (await watching)["cursor"]
    with pytest.raises(TransportQueryError) as refused:
        await live.collect(BUYER, MINE, {"after": seller_cursor}, 1)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["field"] == "after"


async def _updates_until(
    live: LiveServer, actor: Any, query: str, after: str | None, count: int, act: Any
) -> list[dict[str, Any]]:
    """Subscribe (with `after` when given), wait until live, run `act`, gather `count`."""
    variables = {} if after is None else {"after": after}
    watching = asyncio.create_task(live.collect(actor, query, variables, count))
    await live.wait_for_subscribers(1)
    await act()
    async with asyncio.timeout(15):
        got = await watching
    await live.wait_for_subscribers(0)
    return got


@pytest.mark.parametrize(
    ("actor", "query", "key"),
    [(BUYER, MINE, "myOrderUpdates"), (SELLER, FEED, "sellerOrderUpdates")],
    ids=["buyer", "seller"],
)
async def test_a_feed_subscribed_without_a_cursor_resumes_with_only_what_it_missed(
    live: LiveServer, actor: Any, query: str, key: str
) -> None:
    """Placed before the subscription; 2, 3, 4 live; socket dropped; 5, 6, 7 while away: the
    resume sends 5, 6, 7 and not the order's ORDER_PLACED from before the subscription."""
    api = live.api
    order = await api.place()
    oid = order["id"]

    async def verify_and_ship() -> None:
        await api.verify(oid)  # 2
        await api.ship(oid, tracking="1ZFEED1")  # 3 and 4: shipment confirmed, buyer charged

    first = await _updates_until(live, actor, query, None, 3, verify_and_ship)
    assert _seen(first, key) == [f"{oid}#2", f"{oid}#3", f"{oid}#4"]
    for city in ("Reno", "Denver", "Chicago"):  # three changes while away
        await api.scan("1ZFEED1", "IN_TRANSIT", city=city)
    resumed = await live.collect(actor, query, {"after": first[-1][key]["cursor"]}, 3)
    assert _seen(resumed, key) == [f"{oid}#5", f"{oid}#6", f"{oid}#7"]
    # From the resumed cursor, the next is the next change: nothing older comes again.
    await api.scan("1ZFEED1", "OUT_FOR_DELIVERY")
    again = await live.collect(actor, query, {"after": resumed[-1][key]["cursor"]}, 1)
    assert _seen(again, key) == [f"{oid}#8"]
    assert len(await api.timeline(oid)) == 8


async def test_a_feed_of_hundreds_of_older_events_replays_none_of_them(live: LiveServer) -> None:
    """More older events than a replay reads at once (REPLAY_BATCH), and none comes."""
    api = live.api
    assert REPLAY_BATCH * 2 < 250
    for _ in range(0, 250, 50):
        await asyncio.gather(*(api.place() for _n in range(50)))
    newest: dict[str, Any] = {}

    async def place_one() -> None:
        newest.update(await api.place())

    [got] = await _updates_until(live, SELLER, FEED, None, 1, place_one)
    assert _seen([got]) == [f"{newest['id']}#1"]
    await api.verify(newest["id"])
    resumed = await live.collect(SELLER, FEED, {"after": got["sellerOrderUpdates"]["cursor"]}, 1)
    assert _seen(resumed) == [f"{newest['id']}#2"]
