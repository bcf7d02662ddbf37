"""AfterShip's webhook, sent as AfterShip sends it: a `tracking_update` with the tracking's whole
history, signed in `aftership-hmac-sha256` (base64 HMAC-SHA256 of the raw body), resent,
shuffled, forged and stale; every checkpoint through the one door of every scan."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, UPS, Api
from tests.api.http.provider_scans import scans_of

SECRET = "aftership-secret-new"
OLD_SECRET = "aftership-secret-old"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"aftership_webhook_secrets": [SECRET, OLD_SECRET]})


def checkpoint(
    api: Api, tag: str, subtag: str, *, after: timedelta, **place: Any
) -> dict[str, Any]:
    moment = api.clock() + after
    return {
        "slug": "ups",
        "checkpoint_time": moment.isoformat(),
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag,
        "message": f"{tag} scan",
        "city": place.get("city"),
        "state": place.get("state"),
        "country_region": place.get("country"),
        "zip": place.get("zip"),
    }


def update(tracking: str, checkpoints: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    """A `tracking_update` as AfterShip's webhook specification writes it."""
    body = {
        "event": "tracking_update",
        "event_id": str(uuid.uuid4()),
        "is_tracking_first_tag": False,
        "ts": int(time.time()),
        "msg": {
            "id": uuid.uuid4().hex,
            "tracking_number": tracking,
            "slug": "ups",
            "tag": checkpoints[-1]["tag"] if checkpoints else "Pending",
            "checkpoints": checkpoints,
        },
    }
    body.update(changes)
    return body


