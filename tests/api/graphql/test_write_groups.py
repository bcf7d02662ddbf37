"""Group commit through the public API, with groups forced large (a 50 ms window): writes that
arrive together share a transaction, yet each is answered as if it had been alone."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from api.settings import Settings
from tests.api.client import (
    BUYER,
    DHL,
    OTHER_BUYER,
    SELLER,
    UPS,
    Api,
    place_input,
    scan_input,
    ship_input,
)

SCANS = """mutation Scans($inputs: [RecordTrackingEventInput!]!) {
  recordTrackingEvents(inputs: $inputs) {
    results { index outcome orderId status error { code message field } }
    errors { code message field }
  }
}"""
SCAN = """mutation Scan($input: RecordTrackingEventInput!) {
  recordTrackingEvent(input: $input) { order { id status } errors { code message } }
}"""
DELAY = """mutation Delay($input: ReportDelayInput!) {
  reportDelay(input: $input) { order { id status } errors { code message } }
}"""
SHIP = """mutation Ship($input: ConfirmShipmentInput!) {
  confirmShipment(input: $input) { order { id status } errors { code message } }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"write_group_window_ms": 50.0, "write_group_max": 100})


async def groups_committed(api: Api) -> tuple[float, float]:
    """(transactions, units of work in them) from /metrics."""
    text = (await api.http.get("/metrics")).text
    count = re.search(r"^orderwire_write_group_units_count (\S+)$", text, re.M)
    total = re.search(r"^orderwire_write_group_units_sum (\S+)$", text, re.M)
    assert count is not None
    assert total is not None
    return float(count.group(1)), float(total.group(1))


async def stored_events(settings: Settings) -> list[dict[str, Any]]:
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    try:
        return await client[settings.mongodb_db]["events"].find({}).to_list()
    finally:
        await client.close()


async def test_scans_sent_together_share_transactions_and_keep_every_sequence(
    api: Api, settings: Settings
) -> None:
    orders = [await api.order_in("SHIPPED", tracking=f"1ZGRP{n:02d}") for n in range(20)]
    before = await groups_committed(api)
    answers = await asyncio.gather(
        *(
            api.gql(
                SCAN,
                {"input": scan_input(f"1ZGRP{n:02d}", "IN_TRANSIT", api.clock, "UPS", "Reno")},
                as_=UPS,
            )
            for n in range(20)
        )
    )
    assert [a["data"]["recordTrackingEvent"]["errors"] for a in answers] == [[]] * 20
    assert {a["data"]["recordTrackingEvent"]["order"]["status"] for a in answers} == {"IN_TRANSIT"}
    groups, units = (a - b for a, b in zip(await groups_committed(api), before, strict=True))
    assert units == 20
    assert groups < 20  # and fewer transactions than writes: they went in groups
    events = await stored_events(settings)
    for order in orders:  # each order's events numbered 1, 2, 3 … without a gap
        mine = sorted(e["sequence"] for e in events if e["aggregate_id"] == order["id"])
        assert mine == list(range(1, len(mine) + 1))
    seller_positions = sorted(e["seller_pos"] for e in events if e["seller_id"] == SELLER.id)
    assert seller_positions == list(range(1, len(seller_positions) + 1))  # one each, in order


