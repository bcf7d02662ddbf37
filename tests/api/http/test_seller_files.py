"""Seller files over HTTP with the bearer token: the orders CSV, bulk shipment uploads (and
the confirmShipments mutation they share a use case with), and packing slips."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pypdf
from reportlab.graphics.barcode.code128 import _patterns

from api.http.packing_slips import barcode_svg
from domain.kernel.identity import Actor
from tests.api.client import ADDRESS, BUYER, OPERATOR, OTHER_SELLER, SELLER, UPS, WAREHOUSE, Api

HEADER = "order-id,sku,quantity,carrier,tracking-id,ship-date,ship-method"
CONFIRM_MANY = """
mutation($inputs: [ConfirmShipmentInput!]!) {
  confirmShipments(inputs: $inputs) {
    results { index orderId outcome order { status version } error { code field } }
    errors { code message field }
  }
}"""
SET_SHIP_FROM = """
mutation($id: ID!, $address: AddressInput!) {
  setShipFromAddress(sellerId: $id, address: $address) {
    seller { shipFrom { city } } errors { code }
  }
}"""


def read_code128(svg: str) -> str:
    """Decode the first Code 128 barcode drawn as black bars in `svg`, checking its checksum."""
    bars = [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)" y="0" width="([\d.]+)" [^>]*fill: rgb\(0%', svg)
    ]
    module = min(w for _, w in bars)
    widths: list[int] = []
    for (x, w), following in zip(bars, [*bars[1:], None], strict=True):
        widths.append(round(w / module))
        if following is not None:
            widths.append(round((following[0] - x - w) / module))
    # The symbols' bar and space widths, as in the standard's table (value -> "212222"...).
    table = {"".join(str("abcd".index(c.lower()) + 1) for c in p): v for v, p in _patterns.items()}
    symbols = ["".join(map(str, widths[i : i + 6])) for i in range(0, len(widths) - 7, 6)]
    values = [table[s] for s in symbols]
    start, *data, check = values
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check
    text, mode = "", {103: "A", 104: "B", 105: "C"}[start]
    for v in data:
        if mode == "C":  # digit pairs 00-99; 100 switches to set B
            if v == 100:
                mode = "B"
            else:
                assert v < 100, "set A is not used for order ids"
                text += f"{v:02d}"
        elif v == 99:  # in set B, 99 switches to set C
            mode = "C"
        else:
            assert mode == "B", "set A is not used for order ids"
            text += chr(v + 32)
    return text


def test_the_barcode_reader_reads_99_in_set_c_as_digits() -> None:
    """Ids are random: one whose digits pair into 99 once read as a switch of code set."""
    svg = barcode_svg("ord_6b16549903d64ec5b2c6a61f")
    assert read_code128(svg) == "ord_6b16549903d64ec5b2c6a61f"


def auth(api: Api, actor: Actor) -> dict[str, str]:
    return {"authorization": f"Bearer {api.token(actor)}"}


async def export(api: Api, actor: Actor = SELLER, **params: Any) -> list[dict[str, str]]:
    response = await api.http.get("/exports/orders.csv", params=params, headers=auth(api, actor))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.startswith("order-id,placed-at,status,")
    assert "\r\n" in response.text
    return list(csv.DictReader(io.StringIO(response.text)))


async def upload(api: Api, text: str, actor: Actor = SELLER) -> dict[str, Any]:
    response = await api.http.post(
        "/imports/shipments", content=text.encode(), headers=auth(api, actor)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_export_has_a_row_per_item_and_neutralises_formulas(api: Api) -> None:
    evil = [
        {
            "sku": "=HYPERLINK(1)",
            "title": '+1, "quoted", two\nlines',
            "quantity": 1,
            "unitPrice": {"amount": 100, "currency": "USD"},
        },
        {
            "sku": "@SUM",
            "title": "-2",
            "quantity": 2,
            "unitPrice": {"amount": 5, "currency": "USD"},
        },
    ]
    order = await api.order_in("UNSHIPPED", items=evil)
    rows = await export(api)
    assert [r["order-id"] for r in rows] == [order["id"], order["id"]]
    first, second = rows
    assert first["sku"] == "'=HYPERLINK(1)"
    assert first["title"] == '\'+1, "quoted", two\nlines'
    assert (second["sku"], second["title"], second["quantity"]) == ("'@SUM", "'-2", "2")
    assert first["ship-by"] == (api.clock() + timedelta(days=2)).isoformat()


async def test_the_export_takes_the_orders_filters_and_the_callers_scope(api: Api) -> None:
    mine = await api.order_in("UNSHIPPED")
    shipped = await api.order_in("SHIPPED")
    theirs = await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    assert {r["order-id"] for r in await export(api)} == {mine["id"], shipped["id"]}
    assert {r["order-id"] for r in await export(api, status="SHIPPED")} == {shipped["id"]}
    every = {r["order-id"] for r in await export(api, OPERATOR)}
    assert {mine["id"], theirs["id"]} <= every
    assert await export(api, sellerId=OTHER_SELLER.id) == []  # not hers: no rows


async def test_the_export_refuses_strangers_and_bad_filters_with_coded_errors(api: Api) -> None:
    no_token = await api.http.get("/exports/orders.csv")
    assert no_token.status_code == 401
    assert no_token.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for who in (BUYER, UPS):
        response = await api.http.get("/exports/orders.csv", headers=auth(api, who))
        assert response.status_code == 403
    bad = await api.http.get(
        "/exports/orders.csv", params={"status": "LOST"}, headers=auth(api, SELLER)
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "filter"}


async def test_an_uploaded_file_confirms_each_parcel_and_twice_changes_nothing(api: Api) -> None:
    one = await api.order_in("UNSHIPPED")
    two = await api.order_in("UNSHIPPED")
    day = api.clock().date().isoformat()
    ship_from = (
        ",ship-from-name,ship-from-line1,ship-from-city,ship-from-postal-code,ship-from-country"
    )
    where = ",Acme,1 Dock Rd,Reno,89502,US"
    text = "\n".join(
        [
            HEADER + ship_from,
            f"{one['id']},MUG-01,2,UPS,1ZFILE1,{day},Ground{where}",
            f"{one['id']},LAMP-7,1,UPS,1ZFILE1,{day},Ground{where}",
            f"{two['id']},MUG-01,1,UPS,1ZFILE2,{day},Ground{where}",
            f"{two['id']},LAMP-7,x,UPS,1ZFILE3,{day},Ground{where}",
            f"ord_missing,MUG-01,1,UPS,1ZFILE4,{day},Ground{where}",
        ]
    )
    first = await upload(api, text)
    outcomes = [(r["row"], r["outcome"], (r["error"] or {}).get("code")) for r in first["rows"]]
    assert outcomes == [
        (2, "ACCEPTED", None),
        (3, "ACCEPTED", None),
        (4, "ACCEPTED", None),
        (5, "REFUSED", "VALIDATION"),
        (6, "REFUSED", "NOT_FOUND"),
    ]
    assert first["rows"][3]["error"]["field"] == "quantity"
    assert first["summary"] == {"ACCEPTED": 3, "REFUSED": 2}
    assert (await api.read(one["id"]))["status"] == "SHIPPED"
    two_now = await api.read(two["id"])
    assert two_now["status"] == "PARTIALLY_SHIPPED"

    again = await upload(api, text)
    assert [r["outcome"] for r in again["rows"][:3]] == ["ALREADY_CONFIRMED"] * 3
    assert (await api.read(two["id"]))["version"] == two_now["version"]


async def test_an_upload_without_ship_from_uses_the_shops_address(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    text = f"{HEADER}\n{order['id']},MUG-01,2,UPS,1ZHOME,{api.clock().isoformat()},Ground\n"
    refused = await upload(api, text)
    assert refused["rows"][0]["error"]["field"] == "shipFrom"
    body = await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    assert body["data"]["setShipFromAddress"]["seller"]["shipFrom"] == {"city": "Reno"}
    other = await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=OTHER_SELLER)
    assert other["data"]["setShipFromAddress"]["errors"] == [{"code": "FORBIDDEN"}]
    accepted = await upload(api, text)
    assert accepted["summary"] == {"ACCEPTED": 1}
    assert (await api.read(order["id"]))["status"] == "PARTIALLY_SHIPPED"


async def test_a_file_that_cannot_be_read_is_refused_whole(api: Api) -> None:
    async def refusal(content: bytes, actor: Actor = SELLER) -> tuple[int, dict[str, Any]]:
        response = await api.http.post(
            "/imports/shipments", content=content, headers=auth(api, actor)
        )
        return response.status_code, response.json()["errors"][0]["extensions"]

    assert await refusal(b"") == (400, {"code": "VALIDATION", "field": "file"})
    assert await refusal(b"order-id,sku\nx,y\n") == (400, {"code": "VALIDATION", "field": "file"})
    rows = "\n".join(f"o{n},S,1,UPS,T{n},2026-11-02,Ground" for n in range(501))
    assert await refusal(f"{HEADER}\n{rows}".encode()) == (
        400,
        {"code": "VALIDATION", "field": "file"},
    )
    assert (await refusal(b"x" * 1_000_001))[0] == 400
    assert await refusal(b"\xff\xfe", SELLER) == (400, {"code": "VALIDATION", "field": "file"})
    assert (await refusal(HEADER.encode(), BUYER))[1]["code"] == "FORBIDDEN"


async def test_confirm_shipments_answers_each_input_and_one_bad_one_blocks_nothing(
    api: Api,
) -> None:
    good = await api.order_in("UNSHIPPED")
    shipped = await api.order_in("UNSHIPPED")
    theirs = await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    now = api.clock().isoformat()

    def shipment(order_id: str, tracking: str, **extra: Any) -> dict[str, Any]:
        return {
            "orderId": order_id,
            "carrier": "UPS",
            "shippingMethod": "Ground",
            "trackingId": tracking,
            "shipDate": now,
            "shipFrom": WAREHOUSE,
            **extra,
        }

    inputs = [
        shipment(good["id"], "1ZMANY1"),
        shipment(shipped["id"], "1ZMANY2", shipDate="2026-11-02T09:00:00"),  # no zone
        shipment(theirs["id"], "1ZMANY3"),
    ]
    body = await api.gql(CONFIRM_MANY, {"inputs": inputs}, as_=SELLER)
    results = body["data"]["confirmShipments"]["results"]
    assert [(r["index"], r["outcome"], (r["error"] or {}).get("code")) for r in results] == [
        (0, "ACCEPTED", None),
        (1, "REFUSED", "VALIDATION"),
        (2, "REFUSED", "NOT_FOUND"),
    ]
    assert results[0]["order"]["status"] == "SHIPPED"
    again = await api.gql(CONFIRM_MANY, {"inputs": inputs[:1]}, as_=SELLER)
    assert again["data"]["confirmShipments"]["results"][0]["outcome"] == "ALREADY_CONFIRMED"
    assert (await api.read(theirs["id"]))["status"] == "UNSHIPPED"

    empty = await api.gql(CONFIRM_MANY, {"inputs": []}, as_=SELLER)
    assert empty["data"]["confirmShipments"]["errors"][0]["field"] == "inputs"
    buyer = await api.gql(CONFIRM_MANY, {"inputs": inputs[:1]}, as_=BUYER)
    assert buyer["data"]["confirmShipments"]["errors"][0]["code"] == "FORBIDDEN"


async def test_a_packing_slip_shows_what_is_left_to_ship_as_html_and_pdf(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    await api.ship(order["id"], tracking="1ZHALF", items=[{"sku": "MUG-01", "quantity": 1}])
    page = await api.http.get(f"/orders/{order['id']}/packing-slip", headers=auth(api, SELLER))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for shown in ("<svg", "Shop seller-1", "Ana Lima", "Lisbon", "MUG-01"):
        assert shown in page.text
    assert read_code128(page.text) == order["id"]

    pdf = await api.http.get(
        f"/orders/{order['id']}/packing-slip", params={"format": "pdf"}, headers=auth(api, SELLER)
    )
    assert pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for shown in ("Packing slip", "From Shop seller-1", "Ana Lima", "1100-053 Lisbon"):
        assert shown in text
    # The heading and the barcode's human-readable line both name the order.
    assert text.count(order["id"]) == 2
    # What is left: one of the two mugs, and the lamp (sku, order-item id, title, quantity).
    ids = {
        i["sku"]: i["id"] for i in (await api.read(order["id"], fields="items { sku id }"))["items"]
    }
    assert (
        f"Items to ship\nMUG-01\n{ids['MUG-01']}\nMug\n1\nLAMP-7\n{ids['LAMP-7']}\nLamp\n1\n"
        in text
    )


async def test_only_the_orders_seller_and_operators_print_its_slip(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    url = f"/orders/{order['id']}/packing-slip"
    assert (await api.http.get(url, headers=auth(api, OPERATOR))).status_code == 200
    assert (await api.http.get(url, headers=auth(api, OTHER_SELLER))).status_code == 404
    assert (await api.http.get(url, headers=auth(api, BUYER))).status_code == 403
    assert (await api.http.get(url)).status_code == 401
    bad = await api.http.get(url, params={"format": "docx"}, headers=auth(api, SELLER))
    assert bad.status_code == 400


async def test_the_export_takes_the_boards_view_speed_search_ship_by_and_order(api: Api) -> None:
    """The download of what the board shows: the same filters and order as `orders(...)`."""
    expedited = await api.order_in(
        "UNSHIPPED",
        shippingSpeed="EXPEDITED",
        shippingAddress={**ADDRESS, "name": "Hiro Tanaka"},
    )
    api.clock.advance(timedelta(minutes=5))
    standard = await api.order_in("UNSHIPPED")
    by_speed = await export(api, shippingSpeed="EXPEDITED")
    assert {r["order-id"] for r in by_speed} == {expedited["id"]}
    assert {r["order-id"] for r in await export(api, search="tanaka")} == {expedited["id"]}
    soonest = list(
        dict.fromkeys(r["order-id"] for r in await export(api, orderBy="SOONEST_SHIP_BY"))
    )
    newest = list(dict.fromkeys(r["order-id"] for r in await export(api)))  # a row per item
    assert soonest == [expedited["id"], standard["id"]]  # expedited ships by sooner
    assert newest == [standard["id"], expedited["id"]]  # placed later
    later = await export(api, shipByFrom=api.clock().isoformat())
    assert {r["order-id"] for r in later} == {standard["id"], expedited["id"]}
    bad = await api.http.get(
        "/exports/orders.csv", params={"orderBy": "CHEAPEST"}, headers=auth(api, SELLER)
    )
    assert bad.status_code == 400


async def test_no_packing_slip_for_an_order_the_marketplace_fulfils(api: Api) -> None:
    """FBA: the marketplace packs and ships it; a slip from the seller invites a second parcel.
    Refused alone, and left out of a bulk print that names it."""
    fba = await api.order_in("UNSHIPPED", fulfillmentChannel="FBA")
    mine = await api.order_in("UNSHIPPED")
    for who in (SELLER, OPERATOR):
        single = await api.http.get(f"/orders/{fba['id']}/packing-slip", headers=auth(api, who))
        assert single.status_code == 403
        assert "marketplace packs and ships" in single.json()["errors"][0]["message"]
    both = await api.http.get(
        "/packing-slips.pdf",
        params=[("order", fba["id"]), ("order", mine["id"])],
        headers=auth(api, SELLER),
    )
    assert both.status_code == 200
    assert both.headers["x-not-printed"] == fba["id"]
    assert len(pypdf.PdfReader(io.BytesIO(both.content)).pages) == 1
