"""Order reports through GraphQL: sums per group and currency, windows, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_SELLER, SELLER, UPS, Api
from tests.api.returns_helpers import bring_back, delivered_order, ok, refund_input, request

REPORT = """
query($from: DateTime!, $to: DateTime!, $groupBy: ReportGrouping!, $filter: OrderFilter) {
  orderReport(from: $from, to: $to, groupBy: $groupBy, filter: $filter) {
    key orders units
    grossSales { amount currency } shippingFees { amount currency }
    refunds { amount currency } net { amount currency }
  }
}"""
EUR_ITEM = {
    "sku": "TEA",
    "title": "Tea",
    "quantity": 3,
    "unitPrice": {"amount": 500, "currency": "EUR"},
}


async def report(
    api: Api, group_by: str, *, as_: Actor = SELLER, days: int = 30, **filter: Any
) -> list[dict[str, Any]]:
    now = api.clock()
    variables = {
        "from": (now - timedelta(days=days)).isoformat(),
        "to": (now + timedelta(seconds=1)).isoformat(),
        "groupBy": group_by,
        "filter": filter or None,
    }
    body = await api.gql(REPORT, variables, as_=as_)
    assert "errors" not in body, body
    rows: list[dict[str, Any]] = body["data"]["orderReport"]
    return rows


async def test_a_report_sums_orders_units_and_money_per_status_and_currency(api: Api) -> None:
    await api.order_in("UNSHIPPED")  # 2 mugs at 12.99 + a lamp at 45.99, no shipping fee
    await api.order_in("UNSHIPPED", shippingFee={"amount": 499, "currency": "USD"})
    await api.order_in("CANCELED")
    await api.order_in("UNSHIPPED", items=[EUR_ITEM])
    rows = await report(api, "STATUS")
    by_key = {(r["key"], r["grossSales"]["currency"]): r for r in rows}
    usd = by_key[("UNSHIPPED", "USD")]
    assert (usd["orders"], usd["units"]) == (2, 6)
    assert usd["grossSales"]["amount"] == 2 * 7197
    assert usd["shippingFees"]["amount"] == 499
    assert usd["net"]["amount"] == 2 * 7197 + 499
    canceled = by_key[("CANCELED", "USD")]
    assert (canceled["orders"], canceled["units"], canceled["grossSales"]["amount"]) == (1, 0, 0)
    eur = by_key[("UNSHIPPED", "EUR")]
    assert (eur["orders"], eur["units"], eur["grossSales"]) == (
        1,
        3,
        {"amount": 1500, "currency": "EUR"},
    )


async def test_days_weeks_channels_and_speeds(api: Api) -> None:
    await api.order_in("UNSHIPPED")  # Monday 2 November 2026
    api.clock.advance(timedelta(days=7))
    await api.order_in("UNSHIPPED", shippingSpeed="EXPEDITED")
    await api.order_in("UNSHIPPED", fulfillmentChannel="FBA")
    assert [(r["key"], r["orders"]) for r in await report(api, "DAY")] == [
        ("2026-11-02", 1),
        ("2026-11-09", 2),
    ]
    assert [(r["key"], r["orders"]) for r in await report(api, "WEEK")] == [
        ("2026-11-02", 1),
        ("2026-11-09", 2),
    ]
    assert {r["key"]: r["orders"] for r in await report(api, "CHANNEL")} == {"FBA": 1, "MFN": 2}
    speeds = {r["key"]: r["orders"] for r in await report(api, "SHIPPING_SPEED")}
    assert speeds == {"EXPEDITED": 1, "STANDARD": 2}
    recent = await report(api, "DAY", days=1)
    assert [(r["key"], r["orders"]) for r in recent] == [("2026-11-09", 2)]


async def test_refunds_come_off_the_net(api: Api) -> None:
    order = await delivered_order(api)
    ret = await request(api, order["id"], [("MUG-01", 1)])
    await bring_back(api, ret["id"])
    await ok(api, "refundReturn", "input: $input", refund_input(ret["id"], "r-1"), as_=SELLER)
    refunded = await api.read(order["id"], fields="refunded { amount }")
    assert refunded["refunded"]["amount"] > 0
    (row,) = await report(api, "STATUS")
    assert row["refunds"]["amount"] == refunded["refunded"]["amount"]
    assert row["net"]["amount"] == row["grossSales"]["amount"] - row["refunds"]["amount"]


async def test_a_seller_sees_its_own_orders_and_an_operator_every_seller(api: Api) -> None:
    await api.order_in("UNSHIPPED")
    await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    assert sum(r["orders"] for r in await report(api, "STATUS")) == 1
    assert sum(r["orders"] for r in await report(api, "STATUS", as_=OPERATOR)) == 2
    only = await report(api, "STATUS", as_=OPERATOR, sellerId=OTHER_SELLER.id)
    assert sum(r["orders"] for r in only) == 1
    assert await report(api, "STATUS", sellerId=OTHER_SELLER.id) == []  # not hers: nothing
    for who in (BUYER, UPS):
        body = await api.gql(
            REPORT,
            {"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "groupBy": "DAY"},
            as_=who,
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_window_must_run_forward_and_span_at_most_a_year(api: Api) -> None:
    for start, end in (
        ("2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z"),
        ("2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2025-01-01T00:00:00Z", "2026-11-02T00:00:00Z"),
    ):
        body = await api.gql(REPORT, {"from": start, "to": end, "groupBy": "DAY"}, as_=SELLER)
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", "to")