async def test_two_changes_of_one_order_in_one_group_answer_conflict_for_the_second(
    api: Api, settings: Settings
) -> None:
    """Two delays of one order (a change no door retries) land in one group with a scan of
    another order: one delay is CONFLICT, the other and the scan are committed."""
    order = await api.order_in("SHIPPED", tracking="1ZSAME")
    other = await api.order_in("SHIPPED", tracking="1ZOTHER")
    latest = date.fromisoformat((await api.read(order["id"]))["estimatedDelivery"]["latest"])

    def delay(days: int) -> dict[str, Any]:
        revised = latest + timedelta(days=days)
        return {
            "orderId": order["id"],
            "revisedEarliest": revised.isoformat(),
            "revisedLatest": revised.isoformat(),
            "reason": f"Weather, {days} days",
        }

    answers = await asyncio.gather(
        api.gql(DELAY, {"input": delay(2)}, as_=SELLER),
        api.gql(DELAY, {"input": delay(3)}, as_=SELLER),
        api.gql(
            SCAN, {"input": scan_input("1ZOTHER", "IN_TRANSIT", api.clock, "UPS", "Reno")}, as_=UPS
        ),
    )
    errors = [a["data"]["reportDelay"]["errors"] for a in answers[:2]]
    assert sorted(len(e) for e in errors) == [0, 1]  # one of the two on the same order
    assert next(e for pair in errors for e in pair)["code"] == "CONFLICT"
    assert answers[2]["data"]["recordTrackingEvent"]["errors"] == []  # the rest not held back
    timeline = await api.timeline(order["id"])
    assert len([e for e in timeline if e["type"] == "DELIVERY_DELAYED"]) == 1  # nothing twice
    assert (await api.read(other["id"]))["status"] == "IN_TRANSIT"


async def test_a_tracking_id_taken_inside_a_group_refuses_only_the_second_parcel(
    api: Api,
) -> None:
    first, third = [await api.order_in("UNSHIPPED") for _ in range(2)]
    second = await api.order_in("UNSHIPPED", as_=OTHER_BUYER)  # another box
    answers = await asyncio.gather(
        api.gql(SHIP, {"input": ship_input(first["id"], "1ZTWICE", api.clock)}, as_=SELLER),
        api.gql(SHIP, {"input": ship_input(second["id"], "1ZTWICE", api.clock)}, as_=SELLER),
        api.gql(SHIP, {"input": ship_input(third["id"], "1ZALONE", api.clock)}, as_=SELLER),
    )
    errors = [a["data"]["confirmShipment"]["errors"] for a in answers]
    assert sorted(len(e) for e in errors[:2]) == [0, 1]
    refused = next(e for pair in errors[:2] for e in pair)
    assert refused["code"] == "TRACKING_ID_IN_USE"
    assert errors[2] == []
    statuses = sorted([(await api.read(o["id"]))["status"] for o in (first, second)])
    assert statuses == ["SHIPPED", "UNSHIPPED"]  # the refused one changed nothing


async def test_two_orders_of_one_box_shipped_inside_one_group_both_hold_its_number(
    api: Api,
) -> None:
    orders = [await api.order_in("UNSHIPPED") for _ in range(3)]
    answers = await asyncio.gather(
        *(
            api.gql(SHIP, {"input": ship_input(o["id"], "1ZONEBOX", api.clock)}, as_=SELLER)
            for o in orders
        )
    )
    assert [a["data"]["confirmShipment"]["errors"] for a in answers] == [[], [], []]
    await api.scan("1ZONEBOX", "DELIVERED")
    assert {(await api.read(o["id"]))["status"] for o in orders} == {"DELIVERED"}


async def test_one_idempotency_key_sent_five_times_at_once_places_one_order(api: Api) -> None:
    query = """mutation Place($input: PlaceOrderInput!) {
      placeOrder(input: $input, idempotencyKey: "same-key-1") { order { id } errors { code } }
    }"""
    answers = await asyncio.gather(
        *(api.gql(query, {"input": place_input()}, as_=BUYER) for _ in range(5))
    )
    placed = {
        a["data"]["placeOrder"]["order"]["id"] for a in answers if a["data"]["placeOrder"]["order"]
    }
    assert len(placed) == 1
    for answer in answers:  # the others got that order, or were told it is still running
        payload = answer["data"]["placeOrder"]
        assert payload["order"] is not None or payload["errors"][0]["code"] == "CONFLICT"
    mine = await api.gql("query { orders(first: 100) { totalCount } }", as_=BUYER)
    assert mine["data"]["orders"]["totalCount"] == 1


