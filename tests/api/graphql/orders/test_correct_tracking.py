"""Correcting a tracking number (Seller Central's "edit shipment"): before the carrier's first
scan the seller puts a wrong carrier or number right; the old number is freed for another
parcel, the new one held, the buyer told; after a scan it stays as it is."""

from __future__ import annotations

from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OTHER_BUYER, OTHER_SELLER, SELLER, UPS, Api

CORRECT = """mutation($input: CorrectTrackingInput!) {
  correctTracking(input: $input) {
    order { shipments { id carrier trackingId } }
    errors { code message field }
  }
}"""


async def _shipment(api: Api, order_id: str) -> str:
    read = await api.read(order_id, fields="shipments { id }")
    shipment_id: str = read["shipments"][0]["id"]
    return shipment_id


async def _correct(
    api: Api, shipment_id: str, tracking: str, as_: Actor = SELLER, carrier: str = "UPS"
) -> dict[str, Any]:
    variables = {"input": {"shipmentId": shipment_id, "carrier": carrier, "trackingId": tracking}}
    body = await api.gql(CORRECT, variables, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["correctTracking"]
    return payload


async def test_a_wrong_number_is_put_right_before_the_first_scan(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZWRONG")
    shipment = await _shipment(api, order["id"])
    fixed = await _correct(api, shipment, "1ZRIGHT")
    assert fixed["errors"] == []
    assert fixed["order"]["shipments"] == [
        {"id": shipment, "carrier": "UPS", "trackingId": "1ZRIGHT"}
    ]
    timeline = await api.timeline(order["id"])
    assert timeline[-1]["type"] == "TRACKING_CORRECTED"
    # The carrier's scans find the parcel by its right number only.
    stale = await api.gql(
        "mutation($i: RecordTrackingEventInput!) { recordTrackingEvent(input: $i) "
        "{ errors { code } } }",
        {
            "i": {
                "carrier": "UPS",
                "trackingId": "1ZWRONG",
                "tag": "IN_TRANSIT",
                "location": {"city": "Reno", "countryCode": "US"},
                "occurredAt": api.clock().isoformat(),
            }
        },
        as_=UPS,
    )
    assert stale["data"]["recordTrackingEvent"]["errors"] == [{"code": "NOT_FOUND"}]
    assert (await api.scan("1ZRIGHT", "IN_TRANSIT"))["status"] == "IN_TRANSIT"
    # The wrong number is free again: another parcel may carry it.
    other = await api.order_in("UNSHIPPED")
    assert (await api.ship(other["id"], tracking="1ZWRONG"))["status"] == "SHIPPED"
    # After a scan the number is the carrier's.
    late = await _correct(api, shipment, "1ZLATER")
    assert late["errors"][0]["code"] == "INVALID_TRANSITION"


async def test_a_number_another_live_parcel_holds_is_refused(api: Api) -> None:
    # Another buyer's parcel: another box (one buyer's orders to one ship-to may share one).
    await api.order_in("SHIPPED", tracking="1ZTAKEN", as_=OTHER_BUYER)
    order = await api.order_in("SHIPPED", tracking="1ZMINE")
    shipment = await _shipment(api, order["id"])
    taken = await _correct(api, shipment, "1ZTAKEN")
    assert taken["errors"][0]["code"] == "TRACKING_ID_IN_USE"
    same = await _correct(api, shipment, "1ZMINE")
    assert same["errors"][0] == {
        "code": "VALIDATION",
        "message": "that is the parcel's tracking already",
        "field": "trackingId",
    }
    read = await api.read(order["id"], fields="shipments { trackingId } version")
    assert read["shipments"] == [{"trackingId": "1ZMINE"}]


async def test_only_the_shipper_corrects_and_a_stranger_finds_nothing(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZGUARD")
    shipment = await _shipment(api, order["id"])
    version = (await api.read(order["id"], fields="version"))["version"]
    assert (await _correct(api, shipment, "1ZX", BUYER))["errors"][0]["code"] == "FORBIDDEN"
    assert (await _correct(api, shipment, "1ZX", OTHER_SELLER))["errors"][0]["code"] == "NOT_FOUND"
    assert (await _correct(api, "shp_nothing", "1ZX"))["errors"][0]["code"] == "NOT_FOUND"
    assert (await api.read(order["id"], fields="version"))["version"] == version
