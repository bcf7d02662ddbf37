"""Seller tools held to Seller Central's definitions, each case found by a hand check against
independently computed figures: the promise of a late same-day order, packing slips only for
what may ship, on-time delivery after a late delay, windows that end now at the latest, and
upload answers that name the real problem."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pypdf

from tests.api.client import BUYER, OPERATOR, OTHER_SELLER, SELLER, WAREHOUSE, Api
from tests.api.graphql.after_sale.test_claims import DECIDE, WITHDRAW, _call, _claimable, _decide
from tests.api.graphql.orders.test_deadlines import DEADLINES, moment, watch
from tests.api.graphql.seller_tools.test_seller_performance import PERFORMANCE, figures, ids
from tests.api.http.test_seller_files import HEADER, SET_SHIP_FROM, auth, export, upload
from tests.api.returns_helpers import delivered_order


def _evening(api: Api, hour: int) -> None:
    """Move the clock forward to `hour`:00 UTC (today's, or tomorrow's if it has passed)."""
    now = api.clock()
    target = datetime.combine(now.date(), time(hour), tzinfo=UTC)
    api.clock.advance((target if target > now else target + timedelta(days=1)) - now)


async def test_a_same_day_order_verified_in_the_evening_is_promised_for_its_ship_by_day(
    api: Api,
) -> None:
    _evening(api, 22)
    order = await api.place(shippingSpeed="SAME_DAY")
    await api.verify(order["id"])
    promised = await api.read(order["id"], fields=DEADLINES)
    ship_by = moment(promised["shipBy"])
    assert ship_by == api.clock() + timedelta(hours=4)  # 02:00 the next day
    assert promised["estimatedDelivery"]["earliest"] == ship_by.date().isoformat()
    assert date.fromisoformat(promised["deliverBy"]) == ship_by.date()
    api.clock.advance(ship_by - api.clock())
    assert "DELIVERY_OVERDUE" not in await watch(api)  # not overdue before it may even ship


async def test_packing_slips_print_only_for_orders_waiting_to_ship(api: Api) -> None:
    for status in ("PENDING", "CANCELED", "SHIPPED", "DELIVERED"):
        order = await api.order_in(status)
        slip = await api.http.get(f"/orders/{order['id']}/packing-slip", headers=auth(api, SELLER))
        assert slip.status_code == 409, status
        assert slip.json()["errors"][0]["extensions"]["code"] == "INVALID_TRANSITION"
    half = await api.order_in("UNSHIPPED")
    await api.ship(half["id"], tracking="1ZHALF", items=[{"sku": "MUG-01", "quantity": 1}])
    url = f"/orders/{half['id']}/packing-slip"
    assert (await api.http.get(url, headers=auth(api, SELLER))).status_code == 200


async def test_a_delay_reported_after_the_promise_passed_does_not_make_it_on_time(
    api: Api,
) -> None:
    order = await api.order_in("IN_TRANSIT", tracking="1ZSTORM")
    deliver_by = date.fromisoformat((await api.read(order["id"], fields=DEADLINES))["deliverBy"])
    overdue_from = datetime.combine(deliver_by + timedelta(days=1), time(), tzinfo=UTC)
    api.clock.advance(overdue_from - api.clock())
    assert (await watch(api)).get("DELIVERY_OVERDUE") == 1
    later = (deliver_by + timedelta(days=3)).isoformat()
    delay = {
        "orderId": order["id"],
        "revisedEarliest": later,
        "revisedLatest": later,
        "reason": "storm at the hub",
    }
    await api.ok("reportDelay", "input: $input", {"input": delay}, as_=SELLER)
    await api.scan("1ZSTORM", "DELIVERED")  # before the revised date, after the first promise
    otd = (await figures(api))["ON_TIME_DELIVERY_RATE"]
    assert order["id"] in ids(otd)  # late: the promise had passed when it was moved


async def test_a_window_may_end_now_but_not_a_moment_later(api: Api) -> None:
    for ending, refused in ((api.clock(), False), (api.clock() + timedelta(seconds=1), True)):
        window = {"endingAt": ending.isoformat()}
        body = await api.gql(PERFORMANCE, {"id": SELLER.id, "window": window}, as_=SELLER)
        assert ("errors" in body) is refused, body
        if refused:
            assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "endingAt"}


async def test_upload_answers_name_the_real_problem(api: Api) -> None:
    theirs = await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    mine = await api.order_in("UNSHIPPED")
    shipped = api.clock().isoformat()
    text = (
        f"{HEADER}\n{theirs['id']},MUG-01,1,UPS,1ZTHEIRS,{shipped},Ground\n"
        f"{mine['id']},NOPE-9,1,UPS,1ZNOPE,{shipped},Ground\n"
    )
    rows = (await upload(api, text))["rows"]
    assert rows[0]["error"]["code"] == "NOT_FOUND"  # not "no ship-from address"
    assert rows[1]["error"] == {
        "code": "VALIDATION",
        "message": "SKU NOPE-9 is not on this order",
        "field": "sku",  # the file's own column
    }
    # The same answers as confirmShipment gives them.
    assert (await api.read(mine["id"], as_=OPERATOR))["status"] == "UNSHIPPED"


FLAT = "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\t"
FLAT += "tracking-number\tship-method"


async def _item_ids(api: Api, order_id: str) -> dict[str, str]:
    order = await api.read(order_id, fields="items { sku id }")
    return {item["sku"]: item["id"] for item in order["items"]}


async def test_amazons_flat_file_confirms_shipments_like_the_csv(api: Api) -> None:
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    order = await api.order_in("UNSHIPPED")
    ids = await _item_ids(api, order["id"])
    assert {len(i) for i in ids.values()} == {14}
    assert all(i.isdigit() for i in ids.values())
    day = api.clock().date().isoformat()
    flat = (
        f"{FLAT}\n"
        f"{order['id']}\t{ids['MUG-01']}\t1\t{day}\tUPS\t\t1ZFLAT\tGround\n"
        f"{order['id']}\t{ids['LAMP-7']}\t1\t{day}\tOther\tLasership\tLS123\t\n"
    )
    answer = await upload(api, flat)
    assert answer["summary"] == {"ACCEPTED": 2}
    shipped = await api.read(
        order["id"], fields="status shipments { carrier trackingId shippingMethod }"
    )
    assert shipped["status"] == "PARTIALLY_SHIPPED"  # one of the two mugs is left
    assert shipped["shipments"] == [
        {"carrier": "UPS", "trackingId": "1ZFLAT", "shippingMethod": "Ground"},
        {"carrier": "LASERSHIP", "trackingId": "LS123", "shippingMethod": "Standard"},
    ]
    assert (await upload(api, flat))["summary"] == {"ALREADY_CONFIRMED": 2}
    assert ids == await _item_ids(api, order["id"])  # stable
    exported = await export(api)
    assert {r["sku"]: r["order-item-id"] for r in exported if r["order-id"] == order["id"]} == ids


async def test_a_flat_file_row_with_blank_item_and_quantity_ships_the_whole_order(
    api: Api,
) -> None:
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    whole, half = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    other = await api.order_in("UNSHIPPED")
    ids = await _item_ids(api, half["id"])
    foreign = (await _item_ids(api, other["id"]))["MUG-01"]
    day = api.clock().date().isoformat()
    tomorrow = (api.clock() + timedelta(days=1)).date().isoformat()
    h = half["id"]
    flat = (
        f"{FLAT}\n"
        f"{whole['id']}\t\t\t{day}\tUPS\t\t1ZWHOLE\tGround\n"  # row 2: the whole order
        f"{h}\t{ids['MUG-01']}\t\t{day}\tUPS\t\t1ZHALF\tGround\n"  # 3: no quantity
        f"{h}\t\t1\t{day}\tUPS\t\t1ZHALF2\tGround\n"  # 4: no order-item-id
        f"{h}\t{foreign}\t1\t{day}\tUPS\t\t1ZHALF3\tGround\n"  # 5: another order's line
        f"{h}\t{ids['LAMP-7']}\t1\t{tomorrow}\tUPS\t\t1ZHALF4\tGround\n"  # 6: a day to come
        f"{h}\t{ids['LAMP-7']}\t1\t{day}\tUPS\t\t\tGround\n"  # 7: no tracking-number
    )
    rows = {r["row"]: r for r in (await upload(api, flat))["rows"]}
    assert rows[2]["outcome"] == "ACCEPTED"
    assert (await api.read(whole["id"]))["status"] == "SHIPPED"
    assert {n: (rows[n]["outcome"], rows[n]["error"]["field"]) for n in range(3, 8)} == {
        3: ("REFUSED", "quantity"),
        4: ("REFUSED", "order-item-id"),
        5: ("REFUSED", "order-item-id"),
        6: ("REFUSED", "ship-date"),
        7: ("REFUSED", "tracking-number"),
    }
    assert "leave both empty to ship the whole order" in rows[3]["error"]["message"]
    assert f"is not a line of order {h}" in rows[5]["error"]["message"]
    assert "in the future" in rows[6]["error"]["message"]
    assert rows[7]["error"]["message"] == "tracking-number is empty"
    assert (await api.read(h))["status"] == "UNSHIPPED"  # nothing else moved

    # A parcel whose rows both ship the whole order and name a line is refused whole.
    mixed = (
        f"{FLAT}\n"
        f"{h}\t\t\t{day}\tUPS\t\t1ZMIX\tGround\n"
        f"{h}\t{ids['MUG-01']}\t1\t{day}\tUPS\t\t1ZMIX\tGround\n"
    )
    mixed_rows = (await upload(api, mixed))["rows"]
    assert {(r["outcome"], r["error"]["field"]) for r in mixed_rows} == {
        ("REFUSED", "order-item-id")
    }
    # A missing column is named as the template names it.
    response = await api.http.post(
        "/imports/shipments",
        content=b"order-id\tquantity\tship-date\tcarrier-code\n1\t1\t2026-01-01\tUPS\n",
        headers=auth(api, SELLER),
    )
    assert response.status_code == 400
    assert "missing columns: tracking-number" in response.text
    # A future day in orderwire's CSV is refused too, as confirmShipment refuses it.
    csv_future = f"{HEADER}\n{h},MUG-01,1,UPS,1ZCSV,{tomorrow},Ground\n"
    (row,) = (await upload(api, csv_future))["rows"]
    assert (row["outcome"], row["error"]["field"]) == ("REFUSED", "ship-date")
    assert (await api.read(h))["status"] == "UNSHIPPED"


async def test_the_export_carries_the_ship_to_lines_a_label_needs(api: Api) -> None:
    await api.order_in("UNSHIPPED")
    [row, *_] = await export(api)
    assert (row["ship-to-name"], row["ship-to-line1"], row["ship-to-city"]) == (
        "Ana Lima",
        "12 Rua Augusta",
        "Lisbon",
    )
    assert "ship-to-line2" in row
    assert "ship-to-region" in row


async def test_a_claim_is_a_defect_while_open_or_granted_not_once_denied_or_withdrawn(
    api: Api,
) -> None:
    open_order, open_claim = await _claimable(api)
    denied_order, denied = await _claimable(api)
    withdrawn_order, withdrawn = await _claimable(api)
    defects = ids((await figures(api))["ORDER_DEFECT_RATE"])
    assert {open_order["id"], denied_order["id"], withdrawn_order["id"]} <= defects
    await _call(api, DECIDE, _decide(denied["id"], "DENY"), OPERATOR)
    await _call(api, WITHDRAW, {"id": withdrawn["id"]}, BUYER)
    odr = (await figures(api))["ORDER_DEFECT_RATE"]
    assert ids(odr) == {open_order["id"]}
    assert odr["numerator"] == 1
    assert open_claim["status"] == "OPEN"


FULFILLED = """query($id: ID!, $by: FulfilledBy!) {
  sellerPerformance(sellerId: $id, fulfilledBy: $by) {
    fulfilledBy figures { metric numerator denominator windowStart windowEnd orders { nodes { id } } }
  }
}"""


async def test_seller_fulfilled_and_fba_orders_have_their_own_figures(api: Api) -> None:
    from tests.api.graphql.orders.test_feedback_and_chargebacks import leave

    fba = await delivered_order(api, shipper=OPERATOR, fulfillmentChannel="FBA")
    assert (await leave(api, fba["id"], 1))["errors"] == []  # a defect: negative feedback
    mine = await delivered_order(api)
    assert (await leave(api, mine["id"], 2))["errors"] == []

    async def health(by: str) -> dict[str, dict[str, Any]]:
        body = await api.gql(FULFILLED, {"id": SELLER.id, "by": by}, as_=SELLER)
        assert body["data"]["sellerPerformance"]["fulfilledBy"] == by
        return {f["metric"]: f for f in body["data"]["sellerPerformance"]["figures"]}

    marketplace, own = await health("MARKETPLACE"), await health("SELLER")
    assert list(marketplace) == ["ORDER_DEFECT_RATE"]  # the rest is the marketplace's shipping
    assert ids(marketplace["ORDER_DEFECT_RATE"]) == {fba["id"]}
    assert ids(own["ORDER_DEFECT_RATE"]) == {mine["id"]}
    ten, thirty = own["LATE_SHIPMENT_RATE_10_DAYS"], own["LATE_SHIPMENT_RATE"]
    assert ten["windowEnd"] == thirty["windowEnd"]
    span = datetime.fromisoformat(ten["windowEnd"]) - datetime.fromisoformat(ten["windowStart"])
    assert span == timedelta(days=10)


async def test_valid_tracking_counts_packages_scanned_by_their_carrier_as_read(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    await api.ship(order["id"], tracking="1ZONE", items=[{"sku": "MUG-01", "quantity": 2}])
    await api.ship(order["id"], tracking="1ZLABEL", items=[{"sku": "LAMP-7", "quantity": 1}])
    await api.scan("1ZONE", "IN_TRANSIT")
    await api.scan("1ZLABEL", "INFO_RECEIVED")  # a label was made: the carrier never had it
    api.clock.advance(timedelta(hours=48))
    vtr = (await figures(api))["VALID_TRACKING_RATE"]  # no watchdog pass in between
    assert (vtr["numerator"], vtr["denominator"]) == (1, 2)  # packages, not orders
    assert ids(vtr) == {order["id"]}
    assert (await watch(api)).get("TRACKING_STALLED") == 1  # the label-only parcel
    await api.scan("1ZLABEL", "IN_TRANSIT")  # late, but its carrier has it now
    vtr = (await figures(api))["VALID_TRACKING_RATE"]
    assert (vtr["numerator"], vtr["denominator"]) == (2, 2)


async def test_slips_print_at_once_leaving_out_and_naming_what_may_not_be_printed(
    api: Api,
) -> None:
    printable = await api.order_in("UNSHIPPED")
    canceled = await api.order_in("CANCELED")
    theirs = await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    ids = [printable["id"], canceled["id"], theirs["id"]]
    query = "&".join(f"order={i}" for i in ids)
    answer = await api.http.get(f"/packing-slips.pdf?{query}", headers=auth(api, SELLER))
    assert answer.status_code == 200
    assert answer.headers["x-not-printed"] == f"{canceled['id']},{theirs['id']}"
    pages = pypdf.PdfReader(io.BytesIO(answer.content)).pages
    assert len(pages) == 1
    assert printable["id"] in pages[0].extract_text()
    none = await api.http.get(
        f"/packing-slips.pdf?order={canceled['id']}", headers=auth(api, SELLER)
    )
    assert none.status_code == 409
    many = "&".join(f"order=ord_{n}" for n in range(101))
    too_many = await api.http.get(f"/packing-slips.pdf?{many}", headers=auth(api, SELLER))
    assert too_many.status_code == 400