async def test_a_batch_of_scans_answers_each_and_a_retry_changes_nothing(api: Api) -> None:
    orders = [await api.order_in("SHIPPED", tracking=f"1ZBAT{n:02d}") for n in range(12)]
    theirs = await api.order_in("UNSHIPPED")
    await api.ship(theirs["id"], tracking="1ZDHL01", carrier="DHL")
    inputs = [
        scan_input(f"1ZBAT{n:02d}", "IN_TRANSIT", api.clock, "UPS", "Reno") for n in range(12)
    ]
    inputs.insert(3, scan_input("1ZDHL01", "IN_TRANSIT", api.clock, "UPS", "Reno"))  # not UPS's
    late = scan_input("1ZBAT00", "DELIVERED", api.clock, "UPS", "Reno")
    late["occurredAt"] = "2999-01-01T00:00:00+00:00"  # in the future: malformed
    inputs.insert(7, late)
    body = await api.gql(SCANS, {"inputs": inputs}, as_=UPS)
    results = body["data"]["recordTrackingEvents"]["results"]
    assert [r["index"] for r in results] == list(range(14))
    refused = {r["index"]: r["error"]["code"] for r in results if r["outcome"] == "REFUSED"}
    assert refused == {3: "NOT_FOUND", 7: "VALIDATION"}
    assert [r["outcome"] for r in results].count("RECORDED") == 12
    assert {r["status"] for r in results if r["outcome"] == "RECORDED"} == {"IN_TRANSIT"}
    timelines = [await api.timeline(o["id"]) for o in orders]

    again = await api.gql(SCANS, {"inputs": inputs}, as_=UPS)  # the carrier's retry
    outcomes = [r["outcome"] for r in again["data"]["recordTrackingEvents"]["results"]]
    assert outcomes.count("DUPLICATE") == 12
    assert [outcomes[3], outcomes[7]] == ["REFUSED", "REFUSED"]
    assert [await api.timeline(o["id"]) for o in orders] == timelines  # nothing applied twice
    assert (await api.read(theirs["id"]))["status"] == "SHIPPED"
    dhl = await api.gql(SCANS, {"inputs": [inputs[3] | {"carrier": "DHL"}]}, as_=DHL)
    assert dhl["data"]["recordTrackingEvents"]["results"][0]["outcome"] == "RECORDED"


async def test_a_batch_over_500_or_from_a_buyer_is_refused_whole(api: Api) -> None:
    scan = scan_input("1ZNONE", "IN_TRANSIT", api.clock, "UPS", "Reno")
    too_many = await api.gql(SCANS, {"inputs": [scan] * 501}, as_=UPS)
    payload = too_many["data"]["recordTrackingEvents"]
    assert payload["results"] == []
    assert payload["errors"][0]["field"] == "inputs"
    buyer = await api.gql(SCANS, {"inputs": [scan]}, as_=BUYER)
    assert buyer["data"]["recordTrackingEvents"]["errors"][0]["code"] == "FORBIDDEN"


async def test_a_batch_with_two_parcels_of_one_order_and_a_parcel_twice_records_all(
    api: Api,
) -> None:
    order = await api.order_in("UNSHIPPED")
    await api.ship(order["id"], tracking="1ZPAIRA", items=[{"sku": "MUG-01", "quantity": 2}])
    await api.ship(order["id"], tracking="1ZPAIRB", items=[{"sku": "LAMP-7", "quantity": 1}])
    inputs = [
        scan_input("1ZPAIRA", "IN_TRANSIT", api.clock, "UPS", "Reno"),
        scan_input("1ZPAIRB", "IN_TRANSIT", api.clock, "UPS", "Reno"),
        scan_input("1ZPAIRA", "OUT_FOR_DELIVERY", api.clock, "UPS", "Austin"),
    ]
    body = await api.gql(SCANS, {"inputs": inputs}, as_=UPS)
    outcomes = [r["outcome"] for r in body["data"]["recordTrackingEvents"]["results"]]
    assert outcomes == ["RECORDED"] * 3  # the order's two writers met and were retried
    scans = [e for e in await api.timeline(order["id"]) if e["type"] == "TRACKING_EVENT_RECORDED"]
    first_parcel = [s["tag"] for s in scans if s["parcel"]["trackingId"] == "1ZPAIRA"]
    assert first_parcel == ["IN_TRANSIT", "OUT_FOR_DELIVERY"]  # one parcel's scans in order
    assert len(scans) == 3