async def post(api: Api, body: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if secret is not None:
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
        headers["aftership-hmac-sha256"] = base64.b64encode(digest).decode()
    return await api.http.post("/webhooks/aftership", content=raw, headers=headers)


def history(api: Api) -> list[dict[str, Any]]:
    louisville = {"city": "Louisville", "state": "KY", "country": "USA", "zip": "40209"}
    lisbon = {"city": "Lisbon", "country": "PRT"}
    return [
        checkpoint(api, "InfoReceived", "InfoReceived_001", after=timedelta(minutes=1)),
        checkpoint(api, "InTransit", "InTransit_007", after=timedelta(hours=3), **louisville),
        checkpoint(
            api, "OutForDelivery", "OutForDelivery_001", after=timedelta(hours=20), **lisbon
        ),
        checkpoint(api, "Delivered", "Delivered_001", after=timedelta(hours=26), **lisbon),
    ]


async def test_a_history_is_recorded_checkpoint_by_checkpoint_and_once(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER1")
    steps = history(api)
    api.clock.advance(timedelta(hours=27))  # the delivery has happened
    answer = await post(api, update("1ZAFTER1", steps))
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"] == {"RECORDED": 4}
    seen = await scans_of(api, order["id"])
    assert seen["status"] == "DELIVERED"
    assert [(e["tag"], e["location"]) for e in seen["timeline"]] == [
        ("INFO_RECEIVED", None),  # AfterShip gave no place: none is made up
        ("IN_TRANSIT", {"city": "Louisville", "countryCode": "US", "region": "KY"}),
        ("OUT_FOR_DELIVERY", {"city": "Lisbon", "countryCode": "PT", "region": None}),
        ("DELIVERED", {"city": "Lisbon", "countryCode": "PT", "region": None}),
    ]
    # The same history, sent again three times shuffled under new event ids: nothing new.
    for _ in range(3):
        random.shuffle(steps)
        again = await post(api, update("1ZAFTER1", steps))
        assert again.json()["summary"] == {"DUPLICATE": 4}
    after = await scans_of(api, order["id"])
    assert (after["status"], after["version"]) == ("DELIVERED", seen["version"])


async def test_a_shuffled_first_delivery_keeps_late_checkpoints_out_of_order(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER2")
    steps = history(api)
    api.clock.advance(timedelta(hours=27))
    answer = await post(api, update("1ZAFTER2", [steps[3], steps[1], steps[0], steps[2]]))
    assert answer.json()["summary"] == {"RECORDED": 4}
    seen = await scans_of(api, order["id"])
    assert seen["status"] == "DELIVERED"  # what came late moved nothing back
    assert [e["outOfOrder"] for e in seen["timeline"]] == [False, True, True, True]


async def test_an_event_sent_again_is_answered_from_memory(api: Api) -> None:
    await api.order_in("SHIPPED", tracking="1ZAFTER3")
    body = update("1ZAFTER3", history(api)[:2])
    api.clock.advance(timedelta(hours=4))
    first = (await post(api, body)).json()
    again = (await post(api, body, secret=OLD_SECRET)).json()  # either secret, while rotating
    assert again == {**first, "repeat": True}


async def test_forged_unsigned_stale_or_foreign_deliveries_are_refused_and_change_nothing(
    api: Api,
) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER4")
    api.clock.advance(timedelta(hours=4))
    steps = history(api)[:2]
    for body, secret in (
        (update("1ZAFTER4", steps), "someone-elses-secret"),
        (update("1ZAFTER4", steps), None),
        (update("1ZAFTER4", steps, ts=int(time.time()) - 13 * 24 * 3600), SECRET),  # stale
    ):
        refused = await post(api, body, secret)
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"].startswith("Bearer")
    # A body changed after signing: the signature no longer holds.
    raw = json.dumps(update("1ZAFTER4", steps)).encode()
    digest = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    tampered = raw.replace(b"InTransit_007", b"Delivered_001")
    headers = {"aftership-hmac-sha256": digest, "content-type": "application/json"}
    answer = await api.http.post("/webhooks/aftership", content=tampered, headers=headers)
    assert answer.status_code == 401
    # A carrier's or a buyer's token is no AfterShip signature.
    for actor in (UPS, BUYER):
        headers = {"authorization": f"Bearer {api.token(actor)}"}
        answer = await api.http.post("/webhooks/aftership", content=raw, headers=headers)
        assert answer.status_code == 401
    seen = await scans_of(api, order["id"])
    assert (seen["status"], seen["timeline"]) == ("SHIPPED", [])
    metrics = (await api.http.get("/metrics")).text
    assert (
        'orderwire_provider_webhooks_total{outcome="unauthenticated",provider="aftership"} 6.0'
        in metrics
    )


async def test_unknown_parcels_and_bookkeeping_are_answered_2xx_saying_what_was_ignored(
    api: Api,
) -> None:
    await api.order_in("SHIPPED", tracking="1ZAFTER5")
    api.clock.advance(timedelta(hours=4))
    steps = history(api)[:2]
    unknown = (await post(api, update("1ZNOBODY", steps))).json()
    assert unknown["summary"] == {"IGNORED": 2}
    assert "1ZNOBODY" in unknown["checkpoints"][0]["reason"]
    pending = [checkpoint(api, "Pending", "Pending_001", after=timedelta(minutes=1))]
    answer = (await post(api, update("1ZAFTER5", pending))).json()
    assert answer["checkpoints"] == [
        {"index": 0, "outcome": "IGNORED", "reason": "Pending_001: not a carrier scan"}
    ]
    other = (await post(api, update("1ZAFTER5", steps, event="edd_revise"))).json()
    assert other["ignored"] == "event 'edd_revise' is not read"


async def test_a_sub_status_no_table_knows_is_read_under_its_status_and_counted(
    api: Api,
) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER6")
    api.clock.advance(timedelta(hours=4))
    new = checkpoint(
        api, "InTransit", "InTransit_099", after=-timedelta(hours=1), city="Reno", country="USA"
    )
    answer = (await post(api, update("1ZAFTER6", [new]))).json()
    assert answer["summary"] == {"RECORDED": 1}
    [scan] = (await scans_of(api, order["id"]))["timeline"]
    assert scan["tag"] == "IN_TRANSIT"
    assert scan["description"] == "InTransit scan (AfterShip InTransit_099)"
    metrics = (await api.http.get("/metrics")).text
    assert (
        'orderwire_provider_unknown_values_total{field="subtag",provider="aftership"} 1.0'
        in metrics
    )


async def test_a_local_time_is_read_where_the_place_keeps_one_zone_and_refused_elsewhere(
    api: Api,
) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER7")
    api.clock.advance(timedelta(days=2))
    local = (api.clock() - timedelta(hours=5)).astimezone().replace(tzinfo=None)
    lisbon = checkpoint(
        api, "InTransit", "InTransit_003", after=timedelta(0), city="Lisbon", country="PRT"
    )
    reno = checkpoint(
        api, "InTransit", "InTransit_003", after=timedelta(0), city="Reno", country="USA"
    )
    lisbon["checkpoint_time"] = reno["checkpoint_time"] = local.isoformat()
    answer = (await post(api, update("1ZAFTER7", [lisbon, reno]))).json()
    assert [c["outcome"] for c in answer["checkpoints"]] == ["RECORDED", "REFUSED"]
    assert answer["checkpoints"][1]["error"]["field"] == "checkpoint_time"
    assert len((await scans_of(api, order["id"]))["timeline"]) == 1


async def test_a_hundred_checkpoints_in_one_delivery_are_each_recorded(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER8")
    api.clock.advance(timedelta(days=3))
    hubs = [("Reno", "USA"), ("Lisbon", "PRT"), ("Madrid", "ESP"), ("Paris", "FRA")]
    steps = [
        checkpoint(
            api,
            "InTransit",
            "InTransit_003",
            after=-timedelta(days=3) + timedelta(minutes=30 * n + 1),
            city=hubs[n % 4][0],
            country=hubs[n % 4][1],
        )
        for n in range(100)
    ]
    answer = (await post(api, update("1ZAFTER8", steps))).json()
    assert answer["summary"] == {"RECORDED": 100}
    seen = await scans_of(api, order["id"])
    assert (seen["status"], len(seen["timeline"])) == ("IN_TRANSIT", 100)


ESTIMATES = """query($id: ID!) { order(id: $id) {
  estimatedDelivery { earliest latest }
  shipments { carrierEstimate { earliest latest source } }
  timeline { ... on CarrierEstimateChanged { estimate { earliest latest } source laterThanPromise } }
} }"""


async def test_the_carriers_estimate_is_kept_and_a_later_one_is_on_the_timeline(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER9")
    api.clock.advance(timedelta(hours=4))
    steps = history(api)[:2]
    read = await api.gql(ESTIMATES, {"id": order["id"]}, as_=OPERATOR)
    promised = read["data"]["order"]["estimatedDelivery"]
    within = {"estimated_delivery_date": promised["earliest"]}
    body = update("1ZAFTER9", steps)
    body["msg"]["aftership_estimated_delivery_date"] = within
    answer = (await post(api, body)).json()
    assert answer["estimate"]["outcome"] == "RECORDED"
    again = update("1ZAFTER9", steps)  # the same dates with the next update: nothing new
    again["msg"]["aftership_estimated_delivery_date"] = within
    assert (await post(api, again)).json()["estimate"]["outcome"] == "DUPLICATE"
    later = update("1ZAFTER9", steps)
    later["msg"]["courier_estimated_delivery_date"] = {
        "estimated_delivery_date": None,
        "estimated_delivery_date_min": promised["latest"],
        "estimated_delivery_date_max": "2099-01-02",
    }
    assert (await post(api, later)).json()["estimate"]["outcome"] == "RECORDED"
    seen = (await api.gql(ESTIMATES, {"id": order["id"]}, as_=OPERATOR))["data"]["order"]
    [parcel] = seen["shipments"]
    assert parcel["carrierEstimate"] == {
        "earliest": promised["latest"],
        "latest": "2099-01-02",
        "source": "aftership",
    }
    changes = [e for e in seen["timeline"] if e]
    assert changes == [
        {
            "estimate": {"earliest": promised["earliest"], "latest": promised["earliest"]},
            "source": "aftership",
            "laterThanPromise": False,
        },
        {
            "estimate": {"earliest": promised["latest"], "latest": "2099-01-02"},
            "source": "aftership",
            "laterThanPromise": True,
        },
    ]


async def test_a_body_of_another_shape_is_400_and_a_bad_checkpoint_is_refused_alone(
    api: Api,
) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZAFTER10")
    api.clock.advance(timedelta(hours=4))
    for shape in ([1, 2], {"event": "tracking_update", "event_id": "e", "ts": 1, "msg": "x"}):
        answer = await post(api, shape)  # type: ignore[arg-type]
        assert answer.status_code == 400, answer.text
    steps = ["not a checkpoint", *history(api)[:1]]
    body = update("1ZAFTER10", steps)  # type: ignore[arg-type]
    body["msg"]["aftership_estimated_delivery_date"] = "tomorrow"
    answer = await post(api, body)
    assert answer.status_code == 200, answer.text
    assert [c["outcome"] for c in answer.json()["checkpoints"]] == ["REFUSED", "RECORDED"]
    assert len((await scans_of(api, order["id"]))["timeline"]) == 1
