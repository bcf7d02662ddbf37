"""A seller's shipping calendar (setShippingSettings) and the ship-by it gives each order, as
Seller Central counts handling time: business days from the day the order is taken, that day
only before the same-day cutoff in the shop's zone, over the days it ships less its holidays;
the order ships by the end of that day. Each boundary on both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.kernel.identity import Actor
from tests.api.client import OPERATOR, OTHER_SELLER, SELLER, Api
from tests.api.graphql.orders.test_deadlines import DEADLINES, watch
from tests.api.graphql.seller_tools.test_seller_performance import figures, ids

SET = """mutation($id: ID!, $settings: ShippingSettingsInput!) {
  setShippingSettings(sellerId: $id, settings: $settings) {
    seller { shippingSettings { handlingDays cutoff timeZone shipDays holidays } }
    errors { code field message }
  }
}"""
NEW_YORK = ZoneInfo("America/New_York")
MS = timedelta(milliseconds=1)


async def settle(api: Api, as_: Actor = SELLER, **settings: Any) -> dict[str, Any]:
    body = await api.gql(SET, {"id": SELLER.id, "settings": settings}, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["setShippingSettings"]
    return payload


def new_york(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int
) -> datetime:
    """That wall-clock time in New York, as a UTC moment."""
    second, micro = (*rest, 0, 0)[:2]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=NEW_YORK).astimezone(UTC)


def end_of(year: int, month: int, day: int) -> str:
    """The last millisecond of that New York day, as the API writes it (UTC)."""
    return new_york(year, month, day, 23, 59, 59, 999_000).isoformat()


async def ship_by_if_verified_at(api: Api, moment: datetime, **overrides: Any) -> str:
    api.clock.now = moment
    order = await api.order_in("UNSHIPPED", **overrides)
    read = await api.read(order["id"], fields=DEADLINES)
    shipped_by: str = read["shipBy"]
    return shipped_by


async def test_ship_by_counts_business_days_from_the_cutoff_in_the_shops_zone(api: Api) -> None:
    holiday = "2026-12-24"  # a Thursday
    saved = await settle(
        api,
        handlingDays=2,
        cutoff="14:00",
        timeZone="America/New_York",
        shipDays=["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        holidays=[holiday],
    )
    assert saved["errors"] == []
    assert saved["seller"]["shippingSettings"] == {
        "handlingDays": 2,
        "cutoff": "14:00",
        "timeZone": "America/New_York",
        "shipDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        "holidays": [holiday],
    }
    cutoff = new_york(2026, 12, 9, 14, 0)  # Wednesday 14:00 in New York
    # Before the cutoff the order is taken Wednesday: Thursday, Friday; after it, Thursday.
    assert await ship_by_if_verified_at(api, cutoff - MS) == end_of(2026, 12, 11)
    assert await ship_by_if_verified_at(api, cutoff) == end_of(2026, 12, 14)
    # Friday after the cutoff: taken Monday, ships by Wednesday.
    assert await ship_by_if_verified_at(api, new_york(2026, 12, 11, 16, 0)) == end_of(2026, 12, 16)
    # A Saturday order is taken Monday too.
    assert await ship_by_if_verified_at(api, new_york(2026, 12, 12, 9, 0)) == end_of(2026, 12, 16)
    # The holiday is skipped: taken Wednesday the 23rd, Friday the 25th and Monday the 28th.
    assert await ship_by_if_verified_at(api, new_york(2026, 12, 23, 9, 0)) == end_of(2026, 12, 28)
    # Premium speeds ship the day they are taken; expedited within one business day.
    assert await ship_by_if_verified_at(
        api, new_york(2026, 12, 9, 22, 0), shippingSpeed="SAME_DAY"
    ) == end_of(2026, 12, 10)
    assert await ship_by_if_verified_at(
        api, new_york(2026, 12, 9, 9, 0), shippingSpeed="EXPEDITED"
    ) == end_of(2026, 12, 10)


async def test_a_zone_with_daylight_saving_keeps_the_end_of_the_local_day(api: Api) -> None:
    await settle(api, timeZone="America/New_York")
    # Friday 12 March 2027 10:00 EST; clocks go forward on Sunday the 14th: Tuesday ends EDT.
    shipped_by = await ship_by_if_verified_at(api, new_york(2027, 3, 12, 10, 0))
    assert shipped_by == "2027-03-17T03:59:59.999000+00:00"  # 23:59:59.999 at UTC-4
    assert shipped_by == end_of(2027, 3, 16)


async def test_the_watchdog_and_late_shipments_hold_the_seller_to_the_calendar(api: Api) -> None:
    await settle(api, handlingDays=1, timeZone="America/New_York")
    api.clock.now = new_york(2026, 12, 11, 15, 0)  # Friday after the cutoff: ships by Tuesday
    in_time, late = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    ship_by = datetime.fromisoformat((await api.read(in_time["id"], fields=DEADLINES))["shipBy"])
    assert ship_by == datetime.fromisoformat(end_of(2026, 12, 15))
    api.clock.now = ship_by  # Monday counts: no weekend day was missed
    assert (await watch(api)).get("SHIP_BY_MISSED", 0) == 0
    await api.ship(in_time["id"], tracking="1ZEDGE")  # at the ship-by itself: in time
    api.clock.now = ship_by + MS
    assert (await watch(api))["SHIP_BY_MISSED"] == 1
    await api.ship(late["id"], tracking="1ZLATE")
    lsr = (await figures(api))["LATE_SHIPMENT_RATE"]
    assert (lsr["numerator"], lsr["denominator"]) == (1, 2)
    assert ids(lsr) == {late["id"]}


async def test_bad_settings_are_refused_by_field_and_only_the_shop_itself_sets_them(
    api: Api,
) -> None:
    for settings, field in (
        ({"handlingDays": 31}, "handlingDays"),
        ({"handlingDays": -1}, "handlingDays"),
        ({"cutoff": "25:00"}, "cutoff"),
        ({"cutoff": "2 pm"}, "cutoff"),
        ({"cutoff": "00:00"}, "cutoff"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"shipDays": []}, "shipDays"),
    ):
        refused = await settle(api, **settings)
        assert (refused["seller"], refused["errors"][0]["field"]) == (None, field), settings
    other = await settle(api, as_=OTHER_SELLER, handlingDays=1)
    assert other["errors"][0]["code"] == "FORBIDDEN"
    body = await api.gql(
        "query($id: ID!) { seller(id: $id) { shippingSettings { handlingDays } } }",
        {"id": SELLER.id},
        as_=SELLER,
    )
    assert body["data"]["seller"]["shippingSettings"] is None  # nothing was stored
    by_operator = await settle(api, as_=OPERATOR, handlingDays=3)
    assert by_operator["seller"]["shippingSettings"]["handlingDays"] == 3
    hidden = await api.gql(
        "query($id: ID!) { seller(id: $id) { shippingSettings { handlingDays } } }",
        {"id": SELLER.id},
        as_=OTHER_SELLER,
    )
    assert hidden["data"]["seller"]["shippingSettings"] is None
