"""Replay-then-live over in-memory ports: a resumed stream misses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from graphql import parse

from api.graphql.common.errors import live_errors
from api.graphql.orders.subscriptions import OrderLog
from api.graphql.orders.types import party_feed
from api.graphql.schema import build_schema
from api.serving.live.failures import BadCursor
from api.serving.live.fanout import Fanout, follow
from api.serving.live.members import Member
from api.serving.live.selections import Selection
from api.serving.live.streams import AHEAD_RUNS_KEPT, SentSoFar, decode_stream_cursor
from domain.kernel.events import FeedPositions, OrderPlaced, RecordedEvent
from domain.kernel.money import Money
from domain.kernel.shipping import DeliveryOption, FulfillmentChannel, ShippingSpeed
from domain.orders.commands import ConfirmShipment, PlaceOrder
from domain.orders.ports import LiveUpdate
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
        member = Member(
            cast(Any, None), OrderLog(world.orders), sent, lambda _: True, 10, lambda: None, None
        )
        return follow(fanout, selection, member, replay)

    async def later(sequence: int) -> AsyncIterator[RecordedEvent]:
        for recorded in await world.orders.events_after(order.id, sequence):
            yield recorded

    # A first client sees the order placed (replayed from sequence 0) and keeps its cursor.
    first = stream(SentSoFar(None), later(0))
    placed, cursor = await anext(first)
    assert placed.event.sequence == 1
    await first.aclose()
    assert fanout.subscriber_count == 0

    # While it is away the payment is verified; it comes back with its cursor.
    await world.orders.verify_payment(OPERATOR, order.id)
    back = stream(SentSoFar(decode_stream_cursor(cursor)), later(1))
    assert (await anext(back))[0].event.sequence == 2

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
    assert (await waiting)[0].event.sequence == 3
    assert (await anext(back))[0].event.sequence == 4
    await live.publish(shipped, events[2:3])  # the late one is a repeat now: dropped
    await back.aclose()
    assert fanout.subscriber_count == 0


def _root(update: LiveUpdate, cursor: str) -> object:
    return (update, cursor)


def _feed_event(order_id: str, sequence: int, position: int) -> RecordedEvent:
    event = OrderPlaced(
        occurred_at=T0,
        actor=BUYER,
        buyer_id=BUYER.id,
        seller_id=SELLER.id,
        channel=FulfillmentChannel.MFN,
        speed=ShippingSpeed.STANDARD,
        delivery_option=DeliveryOption.DOOR,
        total=Money(100, "USD"),
    )
    return RecordedEvent(order_id, sequence, "PENDING", event, FeedPositions(position, position))


def test_a_feed_cursor_covers_what_was_sent_out_of_order_and_nothing_else() -> None:
    feed = party_feed(SELLER)
    sent = SentSoFar(None, feed)
    sent.mark(_feed_event("ord_a", 1, 1))
    cursor = sent.mark(_feed_event("ord_b", 1, 3))  # position 2 has not arrived yet
    resumed = SentSoFar(decode_stream_cursor(cursor), feed)
    assert resumed.position == 1
    assert resumed.is_new(_feed_event("ord_c", 1, 2))  # the gap is replayed
    assert not resumed.is_new(_feed_event("ord_b", 1, 3))  # sent above the gap: not again
    assert not resumed.is_new(_feed_event("ord_a", 1, 1))  # a relay repeating an old one
    resumed.mark(_feed_event("ord_c", 1, 2))
    assert resumed.position == 3  # the gap closed: everything up to 3 was sent
    with pytest.raises(BadCursor):
        SentSoFar(decode_stream_cursor(cursor), party_feed(BUYER))


def test_a_feed_cursor_stays_small_after_ten_thousand_updates_however_they_interleave() -> None:
    """Publishes of different orders overtake each other and one is lost for good: the cursor
    keeps runs of what was sent above the hole, not every position."""
    feed = party_feed(SELLER)
    sent = SentSoFar(None, feed)
    sent.begin_at(40)
    places = list(range(42, 42 + 10_000))  # 41 is never published
    chooser = random.Random(7)
    for at in range(0, len(places), 8):  # arrivals shuffled within windows of 8
        window = places[at : at + 8]
        chooser.shuffle(window)
        places[at : at + 8] = window
    cursor = ""
    for place in places:
        cursor = sent.mark(_feed_event(f"ord_{place}", 1, place))
    assert len(cursor) < 1024
    resumed = SentSoFar(decode_stream_cursor(cursor), feed)
    assert resumed.position == 40
    assert resumed.is_new(_feed_event("ord_41", 1, 41))  # the one never sent comes on resume
    assert not resumed.is_new(_feed_event("ord_5000", 1, 5_000))  # one sent above it does not
    assert not resumed.is_new(_feed_event("ord_40", 1, 40))  # one from before the start neither


def test_a_cursor_with_many_holes_forgets_only_the_highest_runs() -> None:
    """Past the runs a cursor keeps, the highest are sent again on resume, never lost."""
    feed = party_feed(SELLER)
    sent = SentSoFar(None, feed)
    cursor = ""
    for place in range(2, 2 + 2 * (AHEAD_RUNS_KEPT + 5), 2):  # every odd position missing
        cursor = sent.mark(_feed_event(f"ord_{place}", 1, place))
    resumed = SentSoFar(decode_stream_cursor(cursor), feed)
    kept = [
        p
        for p in range(2, 2 + 2 * (AHEAD_RUNS_KEPT + 5), 2)
        if not resumed.is_new(_feed_event(f"ord_{p}", 1, p))
    ]
    assert kept == list(range(2, 2 + 2 * AHEAD_RUNS_KEPT, 2))
    assert all(resumed.is_new(_feed_event(f"ord_{p}", 1, p)) for p in range(1, 80, 2))


def test_a_feed_begins_at_its_head_and_a_cursor_cannot_begin_again() -> None:
    feed = party_feed(BUYER)
    sent = SentSoFar(None, feed)
    sent.begin_at(1_000)
    assert not sent.is_new(_feed_event("ord_old", 1, 1_000))
    assert sent.is_new(_feed_event("ord_new", 1, 1_001))
    with pytest.raises(ValueError, match="without a cursor"):
        SentSoFar(decode_stream_cursor(sent.mark(_feed_event("ord_new", 1, 1_001))), feed).begin_at(
            5
        )
