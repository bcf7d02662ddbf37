"""EasyPost's webhook, sent as EasyPost sends it: an Event whose `result` is the Tracker with its
whole `tracking_details`, signed in `X-Hmac-Signature`. The sender's signature is checked with
EasyPost's own SDK (`easypost.util.validate_webhook`) before orderwire sees it, so the test
signs as EasyPost signs, not as orderwire believes it does."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from easypost.errors.general.signature_verification_error import SignatureVerificationError
from easypost.util import validate_webhook

from api.http.tracking_providers.easypost import DETAILS, STATUSES, tag_of
from api.http.tracking_providers.receiver import Delivery
from api.settings import Settings
from domain.kernel.shipping import TrackingTag as T
from tests.api.client import OPERATOR, Api
from tests.api.http.provider_scans import scans_of

SECRET = "easypost-sécret"  # EasyPost normalizes the secret (NFKD) before signing


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"easypost_webhook_secrets": [SECRET]})


def detail(
    api: Api, status: str, detail: str | None, *, after: timedelta, **where: Any
) -> dict[str, Any]:
    return {
        "object": "TrackingDetail",
        "message": f"{status} message",
        "description": "",
        "status": status,
        "status_detail": detail,
        "datetime": (api.clock() + after).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "USPS",
        "tracking_location": {
            "object": "TrackingLocation",
            "city": where.get("city"),
            "state": where.get("state"),
            "country": where.get("country"),
            "zip": where.get("zip"),
        },
    }


def event(tracking: str, details: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    body = {
        "object": "Event",
        "id": f"evt_{uuid.uuid4().hex}",
        "mode": "test",
        "description": "tracker.updated",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "previous_attributes": {},
        "pending_urls": [],
        "completed_urls": [],
        "result": {
            "object": "Tracker",
            "id": f"trk_{uuid.uuid4().hex}",
            "mode": "test",
            "tracking_code": tracking,
            "status": details[-1]["status"] if details else "unknown",
            "carrier": "UPS",
            "tracking_details": details,
        },
    }
    body.update(changes)
    return body


def signed(raw: bytes, secret: str) -> dict[str, str]:
    key = unicodedata.normalize("NFKD", secret).encode()
    headers = {
        "X-Hmac-Signature": "hmac-sha256-hex=" + hmac.new(key, raw, hashlib.sha256).hexdigest(),
        "content-type": "application/json",
    }
    validate_webhook(raw, headers, secret)  # EasyPost's SDK agrees this is EasyPost's signature
    return headers


async def post(api: Api, body: dict[str, Any], secret: str = SECRET) -> httpx.Response:
    raw = json.dumps(body).encode()
    return await api.http.post("/webhooks/easypost", content=raw, headers=signed(raw, secret))


def history(api: Api) -> list[dict[str, Any]]:
    reno = {"city": "RENO", "state": "NV", "country": "US", "zip": "89502"}
    return [
        detail(api, "pre_transit", "label_created", after=timedelta(minutes=1)),
        detail(api, "in_transit", "arrived_at_facility", after=timedelta(hours=2), **reno),
        detail(api, "out_for_delivery", "out_for_delivery", after=timedelta(hours=20), **reno),
        detail(api, "delivered", "arrived_at_destination", after=timedelta(hours=22), **reno),
    ]


async def test_a_tracker_update_records_each_detail_once_whatever_the_order(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="9400EASY1")
    steps = history(api)
    api.clock.advance(timedelta(hours=23))
    answer = await post(api, event("9400EASY1", steps))
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"] == {"RECORDED": 4}
    seen = await scans_of(api, order["id"])
    assert seen["status"] == "DELIVERED"
    assert [(e["tag"], e["location"], e["description"]) for e in seen["timeline"]] == [
        ("INFO_RECEIVED", None, "pre_transit message (label created)"),
        ("IN_TRANSIT", {"city": "RENO", "countryCode": "US", "region": "NV"}, "in_transit message (arrived at facility)"),
        ("OUT_FOR_DELIVERY", {"city": "RENO", "countryCode": "US", "region": "NV"}, "out_for_delivery message (out for delivery)"),
        ("DELIVERED", {"city": "RENO", "countryCode": "US", "region": "NV"}, "delivered message (arrived at destination)"),
    ]  # fmt: skip
    for _ in range(3):  # at least once: the history again, shuffled, records nothing
        random.shuffle(steps)
        again = await post(api, event("9400EASY1", steps))
        assert again.json()["summary"] == {"DUPLICATE": 4}
    assert (await scans_of(api, order["id"]))["version"] == seen["version"]


async def test_a_signature_easypost_would_not_make_is_refused(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="9400EASY2")
    api.clock.advance(timedelta(hours=3))
    raw = json.dumps(event("9400EASY2", history(api)[:2])).encode()
    forged = signed(raw, "another-secret")
    with pytest.raises(SignatureVerificationError):
        validate_webhook(raw, forged, SECRET)  # EasyPost's SDK refuses it too
    assert (
        await api.http.post("/webhooks/easypost", content=raw, headers=forged)
    ).status_code == 401
    bare = {"content-type": "application/json"}
    assert (await api.http.post("/webhooks/easypost", content=raw, headers=bare)).status_code == 401
    stale = event("9400EASY2", history(api)[:2], created_at="2026-01-01T00:00:00Z")
    assert (await post(api, stale)).status_code == 401
    assert (await scans_of(api, order["id"]))["timeline"] == []


async def test_unknown_status_details_and_statuses_that_are_not_scans(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="9400EASY3")
    api.clock.advance(timedelta(hours=3))
    steps = [
        detail(api, "unknown", None, after=timedelta(minutes=1)),
        detail(
            api, "in_transit", "teleported", after=-timedelta(hours=1), city="Reno", country="USA"
        ),
    ]
    answer = (await post(api, event("9400EASY3", steps))).json()
    assert [c["outcome"] for c in answer["checkpoints"]] == ["IGNORED", "RECORDED"]
    [scan] = (await scans_of(api, order["id"]))["timeline"]
    assert (scan["tag"], scan["description"]) == (
        "IN_TRANSIT",
        "in_transit message (EasyPost teleported)",
    )
    other = (await post(api, event("9400EASY3", steps, description="batch.updated"))).json()
    assert other["ignored"] == "event 'batch.updated' is not read"


def test_every_documented_status_and_detail_has_its_row() -> None:
    assert STATUSES == {
        "unknown": None,
        "pre_transit": T.INFO_RECEIVED,
        "in_transit": T.IN_TRANSIT,
        "out_for_delivery": T.OUT_FOR_DELIVERY,
        "delivered": T.DELIVERED,
        "available_for_pickup": T.AVAILABLE_FOR_PICKUP,
        "return_to_sender": T.EXCEPTION,
        "failure": T.EXCEPTION,
        "cancelled": T.EXCEPTION,
        "error": None,
    }
    documented = [
        "address_correction",
        "arrived_at_destination",
        "arrived_at_facility",
        "arrived_at_pickup_location",
        "awaiting_information",
        "cancelled",
        "damaged",
        "delayed",
        "delivery_exception",
        "departed_facility",
        "departed_origin_facility",
        "expired",
        "failure",
        "held",
        "in_transit",
        "label_created",
        "lost",
        "missorted",
        "out_for_delivery",
        "received_at_destination_facility",
        "received_at_origin_facility",
        "refused",
        "return",
        "status_update",
        "transferred_to_destination_carrier",
        "transit_exception",
        "unknown",
        "weather_delay",
    ]
    assert sorted(DETAILS) == sorted(documented)
    for status in STATUSES:
        for known in documented:
            delivery = Delivery(None, None, "USPS", "9400")
            assert tag_of(status, known, delivery) == (STATUSES[status], DETAILS[known])
            assert delivery.unknown == []


async def test_easyposts_estimated_delivery_date_is_kept_on_the_parcel(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="9400EASY4")
    api.clock.advance(timedelta(hours=3))
    body = event("9400EASY4", history(api)[:1])
    body["result"]["est_delivery_date"] = "2099-03-04T00:00:00Z"
    assert (await post(api, body)).json()["estimate"] == {
        "earliest": "2099-03-04",
        "latest": "2099-03-04",
        "outcome": "RECORDED",
    }
    query = "query($id: ID!) { order(id: $id) { shipments { carrierEstimate { latest source } } } }"
    read = await api.gql(query, {"id": order["id"]}, as_=OPERATOR)
    [parcel] = read["data"]["order"]["shipments"]
    assert parcel["carrierEstimate"] == {"latest": "2099-03-04", "source": "easypost"}


async def test_an_estimate_that_is_not_a_date_costs_the_delivery_nothing(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="9400EASY5")
    api.clock.advance(timedelta(hours=3))
    body = event("9400EASY5", history(api)[:1])
    body["result"]["est_delivery_date"] = "soon, probably"
    answer = await post(api, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"] == {"RECORDED": 1}
    assert "estimate" not in answer.json()
    assert len((await scans_of(api, order["id"]))["timeline"]) == 1
