"""Tracking a client can trust: carriers bound to their parcels, one live parcel per tracking id,
implausible scans refused, and refusals that name the field the caller sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.client import (
    ADDRESS,
    DHL,
    OPERATOR,
    OTHER_BUYER,
    OTHER_SELLER,
    SELLER,
    UPS,
    Api,
    scan_input,
)


async def _two_carriers(api: Api) -> dict[str, Any]:
    """One order, two items, one parcel with UPS and one with DHL."""
    order = await api.verify((await api.place())["id"])
    await api.ship(order["id"], tracking="1ZUPS", items=[{"sku": "MUG-01", "quantity": 2}])
    return await api.ship(order["id"], tracking="JDDHL", carrier="DHL")


async def test_a_carrier_cannot_scan_another_carriers_parcel_on_the_same_order(api: Api) -> None:
    order = await _two_carriers(api)
    variables = {"input": scan_input("1ZUPS", "DELIVERED", api.clock, "UPS", "Reno")}
    error = await api.refused("recordTrackingEvent", "input: $input", variables, as_=DHL)
    assert (error["code"], error["field"]) == ("NOT_FOUND", "trackingId")
    after = await api.read(order["id"])
    assert {s["trackingId"]: s["status"] for s in after["shipments"]} == {
        "1ZUPS": "SHIPPED",
        "JDDHL": "SHIPPED",
    }
    assert after["version"] == order["version"]
    # The parcel's own carrier, and operators, still may.
    assert (await api.scan("1ZUPS", "IN_TRANSIT", as_=UPS))["status"] == "SHIPPED"
    await api.scan("JDDHL", "IN_TRANSIT", as_=OPERATOR, carrier="DHL")


async def test_an_unknown_tracking_id_is_not_found_on_the_field_that_was_sent(api: Api) -> None:
    variables = {"input": scan_input("NOPE", "IN_TRANSIT", api.clock, "UPS", "Reno")}
    error = await api.refused("recordTrackingEvent", "input: $input", variables, as_=UPS)
    assert (error["code"], error["field"]) == ("NOT_FOUND", "trackingId")


async def test_order_not_found_names_the_argument_id(api: Api) -> None:
    body = await api.gql('{ order(id: "ord_nope") { id } }', as_=OPERATOR)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}


async def test_a_tracking_id_in_use_on_a_live_parcel_is_refused_for_every_other_order(
    api: Api,
) -> None:
    bolt = await api.verify((await api.place())["id"])
    acme = await api.verify((await api.place(sellerId=OTHER_SELLER.id))["id"])
    await api.ship(bolt["id"], tracking="1ZSAME")
    variables = {"input": {**_ship(api, acme["id"], "1ZSAME")}}
    error = await api.refused("confirmShipment", "input: $input", variables, as_=OTHER_SELLER)
    assert (error["code"], error["field"]) == ("TRACKING_ID_IN_USE", "trackingId")
    assert (await api.read(acme["id"]))["status"] == "UNSHIPPED"
    # Once delivered, the id is free again: carriers reuse their numbers.
    await api.scan("1ZSAME", "DELIVERED")
    shipped = await api.ok("confirmShipment", "input: $input", variables, as_=OTHER_SELLER)
    assert shipped["status"] == "SHIPPED"
    assert (await api.scan("1ZSAME", "IN_TRANSIT"))["id"] == acme["id"]


async def test_orders_of_one_buyer_to_one_ship_to_share_the_box_and_its_every_scan(
    api: Api,
) -> None:
    first, second = [await api.verify((await api.place())["id"]) for _ in range(2)]
    await api.ship(first["id"], tracking="1ZBOX")
    shipped = await api.ship(second["id"], tracking="1ZBOX")
    assert shipped["shipments"][0]["trackingId"] == "1ZBOX"
    # Another ship-to, or another buyer at the same address, is another box.
    elsewhere = await api.verify(
        (await api.place(shippingAddress={**ADDRESS, "line1": "9 Oak"}))["id"]
    )
    stranger = await api.verify((await api.place(as_=OTHER_BUYER))["id"])
    for order in (elsewhere, stranger):
        variables = {"input": _ship(api, order["id"], "1ZBOX")}
        error = await api.refused("confirmShipment", "input: $input", variables, as_=SELLER)
        assert (error["code"], error["field"]) == ("TRACKING_ID_IN_USE", "trackingId")
        assert (await api.read(order["id"]))["status"] == "UNSHIPPED"
    # One scan of the box is on both orders; the answer names the first placed.
    assert (await api.scan("1ZBOX", "OUT_FOR_DELIVERY"))["id"] == first["id"]
    for order in (first, second):
        assert (await api.read(order["id"]))["status"] == "OUT_FOR_DELIVERY"
    assert (await api.scan("1ZBOX", "DELIVERED"))["id"] == first["id"]
    for order in (first, second):
        assert (await api.read(order["id"]))["status"] == "DELIVERED"
    # Delivered: the id is free for anyone's next parcel.
    variables = {"input": _ship(api, stranger["id"], "1ZBOX")}
    shipped = await api.ok("confirmShipment", "input: $input", variables, as_=SELLER)
    assert shipped["status"] == "SHIPPED"


async def test_a_batch_scan_of_a_shared_box_reaches_every_order_once(api: Api) -> None:
    first, second = [await api.verify((await api.place())["id"]) for _ in range(2)]
    for order in (first, second):
        await api.ship(order["id"], tracking="1ZPACK")
    scans = [scan_input("1ZPACK", "IN_TRANSIT", api.clock, "UPS", "Reno")] * 2
    body = await api.gql(BATCH, {"inputs": scans}, as_=UPS)
    results = body["data"]["recordTrackingEvents"]["results"]
    assert [(r["outcome"], r["orderId"]) for r in results] == [
        ("RECORDED", first["id"]),
        ("DUPLICATE", first["id"]),
    ]
    for order in (first, second):
        [shipment] = (await api.read(order["id"]))["shipments"]
        assert shipment["status"] == "IN_TRANSIT"
    # Sent again later: recorded on neither.
    before = [(await api.read(o["id"]))["version"] for o in (first, second)]
    body = await api.gql(BATCH, {"inputs": scans}, as_=UPS)
    results = body["data"]["recordTrackingEvents"]["results"]
    assert [r["outcome"] for r in results] == ["DUPLICATE", "DUPLICATE"]
    assert [(await api.read(o["id"]))["version"] for o in (first, second)] == before


BATCH = """mutation Scans($inputs: [RecordTrackingEventInput!]!) {
  recordTrackingEvents(inputs: $inputs) { results { outcome orderId error { code } } }
}"""


async def test_racing_shipments_with_one_tracking_id_let_exactly_one_through(api: Api) -> None:
    import asyncio

    # Four ship-to addresses: four packages, so one tracking id cannot be all of theirs.
    orders = [
        await api.verify((await api.place(shippingAddress={**ADDRESS, "line1": f"{n} Elm"}))["id"])
        for n in range(4)
    ]
    answers = await asyncio.gather(
        *(
            api.mutate(
                "confirmShipment",
                "input: $input",
                {"input": _ship(api, o["id"], "1ZRACE")},
                as_=SELLER,
            )
            for o in orders
        )
    )
    won = [a for a in answers if not a["errors"]]
    assert len(won) == 1
    assert {a["errors"][0]["code"] for a in answers if a["errors"]} <= {
        "TRACKING_ID_IN_USE",
        "CONFLICT",
    }


async def test_a_scan_dated_before_its_parcel_shipped_is_refused(api: Api) -> None:
    order = await api.verify((await api.place())["id"])
    api.clock.advance(timedelta(hours=3))
    await api.ship(order["id"], tracking="1ZEARLY")
    early = scan_input("1ZEARLY", "OUT_FOR_DELIVERY", api.clock, "UPS", "Reno")
    early["occurredAt"] = (api.clock() - timedelta(hours=2)).isoformat()
    error = await api.refused("recordTrackingEvent", "input: $input", {"input": early}, as_=UPS)
    assert (error["code"], error["field"]) == ("VALIDATION", "occurredAt")
    assert (await api.read(order["id"]))["shipments"][0]["status"] == "SHIPPED"


def _ship(api: Api, order_id: str, tracking: str) -> dict[str, Any]:
    from tests.api.client import ship_input

    return ship_input(order_id, tracking, api.clock)
