"""Replay-then-live over in-memory ports: a resumed stream misses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

from graphql import parse

from api.graphql.errors import live_errors
from api.graphql.schema import build_schema
from api.live.fanout import Fanout, follow
from api.live.members import Member
from api.live.selections import Selection
from api.live.streams import SentSoFar, decode_stream_cursor
from domain.kernel.events import RecordedEvent
from domain.orders.ports import LiveUpdate
from domain.orders.use_cases import ConfirmShipment, PlaceOrder
from tests.data import BUYER, HOME, OPERATOR, SELLER, T0, line_items
from tests.fakes import FakeLiveUpdates, fake_world


async def test_a_stream_resumed_from_a_cursor_replays_the_gap_then_goes_live() -> None:
    world = fake_world(T0)
    live = FakeLiveUpdates()
    fanout = Fanout(live, capacity=10, errors=live_errors())
    order = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    query = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor } }"
    channels = (f"order:{order.id}",)
    selection = Selection(
        ("test",), build_schema()._schema, parse(query), None, {"id": order.id}, channels, _root
    )

    def stream(sent: SentSoFar, replay: AsyncIterator[RecordedEvent] | None) -> Any:
        # No socket: the member never goes live, every update comes back through its resolver.
        member = Member(cast(Any, None), sent, lambda _: True, 10, lambda: None, None)
        return follow(fanout, selection, member, replay, world.orders)

    async def later(sequence: int) -> AsyncIterator[RecordedEvent]:
        for recorded in await world.orders.events_after(order.id, sequence):
            yield recorded

    # A first client sees the order placed (replayed from sequence 0) and keeps its cursor.
    first = stream(SentSoFar(None), later(0))
    _, placed, cursor = await anext(first)
    assert placed.sequence == 1
    await first.aclose()
    assert fanout.subscriber_count == 0

    # While it is away the payment is verified; it comes back with its cursor.
    await world.orders.verify_payment(OPERATOR, order.id)
    back = stream(SentSoFar(decode_stream_cursor(cursor)), later(1))
    assert (await anext(back))[1].sequence == 2

    # Live from here: a repeat of an event already sent (a relay) is dropped, new ones arrive.
    waiting = asyncio.ensure_future(anext(back))
    await asyncio.sleep(0)
    await live.publish(world.market.orders[order.id], world.market.events(order.id)[-1:])
    await asyncio.sleep(0)
    assert not waiting.done()
    shipped = await world.orders.confirm_shipment(
        SELLER, ConfirmShipment(order.id, "UPS", "Ground", "1Z1", world.clock(), HOME)
    )
    # Sequence 4 published before 3 (overtaken): the gap is filled from the log, in order.
    events = world.market.events(order.id)
    await live.publish(shipped, events[3:4])
    assert (await waiting)[1].sequence == 3
    assert (await anext(back))[1].sequence == 4
    await live.publish(shipped, events[2:3])  # the late one is a repeat now: dropped
    await back.aclose()
    assert fanout.subscriber_count == 0


def _root(update: LiveUpdate, cursor: str) -> object:
    return (update, cursor)
