"""Shippo's webhook, sent as Shippo sends it: a `track_updated` whose `data` is the Track with
its whole `tracking_history`, to the URL with the self-generated token Shippo documents."""

from __future__ import annotations

import json
import random
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest

from api.http.tracking_providers.receiver import Delivery
from api.http.tracking_providers.shippo import STATUSES, SUBSTATUSES, tag_of
from api.settings import Settings
from domain.kernel.shipping import TrackingTag as T
from tests.api.client import OPERATOR, Api
from tests.api.http.provider_scans import scans_of

TOKEN = "shippo-token-7f3a"

# Shippo's documented substatus codes (docs: Tracking, "Tracking statuses"), by status.
DOCUMENTED = {
    "PRE_TRANSIT": ["information_received"],
    "TRANSIT": [
        "address_issue",
        "contact_carrier",
        "delayed",
        "delivery_attempted",
        "delivery_rescheduled",
        "delivery_scheduled",
        "location_inaccessible",
        "notice_left",
        "out_for_delivery",
        "package_accepted",
        "package_arrived",
        "package_damaged",
        "package_departed",
        "package_forwarded",
        "package_held",
        "package_processed",
        "package_processing",
        "pickup_available",
        "reschedule_delivery",
    ],
    "DELIVERED": ["delivered"],
    "RETURNED": ["return_to_sender", "package_unclaimed"],
    "FAILURE": ["package_undeliverable", "package_disposed", "package_lost"],
    "UNKNOWN": ["other"],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"shippo_webhook_secrets": [TOKEN]})


def step(
    api: Api, status: str, code: str | None, *, after: timedelta, **where: Any
) -> dict[str, Any]:
    return {
        "object_created": (api.clock() + after).astimezone(UTC).isoformat(),
        "object_id": f"obj_{random.getrandbits(64):x}",
        "status": status,
        "status_details": f"{status.lower()} details",
        "status_date": (api.clock() + after).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "substatus": None if code is None else {"code": code, "text": code, "action_required": False},
        "location": {
            "city": where.get("city"),
            "state": where.get("state"),
            "zip": where.get("zip"),
            "country": where.get("country"),
        },
    }  # fmt: skip


