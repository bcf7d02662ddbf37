"""Delivery at least once, by the event log: the retry schedule on the manual clock, one
order's messages in sequence while other orders go on, 410 and five failing days disabling
an endpoint, and nothing unsafe followed (a redirect, a private address, a slow answer)."""

from __future__ import annotations

from datetime import timedelta

from api.clock import ManualClock
from api.settings import Settings
from storage.database import Database
from tests.api.client import OPERATOR, SELLER
from tests.api.graphql.webhooks.conftest import Hooks, serving


async def test_a_failing_message_follows_the_schedule_with_one_webhook_id(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    hooks.receiver.answers(500, 503)
    order = await hooks.api.place()
    assert await hooks.send() == 0  # at once: 500
    assert await hooks.send() == 0  # not due again before 5 s
    hooks.api.clock.advance(timedelta(seconds=5))
    assert await hooks.send() == 0  # 503; the next in 5 minutes
    hooks.api.clock.advance(timedelta(minutes=4))
    assert await hooks.send() == 0
    hooks.api.clock.advance(timedelta(minutes=1))
    assert await hooks.send() == 1

    requests = hooks.receiver.requests
    assert len(requests) == 3
    assert len({r.id for r in requests}) == 1
    assert len({r.body for r in requests}) == 1  # the same bytes every time
    assert all(r.verified(made["secret"])["data"]["orderId"] == order["id"] for r in requests)
    (message,) = await hooks.messages(made["endpoint"]["id"])
    assert message["state"] == "DELIVERED"
    assert message["attemptCount"] == 3
    assert [a["statusCode"] for a in message["attempts"]] == [204, 503, 500]  # newest first
    assert message["attempts"][-1]["response"] == '{"received": true}'


async def test_after_the_whole_schedule_a_message_fails_and_a_resend_delivers_it(
    hooks: Hooks,
) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    hooks.receiver.status = 500
    await hooks.api.place()
    for wait in (0, 5, 300, 1800, 7200, 18000, 36000, 36000):
        hooks.api.clock.advance(timedelta(seconds=wait))
        await hooks.send()
    assert len(hooks.receiver.requests) == 8
    (message,) = await hooks.messages(made["endpoint"]["id"])
    assert message["state"] == "FAILED"
    assert message["nextAttemptAt"] is None
    hooks.api.clock.advance(timedelta(days=1))
    await hooks.send()
    assert len(hooks.receiver.requests) == 8  # no ninth attempt of its own

    hooks.receiver.status = 200
    resent = await hooks.mutate(
        "resendWebhookMessage", "id: $id", {"id": message["id"]}, fields="message { state }"
    )
    assert resent == {"message": {"state": "PENDING"}, "errors": []}
    assert await hooks.send() == 1
    assert hooks.receiver.requests[-1].id == message["id"]


async def test_one_orders_failing_message_holds_its_later_ones_not_other_orders(
    hooks: Hooks,
) -> None:
    made = await hooks.create()
    first = await hooks.api.place()
    hooks.receiver.answers(500)  # the first order's ORDER_PLACED fails once
    await hooks.send()
    await hooks.api.verify(first["id"])  # its PAYMENT_VERIFIED waits behind it
    second = await hooks.api.order_in("UNSHIPPED")
    await hooks.send()
    seen = [(p["data"]["orderId"], p["type"]) for p in hooks.receiver.payloads(made["secret"])]
    assert seen == [
        (first["id"], "ORDER_PLACED"),  # the 500
        (second["id"], "ORDER_PLACED"),
        (second["id"], "PAYMENT_VERIFIED"),
    ]
    hooks.api.clock.advance(timedelta(seconds=5))
    await hooks.send()
    seen = [(p["data"]["orderId"], p["type"]) for p in hooks.receiver.payloads(made["secret"])]
    assert seen[3:] == [(first["id"], "ORDER_PLACED"), (first["id"], "PAYMENT_VERIFIED")]


async def test_410_disables_the_endpoint_and_enabling_it_sends_what_waited(hooks: Hooks) -> None:
    made = await hooks.create()
    endpoint_id = made["endpoint"]["id"]
    hooks.receiver.answers(410)
    await hooks.api.order_in("UNSHIPPED")
    await hooks.send()
    found = await hooks.endpoint(endpoint_id)
    assert found["enabled"] is False
    assert "410" in found["disabledReason"]
    hooks.api.clock.advance(timedelta(hours=1))
    await hooks.api.order_in("UNSHIPPED")  # a disabled endpoint gets no new messages
    assert await hooks.send() == 0
    assert len(hooks.receiver.requests) == 1

    enabled = await hooks.mutate(
        "updateWebhookEndpoint",
        "input: $input",
        {"input": {"id": endpoint_id, "enabled": True}},
        fields="endpoint { enabled disabledReason }",
    )
    assert enabled["endpoint"] == {"enabled": True, "disabledReason": None}
    assert await hooks.send() == 2  # the first order's two events, the 410'd one again
    assert hooks.receiver.requests[0].id == hooks.receiver.requests[1].id


async def test_an_endpoint_failing_for_five_days_is_disabled(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    hooks.receiver.status = 500
    await hooks.api.place()
    await hooks.send()
    for _ in range(4):  # a new order every day, each failing
        hooks.api.clock.advance(timedelta(days=1))
        await hooks.api.place()
        await hooks.send()
        assert (await hooks.endpoint(made["endpoint"]["id"]))["enabled"] is True
    hooks.api.clock.advance(timedelta(days=1))
    await hooks.api.place()
    await hooks.send()
    found = await hooks.endpoint(made["endpoint"]["id"])
    assert found["enabled"] is False
    assert "every attempt failed since" in found["disabledReason"]


async def test_a_success_ends_the_failing_streak(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    hooks.receiver.answers(500)
    await hooks.api.place()
    await hooks.send()
    assert (await hooks.endpoint(made["endpoint"]["id"]))["failingSince"] is not None
    hooks.api.clock.advance(timedelta(seconds=5))
    await hooks.send()
    assert (await hooks.endpoint(made["endpoint"]["id"]))["failingSince"] is None


async def test_a_redirect_is_not_followed_and_a_slow_answer_times_out(
    settings: Settings, clock: ManualClock, database: Database
) -> None:
    async with serving(settings, clock, database, webhook_timeout_seconds=0.5) as hooks:
        await _a_redirect_and_a_slow_answer(hooks)


async def _a_redirect_and_a_slow_answer(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    hooks.receiver.answers(302, (200, 1.5))
    await hooks.api.place()
    await hooks.send()
    hooks.api.clock.advance(timedelta(seconds=5))
    await hooks.send()
    assert [r.path for r in hooks.receiver.requests] == ["/hooks", "/hooks"]  # no /elsewhere
    (message,) = await hooks.messages(made["endpoint"]["id"])
    timed_out, redirected = message["attempts"]
    assert redirected["statusCode"] == 302
    assert "redirects are not followed" in redirected["error"]
    assert timed_out["statusCode"] is None
    assert "no answer within" in timed_out["error"]
    assert message["state"] == "PENDING"


async def test_a_private_address_is_refused_at_send_time(hooks: Hooks) -> None:
    """An endpoint registered while private addresses were allowed, sent by a server that no
    longer allows them: the name is resolved and its address refused before connecting."""
    made = await hooks.create(url=hooks.url.replace("127.0.0.1", "localhost") + "/hooks")
    hooks.sender._poster.allow_private = False  # type: ignore[attr-defined]
    await hooks.api.place()
    await hooks.send()
    assert hooks.receiver.requests == []
    (message,) = await hooks.messages(made["endpoint"]["id"])
    error = message["attempts"][0]["error"]
    assert "localhost resolves to" in error
    assert "127.0.0.1" in error


async def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    old = made["secret"]
    rotated = await hooks.mutate(
        "rotateWebhookSecret", "id: $id", {"id": made["endpoint"]["id"]}, fields="secret"
    )
    new = rotated["secret"]
    assert new.startswith("whsec_")
    assert new != old
    await hooks.api.place()
    await hooks.send()
    request = hooks.receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    request.verified(old)
    request.verified(new)
    hooks.api.clock.advance(timedelta(hours=24, seconds=1))
    await hooks.api.place()
    await hooks.send()
    request = hooks.receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    request.verified(new)


async def test_a_replay_sends_everything_since_a_time_again_with_the_same_ids(
    hooks: Hooks,
) -> None:
    made = await hooks.create()
    start = hooks.api.clock()
    await hooks.api.order_in("SHIPPED")
    sent = await hooks.send()
    first_ids = [r.id for r in hooks.receiver.requests]
    replayed = await hooks.mutate(
        "replayWebhookEvents",
        "input: $input",
        {"input": {"endpointId": made["endpoint"]["id"], "since": "2000-01-01T00:00:00Z"}},
        fields="count",
        as_=OPERATOR,
    )
    assert replayed == {"count": sent, "errors": []}
    assert await hooks.send() == sent
    assert [r.id for r in hooks.receiver.requests][sent:] == first_ids
    refused = await hooks.mutate(
        "replayWebhookEvents",
        "input: $input",
        {"input": {"endpointId": made["endpoint"]["id"], "since": "2000-01-01T00:00:00"}},
        fields="count",
    )
    assert refused["errors"][0]["field"] == "since"
    assert start is not None


async def test_metrics_show_each_endpoints_backlog_failures_and_lag(hooks: Hooks) -> None:
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    endpoint = made["endpoint"]["id"]
    hooks.receiver.answers(500)
    await hooks.api.place()
    await hooks.send()
    scrape = (await hooks.api.http.get("/metrics")).text
    assert f'orderwire_webhook_backlog{{endpoint="{endpoint}"}} 1.0' in scrape
    assert f'orderwire_webhook_failing{{endpoint="{endpoint}"}} 1.0' in scrape
    assert f'orderwire_webhook_lag_seconds{{endpoint="{endpoint}"}}' in scrape
    hooks.api.clock.advance(timedelta(seconds=5))
    await hooks.send()
    scrape = (await hooks.api.http.get("/metrics")).text
    assert f'orderwire_webhook_backlog{{endpoint="{endpoint}"}}' not in scrape


async def test_a_shop_is_told_when_its_endpoint_is_disabled(hooks: Hooks) -> None:
    saved = await hooks.api.gql(
        'mutation { updateNotificationPreferences(input: {email: "shop@example.com"}) '
        "{ errors { code } } }",
        as_=SELLER,
    )
    assert saved["data"]["updateNotificationPreferences"]["errors"] == []
    made = await hooks.create(as_=SELLER, eventTypes=["ORDER_PLACED"])
    hooks.receiver.answers(410)
    order = await hooks.api.place()
    await hooks.send()
    body = await hooks.api.gql(
        "{ notifications { nodes { category channel orderId to subject } } }", as_=SELLER
    )
    told = [n for n in body["data"]["notifications"]["nodes"] if n["category"] == "WEBHOOKS"]
    assert told == [
        {
            "category": "WEBHOOKS",
            "channel": "EMAIL",
            "orderId": order["id"],
            "to": "shop@example.com",
            "subject": "A webhook endpoint of your shop was disabled",
        }
    ]
    assert (await hooks.endpoint(made["endpoint"]["id"], as_=SELLER))["enabled"] is False
