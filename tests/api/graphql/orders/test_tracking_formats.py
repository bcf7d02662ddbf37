"""Tracking numbers checked against the major carriers' formats when a shipment is confirmed
or corrected, as they are by default (ORDERWIRE_TRACKING_FORMATS): through GraphQL and the
shipment files, a refusal naming the carrier's format and changing nothing; any other carrier's
numbers taken as they come."""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import Settings
from tests.api.client import SELLER, WAREHOUSE, Api, ship_input
from tests.api.http.test_seller_files import HEADER, SET_SHIP_FROM, upload

CONFIRM = """mutation($input: ConfirmShipmentInput!) {
  confirmShipment(input: $input) {
    order { status shipments { id carrier trackingId } } errors { code field message }
  }
}"""
CORRECT = """mutation($input: CorrectTrackingInput!) {
  correctTracking(input: $input) { order { shipments { trackingId } } errors { code field message } }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"tracking_formats": True})  # the default


async def confirm(api: Api, order_id: str, carrier: str, tracking: str) -> dict[str, Any]:
    given = ship_input(order_id, tracking, api.clock) | {"carrier": carrier}
    body = await api.gql(CONFIRM, {"input": given}, as_=SELLER)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["confirmShipment"]
    return payload


@pytest.mark.parametrize(
    ("carrier", "good", "bad", "said"),
    [
        ("UPS", "1Z999AA10123456784", "1Z999AA1012345678", "1Z followed by 16 letters or digits"),
        ("ups", "1z999aa10123456784", "1ZSHORT", "1Z followed by 16 letters or digits"),
        ("FedEx", "123456789012", "12345678901", "12, 15, 20 or 22 digits"),
        ("USPS", "9400111899223197428490", "9400111899223197428", "20 to 22"),
        ("USPS", "EC123456789US", "EC123456789DE", "nine digits and US"),
        ("DHL", "1234567890", "123456789", "10 or 11 digits"),
    ],
)
async def test_a_major_carriers_number_must_have_its_shape(
    api: Api, carrier: str, good: str, bad: str, said: str
) -> None:
    order = await api.order_in("UNSHIPPED")
    refused = await confirm(api, order["id"], carrier, bad)
    assert refused["order"] is None
    (error,) = refused["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "trackingId")
    assert said in error["message"]
    assert (await api.read(order["id"]))["status"] == "UNSHIPPED"
    accepted = await confirm(api, order["id"], carrier, good)
    assert accepted["errors"] == []
    assert accepted["order"]["status"] == "SHIPPED"
    # Kept as the carrier writes it, so that its scans find the parcel.
    assert accepted["order"]["shipments"][0]["trackingId"] == good.upper()


async def test_other_carriers_numbers_are_taken_as_they_come(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    accepted = await confirm(api, order["id"], "Lasership", "LS-123")
    assert accepted["errors"] == []


async def test_a_correction_is_checked_too(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    shipped = await confirm(api, order["id"], "UPS", "1Z999AA10123456784")
    shipment_id = shipped["order"]["shipments"][0]["id"]
    fix = {"shipmentId": shipment_id, "carrier": "FedEx", "trackingId": "1Z999AA10123456784"}
    body = await api.gql(CORRECT, {"input": fix}, as_=SELLER)
    (error,) = body["data"]["correctTracking"]["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "trackingId")
    fix["trackingId"] = "123456789012"
    body = await api.gql(CORRECT, {"input": fix}, as_=SELLER)
    assert body["data"]["correctTracking"]["order"]["shipments"] == [{"trackingId": "123456789012"}]


async def test_a_files_row_is_refused_naming_its_own_column(api: Api) -> None:
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    order = await api.order_in("UNSHIPPED")
    day = api.clock().date().isoformat()
    (row,) = (await upload(api, f"{HEADER}\n{order['id']},MUG-01,1,UPS,1ZBAD,{day},Ground\n"))[
        "rows"
    ]
    assert (row["outcome"], row["error"]["field"]) == ("REFUSED", "tracking-id")
    flat = (
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\ttracking-number\n"
        f"{order['id']}\t\t\t{day}\tUPS\t1ZBAD\n"
    )
    (row,) = (await upload(api, flat))["rows"]
    assert (row["outcome"], row["error"]["field"]) == ("REFUSED", "tracking-number")
