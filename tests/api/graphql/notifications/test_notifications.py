"""Notifications through the public API, delivered to a real SMTP server and HTTP providers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from outbound.signing import sign
from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, Api
from tests.api.notification_helpers import (
    ANA,
    ANA_PHONE,
    PREFERENCES,
    PROVIDER_SECRET,
    SHOP,
    UPDATE,
    World,
    walk_to_delivery,
)
from tests.api.returns_helpers import delivered_order, ok, request


async def test_an_order_walked_to_delivery_sends_exactly_what_each_person_chose(
    world: World,
) -> None:
    order_id = await walk_to_delivery(world.api)
    await world.notify()
    await world.notify()  # a second pass finds nothing new: nothing is sent twice

    assert world.mail.subjects(ANA) == [
        f"We received order {order_id}",
        f"Order {order_id} confirmed: arriving Thu 5 Nov 2026 to Sat 7 Nov 2026",
        f"Order {order_id} has shipped",
        f"Order {order_id} was delivered",
    ]
    assert world.mail.subjects(SHOP) == [f"New order {order_id} to ship"]
    # SMS only for the doorstep by default; push for what moves.
    assert world.sent_sms() == [
        f"Order {order_id} is out for delivery. It arrives today.",
        f"Order {order_id} was delivered. Delivered in Memphis.",
    ]
    assert [p["title"] for p in world.push.received] == [
        f"Order {order_id} has shipped",
        f"Order {order_id} is out for delivery",
        f"Order {order_id} was delivered",
    ]
    history = await world.history(BUYER)
    assert len(history) == 9
    assert {n["status"] for n in history} == {"SENT"}
    assert {n["attempts"] for n in history} == {1}
    assert (await world.history(SELLER))[0]["category"] == "NEW_ORDER"


async def test_the_shipping_email_is_readable_in_text_and_html(world: World) -> None:
    order_id = await walk_to_delivery(world.api, tracking="1ZTRACK42")
    await world.notify()

    (shipped,) = [m for m in world.mail.to(ANA) if "shipped" in str(m["Subject"])]
    text = shipped.get_body(("plain",))
    page = shipped.get_body(("html",))
    assert text is not None
    assert page is not None
    for content in (text.get_content(), page.get_content()):
        assert f"Order {order_id}" in content
        assert "2 x Mug (MUG-01)" in content
        assert "1 x Lamp (LAMP-7)" in content
        assert "https://www.ups.com/track?tracknum=1ZTRACK42" in content
        assert "Estimated delivery: Thu 5 Nov 2026 to Sat 7 Nov 2026" in content
    assert "<h1>" in page.get_content()


async def test_sms_and_push_are_short_signed_and_carry_an_idempotency_key(world: World) -> None:
    await walk_to_delivery(world.api)
    await world.notify()

    assert all(len(text) <= 160 for text in world.sent_sms())
    for body, headers in world.sms.raw + world.push.raw:
        assert headers["x-orderwire-signature"] == sign(
            PROVIDER_SECRET, headers["x-orderwire-timestamp"], body
        )
        assert headers["idempotency-key"] == json.loads(body)["id"]


async def test_a_delay_email_carries_the_revised_date(world: World) -> None:
    order = await world.api.place()
    await world.api.verify(order["id"])
    delay = {
        "orderId": order["id"],
        "revisedEarliest": "2026-11-10",
        "revisedLatest": "2026-11-11",
        "reason": "Weather at the hub",
    }
    await world.api.ok("reportDelay", "input: $input", {"input": delay}, as_=SELLER)
    await world.notify()

    (delayed,) = [m for m in world.mail.to(ANA) if "delayed" in str(m["Subject"])]
    assert delayed["Subject"] == (
        f"Order {order['id']} is delayed: now arriving Tue 10 Nov 2026 to Wed 11 Nov 2026"
    )
    body = delayed.get_body(("plain",))
    assert body is not None
    assert "New delivery date: Tue 10 Nov 2026 to Wed 11 Nov 2026" in body.get_content()
    assert "Reason: Weather at the hub." in body.get_content()
    assert any("delayed" in text for text in world.sent_sms())


async def test_opting_out_of_a_category_stops_it_on_every_channel(world: World) -> None:
    saved = await world.preferences(BUYER, categories=[{"category": "SHIPPING", "channels": []}])
    assert {"category": "SHIPPING", "channels": []} in saved["preferences"]["categories"]
    order_id = await walk_to_delivery(world.api)
    await world.notify()

    assert f"Order {order_id} has shipped" not in world.mail.subjects(ANA)
    assert all("shipped" not in p["title"] for p in world.push.received)
    assert f"Order {order_id} was delivered" in world.mail.subjects(ANA)


async def test_sms_inside_quiet_hours_waits_until_they_end_and_email_does_not(
    world: World,
) -> None:
    quiet = {"start": "21:00", "end": "08:00"}
    assert (await world.preferences(BUYER, quietHours=quiet))["errors"] == []
    order = await world.api.place()
    await world.api.verify(order["id"])
    await world.api.ship(order["id"], tracking="1ZNIGHT")
    world.api.clock.now = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)  # 22:30 in Lisbon (WET)
    await world.api.scan("1ZNIGHT", "OUT_FOR_DELIVERY")
    await world.notify()

    assert world.sent_sms() == []
    held = await world.history(BUYER, status="HELD")
    assert {(n["channel"], n["nextAttemptAt"]) for n in held} == {
        ("SMS", "2026-11-03T08:00:00+00:00"),
        ("PUSH", "2026-11-03T08:00:00+00:00"),
    }
    world.api.clock.now = datetime(2026, 11, 3, 7, 59, tzinfo=UTC)
    await world.notify()
    assert world.sent_sms() == []

    world.api.clock.now = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    await world.notify()
    assert world.sent_sms() == [f"Order {order['id']} is out for delivery. It arrives today."]
    assert await world.history(BUYER, status="HELD") == []


async def test_a_provider_failing_three_times_then_succeeding_delivers_once(world: World) -> None:
    world.sms.failures = [503, 503, 503]
    order = await out_for_delivery(world.api, "1ZRETRY")

    for _ in range(3):
        await world.notify()
        (sms,) = [n for n in await world.history(BUYER) if n["channel"] == "SMS"]
        assert sms["status"] == "RETRYING"
        assert "503" in sms["lastError"]
        world.api.clock.advance(timedelta(hours=1))  # past the longest backoff
    await world.notify()

    assert world.sms.calls == 4
    assert world.sent_sms() == [f"Order {order['id']} is out for delivery. It arrives today."]
    (sms,) = [n for n in await world.history(BUYER) if n["channel"] == "SMS"]
    assert (sms["status"], sms["attempts"]) == ("SENT", 4)


async def test_backoff_grows_between_attempts(world: World) -> None:
    world.sms.always = 503
    await out_for_delivery(world.api, "1ZBACK")
    waits = []
    for _ in range(3):
        await world.notify()
        (sms,) = [n for n in await world.history(BUYER) if n["channel"] == "SMS"]
        waits.append(datetime.fromisoformat(sms["nextAttemptAt"]) - world.api.clock())
        world.api.clock.now = datetime.fromisoformat(sms["nextAttemptAt"])
    # 60 s, 120 s, 240 s ceilings, each trimmed by up to half for jitter.
    for wait, ceiling in zip(waits, (60, 120, 240), strict=True):
        assert timedelta(seconds=ceiling / 2) <= wait <= timedelta(seconds=ceiling)


async def test_a_provider_that_keeps_failing_ends_in_dead_letter(world: World) -> None:
    world.sms.always = 503
    await out_for_delivery(world.api, "1ZDEAD")

    for _ in range(10):
        await world.notify()
        world.api.clock.advance(timedelta(hours=2))

    assert world.sms.calls == 8  # ORDERWIRE_NOTIFY_MAX_ATTEMPTS, then no more
    (dead,) = await world.history(BUYER, status="DEAD")
    assert (dead["channel"], dead["attempts"], dead["nextAttemptAt"]) == ("SMS", 8, None)
    assert "503" in dead["lastError"]


async def test_a_refusal_for_good_is_dead_at_once(world: World) -> None:
    world.push.always = 400
    order = await world.api.place()
    await world.api.verify(order["id"])
    await world.api.ship(order["id"], tracking="1ZGONE")
    await world.notify()

    (dead,) = await world.history(BUYER, status="DEAD")
    assert (dead["channel"], dead["attempts"]) == ("PUSH", 1)
    assert world.push.calls == 1


async def test_a_seller_is_reminded_of_a_return_answer_before_it_falls_due(world: World) -> None:
    order = await delivered_order(world.api)
    world.api.clock.advance(timedelta(days=40))
    ret = await request(world.api, order["id"])
    assert ret["status"] == "PENDING_SELLER"
    await world.notify()
    assert world.mail.subjects(SHOP)[-1] == f"Return requested on order {order['id']}"

    world.api.clock.advance(timedelta(hours=18))  # 6 hours before the 24-hour answer is due
    await world.notify()
    reminder = world.mail.subjects(SHOP)[-1]
    assert reminder.startswith(f"Reminder: answer return {ret['id']} by")


async def test_no_reminder_once_the_seller_has_answered(world: World) -> None:
    order = await delivered_order(world.api)
    world.api.clock.advance(timedelta(days=40))
    ret = await request(world.api, order["id"])
    world.api.clock.advance(timedelta(hours=2))
    await ok(
        world.api, "authorizeReturn", "returnId: $returnId", {"returnId": ret["id"]}, as_=SELLER
    )
    world.api.clock.advance(timedelta(hours=20))
    await world.notify()

    assert not any(s.startswith("Reminder") for s in world.mail.subjects(SHOP))
    skipped = await world.history(SELLER, status="SKIPPED")
    (answered,) = [n for n in skipped if n["subject"].startswith("Reminder: answer return")]
    assert (answered["category"], answered["lastError"]) == (
        "DEADLINE",
        "settled before the reminder was due",
    )


async def test_with_no_contact_point_nothing_is_queued(world: World) -> None:
    await world.preferences(BUYER, email=None, phone=None, pushEndpoints=[])
    await walk_to_delivery(world.api)
    await world.notify()
    assert await world.history(BUYER) == []
    assert world.mail.to(ANA) == []


async def out_for_delivery(api: Api, tracking: str) -> dict[str, Any]:
    return await api.order_in("OUT_FOR_DELIVERY", tracking=tracking)


# -- preferences -------------------------------------------------------------------------


async def test_defaults_before_anything_is_saved(api: Api) -> None:
    body = await api.gql(f"{{ notificationPreferences {{ {PREFERENCES} }} }}", as_=SELLER)
    prefs = body["data"]["notificationPreferences"]
    assert prefs["email"] is None
    assert prefs["timeZone"] == "UTC"
    assert prefs["categories"] == [
        {"category": "NEW_ORDER", "channels": ["EMAIL", "PUSH"]},
        {"category": "CANCELLATION", "channels": ["EMAIL", "PUSH"]},
        {"category": "RETURN_REQUEST", "channels": ["EMAIL"]},
        {"category": "CLAIM", "channels": ["EMAIL", "PUSH"]},
        {"category": "MESSAGE", "channels": ["EMAIL", "PUSH"]},
        {"category": "DEADLINE", "channels": ["EMAIL", "SMS", "PUSH"]},
        {"category": "FEEDBACK", "channels": ["EMAIL"]},
        {"category": "CHARGEBACK", "channels": ["EMAIL", "PUSH"]},
        {"category": "WEBHOOKS", "channels": ["EMAIL"]},
    ]


async def test_fields_left_out_stay_as_they_are(api: Api) -> None:
    update = {"email": ANA, "phone": "+351 912 345 678", "timeZone": "Europe/Lisbon"}
    await api.gql(UPDATE, {"input": update}, as_=BUYER)
    body = await api.gql(
        UPDATE, {"input": {"quietHours": {"start": "22:00", "end": "07:30"}}}, as_=BUYER
    )
    prefs = body["data"]["updateNotificationPreferences"]["preferences"]
    assert (prefs["email"], prefs["phone"], prefs["timeZone"]) == (ANA, ANA_PHONE, "Europe/Lisbon")
    assert prefs["quietHours"] == {"start": "22:00", "end": "07:30"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"phone": "0912345678"}, "phone"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"pushEndpoints": ["ftp://device"]}, "pushEndpoints"),
        ({"quietHours": {"start": "22h", "end": "07:00"}}, "quietHours.start"),
        ({"categories": [{"category": "NEW_ORDER", "channels": ["EMAIL"]}]}, "categories"),
    ],
)
async def test_bad_preferences_are_refused_and_change_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    await api.gql(UPDATE, {"input": {"email": ANA}}, as_=BUYER)
    body = await api.gql(UPDATE, {"input": {"phone": ANA_PHONE, **change}}, as_=BUYER)
    payload = body["data"]["updateNotificationPreferences"]
    assert payload["preferences"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", field)]
    after = await api.gql(f"{{ notificationPreferences {{ {PREFERENCES} }} }}", as_=BUYER)
    assert after["data"]["notificationPreferences"]["email"] == ANA
    assert after["data"]["notificationPreferences"]["phone"] is None


async def test_operators_have_no_notifications(api: Api) -> None:
    body = await api.gql("{ notifications { nodes { id } } }", as_=OPERATOR)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_history_pages_newest_first(world: World) -> None:
    await walk_to_delivery(world.api)
    await world.notify()
    query = """query($after: String) { notifications(first: 4, after: $after) {
      nodes { id createdAt } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        body = await world.api.gql(query, {"after": after}, as_=BUYER)
        page = body["data"]["notifications"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 9, "\n".join(sorted(seen))


async def test_nobody_sees_another_persons_notifications(world: World) -> None:
    await walk_to_delivery(world.api)
    await world.notify()
    assert len(await world.history(BUYER)) == 9
    assert await world.history(OTHER_BUYER) == []
    assert await world.history(OTHER_SELLER) == []


async def test_a_notification_comes_back_by_its_id_to_its_recipient_only(world: World) -> None:
    await walk_to_delivery(world.api)
    await world.notify()
    listed = await world.api.gql("{ notifications(first: 1) { nodes { id subject } } }", as_=BUYER)
    [mine] = listed["data"]["notifications"]["nodes"]
    assert mine["id"].startswith("ntf_")
    query = "query($id: ID!) { node(id: $id) { id ... on Notification { subject } } }"
    again = await world.api.gql(query, {"id": mine["id"]}, as_=BUYER)
    assert again["data"]["node"] == mine
    for stranger in (OTHER_BUYER, SELLER):
        hidden = await world.api.gql(query, {"id": mine["id"]}, as_=stranger)
        assert hidden["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    forged = await world.api.gql(query, {"id": "ntf_%%%"}, as_=BUYER)
    assert forged["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