def track(tracking: str, history: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    body = {
        "event": "track_updated",
        "test": True,
        "data": {
            "carrier": "ups",
            "tracking_number": tracking,
            "eta": None,
            "servicelevel": {"token": "ups_ground", "name": "Ground"},
            "tracking_status": history[-1] if history else None,
            "tracking_history": history,
        },
    }
    body.update(changes)
    return body


async def post(api: Api, body: dict[str, Any], token: str | None = TOKEN) -> httpx.Response:
    path = "/webhooks/shippo" if token is None else f"/webhooks/shippo?token={token}"
    raw = json.dumps(body).encode()
    return await api.http.post(path, content=raw, headers={"content-type": "application/json"})


async def test_a_track_update_records_each_step_by_its_substatus_once(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZSHIPPO1")
    memphis = {"city": "Memphis", "state": "TN", "zip": "38118", "country": "US"}
    history = [
        step(api, "PRE_TRANSIT", "information_received", after=timedelta(minutes=1)),
        step(api, "TRANSIT", "package_departed", after=timedelta(hours=2), **memphis),
        step(api, "TRANSIT", "out_for_delivery", after=timedelta(hours=20), **memphis),
        step(api, "TRANSIT", "delivery_attempted", after=timedelta(hours=23), **memphis),
    ]
    api.clock.advance(timedelta(hours=24))
    answer = await post(api, track("1ZSHIPPO1", history))
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"] == {"RECORDED": 4}
    seen = await scans_of(api, order["id"])
    assert seen["status"] == "DELIVERY_ATTEMPTED"
    assert [e["tag"] for e in seen["timeline"]] == [
        "INFO_RECEIVED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "ATTEMPT_FAIL",
    ]  # fmt: skip
    assert seen["timeline"][1]["location"] == {
        "city": "Memphis",
        "countryCode": "US",
        "region": "TN",
    }
    for _ in range(3):  # Shippo sends the whole history each time, in any order
        random.shuffle(history)
        again = await post(api, track("1ZSHIPPO1", history))
        assert again.json()["summary"] == {"DUPLICATE": 4}
    assert (await scans_of(api, order["id"]))["version"] == seen["version"]


async def test_without_the_token_or_with_another_nothing_is_recorded(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZSHIPPO2")
    api.clock.advance(timedelta(hours=3))
    history = [step(api, "TRANSIT", "package_arrived", after=-timedelta(hours=1))]
    for token in (None, "guessed", TOKEN + "x"):
        assert (await post(api, track("1ZSHIPPO2", history), token)).status_code == 401
    assert (await scans_of(api, order["id"]))["timeline"] == []


async def test_a_new_code_is_read_under_its_status_and_unknown_is_not_a_scan(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZSHIPPO3")
    api.clock.advance(timedelta(hours=3))
    history = [
        step(api, "UNKNOWN", "other", after=-timedelta(hours=2)),
        step(
            api,
            "TRANSIT",
            "package_teleported",
            after=-timedelta(hours=1),
            city="Reno",
            country="US",
        ),
    ]
    answer = (await post(api, track("1ZSHIPPO3", history))).json()
    assert [c["outcome"] for c in answer["checkpoints"]] == ["IGNORED", "RECORDED"]
    [scan] = (await scans_of(api, order["id"]))["timeline"]
    assert (scan["tag"], scan["description"]) == (
        "IN_TRANSIT",
        "transit details (Shippo package_teleported)",
    )
    other = (await post(api, track("1ZSHIPPO3", history, event="transaction_created"))).json()
    assert other["ignored"] == "event 'transaction_created' is not read"


def test_every_documented_status_and_substatus_has_its_row() -> None:
    assert set(STATUSES) == set(DOCUMENTED)
    assert set(SUBSTATUSES) == {code for codes in DOCUMENTED.values() for code in codes}
    for status, codes in DOCUMENTED.items():
        for code in codes:
            delivery = Delivery(None, None, "UPS", "1Z")
            tag, unknown = tag_of(status, code, delivery)
            assert (unknown, delivery.unknown) == (None, [])
            if status != "TRANSIT":  # every other status's codes read as the status does
                assert tag == STATUSES[status], code
    transit = {
        code: tag_of("TRANSIT", code, Delivery(None, None, "UPS", "1Z"))[0]
        for code in DOCUMENTED["TRANSIT"]
    }
    assert transit["out_for_delivery"] is T.OUT_FOR_DELIVERY
    assert transit["delivery_attempted"] is transit["notice_left"] is T.ATTEMPT_FAIL
    assert transit["pickup_available"] is T.AVAILABLE_FOR_PICKUP
    assert {transit[c] for c in ("address_issue", "package_damaged", "package_held")} == {
        T.EXCEPTION
    }


async def test_shippos_eta_is_kept_and_an_unknown_parcels_eta_is_ignored(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZSHIPPO4")
    api.clock.advance(timedelta(hours=3))
    history = [step(api, "TRANSIT", "package_arrived", after=-timedelta(hours=1))]
    body = track("1ZSHIPPO4", history)
    body["data"]["eta"] = "2099-05-06T12:00:00Z"
    assert (await post(api, body)).json()["estimate"]["outcome"] == "RECORDED"
    query = "query($id: ID!) { order(id: $id) { shipments { carrierEstimate { latest source } } } }"
    read = await api.gql(query, {"id": order["id"]}, as_=OPERATOR)
    [parcel] = read["data"]["order"]["shipments"]
    assert parcel["carrierEstimate"] == {"latest": "2099-05-06", "source": "shippo"}
    stranger = track("1ZNOBODY", history)
    stranger["data"]["eta"] = "2099-05-06T12:00:00Z"
    assert (await post(api, stranger)).json()["estimate"]["outcome"] == "IGNORED"
