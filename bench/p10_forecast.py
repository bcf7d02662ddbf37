"""P10: what a delivery prediction costs a scan (docs/predictions.md), against what applying
the scan to its order costs the domain, both in this process (the pace of a load generator
does not matter: each is CPU time on one core).

The forecast learns a synthetic replay; then each parcel of another replay is predicted at
each of its scans, as the server predicts it (a different parcel, lane and moment each time).
The baseline applies a scan to an order in memory, a different order and scan each time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.common import Row, Sizes
from domain.forecast.calendar import DeliveryCalendar
from domain.forecast.predictor import Forecaster
from domain.forecast.synthetic import synthetic_replay
from domain.forecast.tables import moving_scans
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    FulfillmentChannel,
    ScanLocation,
    ShippingSpeed,
    TrackingTag,
)
from domain.orders.line_items import LineItem
from domain.orders.order import Order

BUDGET = 0.001  # a prediction should cost under 1 ms a scan
BUYER, OPERATOR, SELLER = (
    Actor("b", Role.BUYER),
    Actor("op", Role.OPERATOR),
    Actor("s", Role.SELLER),
)
CARRIER = Actor("UPS", Role.CARRIER)


def p10(sizes: Sizes) -> Row:
    learned = sizes.forecast
    forecast = Forecaster(DeliveryCalendar())
    history = list(synthetic_replay(learned, seed=7))
    started = time.perf_counter()
    forecast.learn(history)
    learning = (time.perf_counter() - started) / learned
    cases = [
        (p.seen(scan), scan.at)
        for p in synthetic_replay(sizes.predictions // 4, seed=11)
        for scan in moving_scans(p.scans)
    ][: sizes.predictions]
    started = time.perf_counter()
    for parcel, at in cases:
        forecast.predict(parcel, at)
    predicting = (time.perf_counter() - started) / len(cases)
    applying = _scan_cost(len(cases))
    return Row(
        name="P10 a delivery prediction per scan",
        measured=f"{predicting * 1e6:.0f} µs ({len(cases):,} scans, {learned:,} parcels learned)",
        baseline=f"{applying * 1e6:.0f} µs (the scan applied to its order)",
        ratio=predicting / applying,
        target="under 1 ms a scan",
        met=predicting < BUDGET,
        detail={
            "prediction_us": predicting * 1e6,
            "scan_us": applying * 1e6,
            "learning_us_per_parcel": learning * 1e6,
            "scans": len(cases),
            "learned": learned,
        },
    )


def _scan_cost(count: int) -> float:
    """Seconds to apply one scan to its order in memory: orders made first, then one scan each."""
    orders = []
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    home = Address("Ana", "1 Main St", "Springfield", "12345", "US", region="NY")
    dock = Address("Acme", "1 Dock Rd", "Reno", "89502", "US", region="NV")
    for n in range(count):
        order, _ = Order.place(
            order_id=f"ord_{n}",
            buyer=BUYER,
            seller_id=SELLER.id,
            items=[LineItem("MUG-01", "Mug", 1, Money(1299, "USD"))],
            shipping_address=home,
            channel=FulfillmentChannel.MFN,
            speed=ShippingSpeed.STANDARD,
            delivery_option=DeliveryOption.DOOR,
            now=now,
        )
        order.verify_payment(OPERATOR, now)
        order.confirm_shipment(
            SELLER,
            shipment_id=f"shp_{n}",
            carrier="UPS",
            shipping_method="Ground",
            tracking_id=f"1Z{n:08d}",
            shipped_at=now,
            ship_from=dock,
            items=None,
            now=now,
        )
        orders.append(order)
    hub = ScanLocation("Memphis", "US", region="TN")
    at = now + timedelta(hours=6)
    started = time.perf_counter()
    for n, order in enumerate(orders):
        order.record_scan(
            CARRIER,
            carrier="UPS",
            tracking_id=f"1Z{n:08d}",
            tag=TrackingTag.IN_TRANSIT,
            location=hub,
            scanned_at=at,
            description=None,
            now=at,
        )
    return (time.perf_counter() - started) / count
