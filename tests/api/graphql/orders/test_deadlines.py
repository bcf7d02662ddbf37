"""Ship-by and deliver-by dates, and the watchdog that records each missed deadline once,
through GraphQL on the manual clock: both sides of every boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.api.client import BUYER, OPERATOR, SELLER, UPS, Api
from tests.api.notification_helpers import ANA, SHOP, World

WATCH = "mutation { watchDeadlines { recorded { type count } errors { code message } } }"
DEADLINES = "shipBy deliverBy estimatedDelivery { earliest latest } status version"
KINDS = """timeline { type
  ... on ShipByMissed { deadline }
  ... on DeliveryOverdue { deliverBy }
  ... on TrackingStalled { shippedAt parcel { trackingId } }
}"""


async def watch(api: Api) -> dict[str, int]:
    body = await api.gql(WATCH, as_=OPERATOR)
    payload = body["data"]["watchDeadlines"]
    assert payload["errors"] == [], payload
    return {r["type"]: r["count"] for r in payload["recorded"]}


async def kinds(api: Api, order_id: str) -> list[str]:
    order = await api.read(order_id, fields=KINDS)
    return [e["type"] for e in order["timeline"]]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_ship_by_is_set_at_verification_by_speed_and_deliver_by_is_the_estimate(
    api: Api,
) -> None:
    standard = await api.place()
    assert (await api.read(standard["id"], fields=DEADLINES))["shipBy"] is None
    verified_at = api.clock()
    standard = await api.read((await api.verify(standard["id"]))["id"], fields=DEADLINES)
    assert moment(standard["shipBy"]) == verified_at + timedelta(days=2)
    assert standard["deliverBy"] == standard["estimatedDelivery"]["latest"]

    one_day = await api.place(shippingSpeed="ONE_DAY")
    await api.verify(one_day["id"])
    found = await api.read(one_day["id"], fields=DEADLINES)
    assert moment(found["shipBy"]) == api.clock() + timedelta(hours=12)

    timeline = await api.read(
        one_day["id"], fields="timeline { type ... on PaymentVerified { shipBy } }"
    )
    verified = [e for e in timeline["timeline"] if e["type"] == "PAYMENT_VERIFIED"]
    assert moment(verified[0]["shipBy"]) == api.clock() + timedelta(hours=12)


async def test_a_missed_ship_by_is_recorded_once_just_after_it_passes(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    ship_by = moment((await api.read(order["id"], fields=DEADLINES))["shipBy"])
    api.clock.advance(ship_by - api.clock())  # exactly at ship-by: still in time
    assert await watch(api) == {}
    api.clock.advance(timedelta(milliseconds=1))
    assert await watch(api) == {"SHIP_BY_MISSED": 1}
    assert await watch(api) == {}  # once
    api.clock.advance(timedelta(days=3))
    assert await watch(api) == {}
    timeline = (await api.read(order["id"], fields=KINDS))["timeline"]
    (missed,) = [e for e in timeline if e["type"] == "SHIP_BY_MISSED"]
    assert moment(missed["deadline"]) == ship_by


async def test_an_order_shipped_in_time_or_canceled_misses_nothing(api: Api) -> None:
    shipped = await api.order_in("SHIPPED")
    canceled = await api.order_in("CANCELED")
    api.clock.advance(timedelta(days=2, seconds=1))
    assert "SHIP_BY_MISSED" not in await watch(api)
    assert "SHIP_BY_MISSED" not in await kinds(api, shipped["id"])
    assert "SHIP_BY_MISSED" not in await kinds(api, canceled["id"])


async def test_a_parcel_without_a_scan_for_48_hours_is_stalled_once(api: Api) -> None:
    quiet = await api.order_in("SHIPPED", tracking="1ZQUIET")
    scanned = await api.order_in("SHIPPED", tracking="1ZBUSY")
    await api.scan("1ZBUSY", "IN_TRANSIT")
    api.clock.advance(timedelta(hours=48) - timedelta(milliseconds=1))
    assert await watch(api) == {}
    api.clock.advance(timedelta(milliseconds=1))
    assert await watch(api) == {"TRACKING_STALLED": 1}
    assert await watch(api) == {}
    timeline = (await api.read(quiet["id"], fields=KINDS))["timeline"]
    (stalled,) = [e for e in timeline if e["type"] == "TRACKING_STALLED"]
    assert stalled["parcel"]["trackingId"] == "1ZQUIET"
    assert "TRACKING_STALLED" not in await kinds(api, scanned["id"])


async def test_an_undelivered_order_is_overdue_from_the_day_after_deliver_by(api: Api) -> None:
    late = await api.order_in("IN_TRANSIT", tracking="1ZLATE")
    delivered = await api.order_in("DELIVERED", tracking="1ZDONE")
    deliver_by = date.fromisoformat((await api.read(late["id"], fields=DEADLINES))["deliverBy"])
    last_moment = datetime.combine(deliver_by, datetime.max.time(), tzinfo=UTC)
    api.clock.advance(last_moment - api.clock())
    recorded = await watch(api)
    assert "DELIVERY_OVERDUE" not in recorded
    api.clock.advance(timedelta(milliseconds=1))
    assert (await watch(api)).get("DELIVERY_OVERDUE") == 1
    timeline = (await api.read(late["id"], fields=KINDS))["timeline"]
    (overdue,) = [e for e in timeline if e["type"] == "DELIVERY_OVERDUE"]
    assert overdue["deliverBy"] == deliver_by.isoformat()
    assert "DELIVERY_OVERDUE" not in await kinds(api, delivered["id"])
    assert "DELIVERY_OVERDUE" not in await watch(api)


async def test_only_an_operator_runs_the_watchdog_and_a_refusal_changes_nothing(
    api: Api,
) -> None:
    order = await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(days=3))
    for who in (BUYER, SELLER, UPS):
        body = await api.gql(WATCH, as_=who)
        assert body["data"]["watchDeadlines"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await api.gql(WATCH))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "SHIP_BY_MISSED" not in await kinds(api, order["id"])


async def test_the_seller_is_reminded_six_hours_before_ship_by_and_told_when_missed(
    world: World,
) -> None:
    api = world.api
    order = await api.order_in("UNSHIPPED")
    ship_by = moment((await api.read(order["id"], fields=DEADLINES))["shipBy"])
    await world.notify()
    reminders = [s for s in world.mail.subjects(SHOP) if s.startswith("Reminder: ship")]
    assert reminders == []
    api.clock.advance(ship_by - timedelta(hours=6) - api.clock() - timedelta(milliseconds=1))
    await world.notify()
    assert not any(s.startswith("Reminder: ship") for s in world.mail.subjects(SHOP))
    api.clock.advance(timedelta(milliseconds=1))
    await world.notify()
    assert world.mail.subjects(SHOP)[-1].startswith(f"Reminder: ship order {order['id']} by")

    api.clock.advance(timedelta(hours=7))
    await watch(api)
    await world.notify()
    assert world.mail.subjects(SHOP)[-1] == f"Order {order['id']} missed its ship-by time"
    assert not any("missed" in s for s in world.mail.subjects(ANA))


async def test_no_ship_by_reminder_once_the_order_has_shipped(world: World) -> None:
    api = world.api
    order = await api.order_in("SHIPPED")
    api.clock.advance(timedelta(days=2))
    await world.notify()
    assert not any(s.startswith("Reminder: ship") for s in world.mail.subjects(SHOP))
    skipped = await world.history(SELLER, status="SKIPPED")
    assert [n["orderId"] for n in skipped if n["category"] == "DEADLINE"] == [order["id"]]


async def test_an_overdue_delivery_tells_the_buyer_of_a_delay_and_the_seller(
    world: World,
) -> None:
    api = world.api
    order = await api.order_in("IN_TRANSIT")
    api.clock.advance(timedelta(days=9))
    await watch(api)
    await world.notify()
    assert f"Order {order['id']} is running late" in world.mail.subjects(ANA)
    assert f"Order {order['id']} is past its deliver-by date" in world.mail.subjects(SHOP)
    delays = await world.history(BUYER, status="SENT")
    assert any(n["category"] == "DELAY" and n["subject"].endswith("running late") for n in delays)
