"""An order walks every milestone through the real HTTP API, and its timeline tells the story."""

from __future__ import annotations

from datetime import timedelta

from tests.api.client import DHL, OPERATOR, SELLER, UPS, Api


async def test_order_goes_from_placement_to_delivery(api: Api) -> None:
    placed = await api.place()
    assert placed["status"] == "PENDING"
    assert placed["total"] == {"amount": 2 * 1299 + 4599, "currency": "USD"}
    assert placed["captured"]["amount"] == 0
    assert placed["estimatedDelivery"] is None

    api.clock.advance(timedelta(minutes=3))
    verified = await api.verify(placed["id"])
    assert verified["status"] == "UNSHIPPED"
    # STANDARD is 3 to 5 days from verification on Monday 2 November.
    assert verified["estimatedDelivery"] == {"earliest": "2026-11-05", "latest": "2026-11-07"}

    api.clock.advance(timedelta(hours=20))
    shipped = await api.ship(placed["id"], tracking="1ZTRACK")
    assert shipped["status"] == "SHIPPED"
    assert shipped["captured"] == shipped["total"]  # charged at shipment, not before
    assert shipped["shipments"][0]["carrier"] == "UPS"
    assert shipped["shipments"][0]["items"] == [
        {"sku": "MUG-01", "quantity": 2},
        {"sku": "LAMP-7", "quantity": 1},
    ]

    for tag, status in [
        ("INFO_RECEIVED", "SHIPPED"),
        ("IN_TRANSIT", "IN_TRANSIT"),
        ("OUT_FOR_DELIVERY", "OUT_FOR_DELIVERY"),
        ("ATTEMPT_FAIL", "DELIVERY_ATTEMPTED"),
        ("OUT_FOR_DELIVERY", "OUT_FOR_DELIVERY"),
        ("DELIVERED", "DELIVERED"),
    ]:
        api.clock.advance(timedelta(hours=5))
        order = await api.scan("1ZTRACK", tag)
        assert order["status"] == status, tag
    assert order["deliveredAt"] == api.clock().isoformat()
    assert order["shipments"][0]["status"] == "DELIVERED"

    timeline = await api.timeline(placed["id"])
    assert [e["sequence"] for e in timeline] == list(range(1, len(timeline) + 1))
    assert [e["type"] for e in timeline] == [
        "ORDER_PLACED",
        "PAYMENT_VERIFIED",
        "SHIPMENT_CONFIRMED",
        "PAYMENT_CAPTURED",
        *["TRACKING_EVENT_RECORDED"] * 6,
    ]
    assert timeline[-1]["status"] == "DELIVERED"
    assert timeline[-1]["tag"] == "DELIVERED"
    assert timeline[-1]["location"]["city"] == "Memphis"
    assert timeline[0]["actorRole"] == "BUYER"
    assert timeline[1]["actorRole"] == "OPERATOR"
    assert timeline[3]["amount"] == {"amount": 7197, "currency": "USD"}
    assert order["version"] == timeline[-1]["sequence"]


