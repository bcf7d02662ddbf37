"""Racing writers on one order: exactly one wins, the rest get CONFLICT, the log stays whole."""

from __future__ import annotations

import asyncio

from tests.api.client import OPERATOR, SELLER, Api, ship_input


async def test_cancel_and_ship_race_exactly_one_wins(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    await asyncio.gather(*(api.read(order["id"]) for _ in range(4)))
    cancel, ship = await asyncio.gather(
        api.mutate(
            "cancelOrder",
            "orderId: $orderId, reason: $reason",
            {"orderId": order["id"], "reason": "oos"},
            as_=SELLER,
        ),
        api.mutate(
            "confirmShipment",
            "input: $input",
            {"input": ship_input(order["id"], "1ZR", api.clock)},
            as_=SELLER,
        ),
    )
    winners = [p for p in (cancel, ship) if p["errors"] == []]
    losers = [p for p in (cancel, ship) if p["errors"] != []]
    assert len(winners) == 1, (cancel, ship)
    assert len(losers) == 1, (cancel, ship)
    assert losers[0]["errors"][0]["code"] in {"CONFLICT", "INVALID_TRANSITION", "ALREADY_SHIPPED"}

    final = await api.read(order["id"])
    assert final["status"] == winners[0]["order"]["status"]
    assert final["status"] in {"CANCELED", "SHIPPED"}
    timeline = await api.timeline(order["id"])
    assert [e["sequence"] for e in timeline] == list(range(1, final["version"] + 1))
    kinds = {e["type"] for e in timeline}
    assert not {"ORDER_CANCELED", "SHIPMENT_CONFIRMED"} <= kinds


async def test_many_racing_verifications_verify_once(api: Api) -> None:
    order = await api.place()
    # Warm the connection pool so that every request's read really is in flight at once.
    await asyncio.gather(*(api.read(order["id"]) for _ in range(20)))
    payloads = await asyncio.gather(
        *(
            api.mutate("verifyPayment", "orderId: $orderId", {"orderId": order["id"]}, as_=OPERATOR)
            for _ in range(20)
        )
    )
    assert sum(p["errors"] == [] for p in payloads) == 1
    assert {p["errors"][0]["code"] for p in payloads if p["errors"]} <= {
        "CONFLICT",
        "INVALID_TRANSITION",
    }
    timeline = await api.timeline(order["id"])
    assert [e["type"] for e in timeline] == ["ORDER_PLACED", "PAYMENT_VERIFIED"]
    assert (await api.read(order["id"]))["version"] == 2
