"""A delivery history for the forecast to learn, made through the public API.

Thirty parcels shipped from Reno to Lisbon on a Monday and scanned on Tuesday: the fifteen
scanned at Columbus arrived on Thursday, the fifteen scanned at Memphis on the next Monday.
Orders placed on a Monday are promised by Saturday.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tests.api.client import Api

HISTORY = 15  # parcels of each kind: what a lane needs (domain/forecast/tables.MIN_SAMPLES)
PREDICTED = "date earliest latest onTimeProbability basis sampleSize revisedAt atRisk"


async def history(api: Api) -> None:
    """The thirty parcels, delivered; the clock ends on the next Monday, 09:00."""
    parcels = []
    for n in range(2 * HISTORY):
        order = await api.verify((await api.place())["id"])
        await api.ship(order["id"], tracking=f"1ZHIST{n:04d}")
        parcels.append(f"1ZHIST{n:04d}")
    api.clock.advance(timedelta(days=1))
    fast, slow = parcels[:HISTORY], parcels[HISTORY:]
    for tracking in fast:
        await api.scan(tracking, "IN_TRANSIT", city="Columbus")
    for tracking in slow:
        await api.scan(tracking, "IN_TRANSIT", city="Memphis")
    api.clock.advance(timedelta(days=2))
    for tracking in fast:
        await api.scan(tracking, "DELIVERED", city="Lisbon")
    api.clock.advance(timedelta(days=4))
    for tracking in slow:
        await api.scan(tracking, "DELIVERED", city="Lisbon")


async def shipped(api: Api, tracking: str, fields: str) -> dict[str, Any]:
    """A new order shipped now, read once the forecast has learned the thirty parcels."""
    order = await api.verify((await api.place())["id"])
    await api.ship(order["id"], tracking=tracking)
    found: dict[str, Any] = {}
    for _ in range(250):
        found = await api.read(
            order["id"], fields=f"id predictedDelivery {{ {PREDICTED} }} {fields}"
        )
        if found["predictedDelivery"]["sampleSize"] == 2 * HISTORY:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"the forecast never learned the history: {found}")
