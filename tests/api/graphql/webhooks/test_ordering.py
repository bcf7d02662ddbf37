"""One order's events arrive in sequence however the receiver fails: 1,000 events across 50
orders, a fifth of the answers 500s, sixteen messages in flight at once."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.api.client import UPS
from tests.api.graphql.webhooks.conftest import Hooks

ORDERS = 50
SCANS = 16  # and four events each to get shipped: 20 per order


@pytest.mark.slow
async def test_a_thousand_events_across_fifty_orders_arrive_in_order_per_order(
    hooks: Hooks,
) -> None:
    made = await hooks.create()
    chance = random.Random(43)
    hooks.receiver.answers(*(500 if chance.random() < 0.2 else 204 for _ in range(5000)))
    parcels = []
    for n in range(ORDERS):
        await hooks.api.order_in("SHIPPED", tracking=f"1ZORD{n:04d}")
        parcels.append(f"1ZORD{n:04d}")
        if n % 10 == 9:
            await hooks.send()  # sending while orders are still being made
    start = hooks.api.clock()
    hooks.api.clock.advance(timedelta(minutes=SCANS))  # every scan in the past
    scans: list[dict[str, Any]] = [
        {
            "carrier": "UPS",
            "trackingId": tracking,
            "tag": "IN_TRANSIT",
            "location": {"city": f"Hub {k}", "countryCode": "US"},
            "occurredAt": (start + timedelta(minutes=k)).isoformat(),
        }
        for k in range(SCANS)
        for tracking in parcels
    ]
    for at in range(0, len(scans), 400):
        body = await hooks.api.gql(
            "mutation($inputs: [RecordTrackingEventInput!]!) { recordTrackingEvents(inputs: "
            "$inputs) { results { outcome error { code message } } } }",
            {"inputs": scans[at : at + 400]},
            as_=UPS,
        )
        results = body["data"]["recordTrackingEvents"]["results"]
        assert [r["outcome"] for r in results] == ["RECORDED"] * 400, {
            r["error"]["message"] for r in results if r["error"]
        }
        await hooks.send()
    # A message failing five times in a row waits hours (the schedule), and its order's later
    # messages wait behind it: a day and a half of passes lets every retry come due.
    for _ in range(36):
        hooks.api.clock.advance(timedelta(hours=1))
        await hooks.send()

    delivered: dict[str, int] = {}
    taken: Counter[tuple[str, int]] = Counter()
    for request in hooks.receiver.requests:
        data = request.verified(made["secret"])["data"]
        order_id, sequence = data["orderId"], data["sequence"]
        # Never ahead of its order: the one after the last delivered, or that one again.
        assert sequence <= delivered.get(order_id, 0) + 1, (order_id, sequence)
        if 200 <= request.status < 300:
            taken[order_id, sequence] += 1
            delivered[order_id] = max(delivered.get(order_id, 0), sequence)
    assert len(taken) == ORDERS * (SCANS + 4)
    assert set(taken.values()) == {1}
    assert sum(r.status == 500 for r in hooks.receiver.requests) > 150