async def test_partial_shipments_capture_per_parcel(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    first = await api.ship(order["id"], tracking="1ZA", items=[{"sku": "MUG-01", "quantity": 1}])
    assert first["status"] == "PARTIALLY_SHIPPED"
    assert first["captured"]["amount"] == 1299

    # A scan of the first parcel moves that parcel, not the partly shipped order.
    moved = await api.scan("1ZA", "IN_TRANSIT")
    assert moved["status"] == "PARTIALLY_SHIPPED"
    assert moved["shipments"][0]["status"] == "IN_TRANSIT"

    second = await api.ship(order["id"], tracking="1ZB", carrier="DHL")
    assert second["status"] == "SHIPPED"  # the new parcel is the least advanced
    assert second["captured"] == second["total"]
    assert second["shipments"][1]["items"] == [
        {"sku": "MUG-01", "quantity": 1},
        {"sku": "LAMP-7", "quantity": 1},
    ]

    assert (await api.scan("1ZB", "IN_TRANSIT", as_=DHL, carrier="DHL"))["status"] == "IN_TRANSIT"
    assert (await api.scan("1ZA", "DELIVERED"))["status"] == "IN_TRANSIT"
    delivered = await api.scan("1ZB", "DELIVERED", as_=DHL, carrier="dhl")
    assert delivered["status"] == "DELIVERED"


async def test_fba_orders_are_shipped_by_an_operator(api: Api) -> None:
    order = await api.place(fulfillmentChannel="FBA", shippingSpeed="ONE_DAY")
    verified = await api.verify(order["id"])
    assert verified["estimatedDelivery"] == {"earliest": "2026-11-03", "latest": "2026-11-03"}

    refused = await api.refused(
        "confirmShipment",
        "input: $input",
        {"input": {**_ship(order["id"], api), "trackingId": "1ZF"}},
        as_=SELLER,
    )
    assert refused["code"] == "FORBIDDEN"

    shipped = await api.ship(order["id"], as_=OPERATOR, tracking="1ZF")
    assert shipped["status"] == "SHIPPED"


async def test_delivery_exception_and_locker_pickup(api: Api) -> None:
    order = await api.place(deliveryOption="LOCKER", shippingSpeed="EXPEDITED")
    verified = await api.verify(order["id"])
    # EXPEDITED is 2 to 3 days; a locker may take one more.
    assert verified["estimatedDelivery"] == {"earliest": "2026-11-04", "latest": "2026-11-06"}
    await api.ship(order["id"], tracking="1ZL")
    assert (await api.scan("1ZL", "EXCEPTION"))["status"] == "DELIVERY_EXCEPTION"
    api.clock.advance(timedelta(hours=1))
    assert (await api.scan("1ZL", "IN_TRANSIT"))["status"] == "IN_TRANSIT"
    api.clock.advance(timedelta(hours=1))
    assert (await api.scan("1ZL", "AVAILABLE_FOR_PICKUP"))["status"] == "OUT_FOR_DELIVERY"
    api.clock.advance(timedelta(hours=1))
    assert (await api.scan("1ZL", "DELIVERED"))["status"] == "DELIVERED"


async def test_a_late_arriving_older_scan_is_kept_but_moves_nothing(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    await api.ship(order["id"], tracking="1ZO")
    api.clock.advance(timedelta(hours=2))
    await api.scan("1ZO", "OUT_FOR_DELIVERY")
    older = {
        "carrier": "UPS",
        "trackingId": "1ZO",
        "tag": "IN_TRANSIT",
        "location": {"city": "Louisville", "countryCode": "US"},
        "occurredAt": (api.clock() - timedelta(hours=1)).isoformat(),
    }
    after = await api.ok("recordTrackingEvent", "input: $input", {"input": older}, as_=UPS)
    assert after["status"] == "OUT_FOR_DELIVERY"
    assert after["shipments"][0]["lastLocation"]["city"] == "Memphis"
    timeline = await api.timeline(order["id"])
    assert timeline[-1]["outOfOrder"] is True
    assert timeline[-1]["location"]["city"] == "Louisville"


async def test_delay_revises_the_delivery_window(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    delay = {
        "orderId": order["id"],
        "revisedEarliest": "2026-11-08",
        "revisedLatest": "2026-11-10",
        "reason": "storm at the hub",
    }
    delayed = await api.ok("reportDelay", "input: $input", {"input": delay}, as_=SELLER)
    assert delayed["status"] == "UNSHIPPED"  # a delay is an event, not a status
    assert delayed["estimatedDelivery"] == {"earliest": "2026-11-08", "latest": "2026-11-10"}
    last = (await api.timeline(order["id"]))[-1]
    assert last["type"] == "DELIVERY_DELAYED"
    assert last["reason"] == "storm at the hub"
    assert last["previous"] == {"earliest": "2026-11-05", "latest": "2026-11-07"}
    assert last["revised"] == {"earliest": "2026-11-08", "latest": "2026-11-10"}

    earlier = {**delay, "revisedEarliest": "2026-11-06", "revisedLatest": "2026-11-09"}
    refused = await api.refused("reportDelay", "input: $input", {"input": earlier}, as_=SELLER)
    assert refused["code"] == "VALIDATION"
    assert refused["field"] == "revisedLatest"


def _ship(order_id: str, api: Api) -> dict[str, object]:
    from tests.api.client import ship_input

    return ship_input(order_id, "1ZX", api.clock)
