"""Signed carrier webhooks: a good one moves the order; replayed, stale or badly signed ones do not."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from api.settings import Settings
from outbound.signing import sign
from tests.api.client import UPS, Api

SECRETS = {"UPS": "ups-webhook-secret", "DHL": "dhl-webhook-secret"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "carrier_secrets": SECRETS,
        }
    )


async def _shipped(api: Api, tracking: str = "1ZHOOK") -> dict[str, Any]:
    return await api.order_in("SHIPPED", tracking=tracking)


def _body(api: Api, tag: str = "IN_TRANSIT", tracking: str = "1ZHOOK") -> bytes:
    scan = {
        "trackingId": tracking,
        "tag": tag,
        "location": {"city": "Louisville", "countryCode": "US", "region": "KY"},
        "occurredAt": api.clock().isoformat(),
    }
    return json.dumps(scan).encode()


async def _post(
    api: Api, carrier: str, body: bytes, *, secret: str | None = None, age: int = 0
) -> tuple[int, dict[str, Any]]:
    timestamp = str(int(time.time()) - age)
    signature = sign(secret or SECRETS.get(carrier.upper(), "nope"), timestamp, body)
    response = await api.http.post(
        f"/webhooks/carriers/{carrier}",
        content=body,
        headers={"X-Orderwire-Timestamp": timestamp, "X-Orderwire-Signature": signature},
    )
    return response.status_code, response.json()


async def test_a_signed_scan_moves_the_order_once(api: Api) -> None:
    order = await _shipped(api)
    body = _body(api)
    status, answer = await _post(api, "ups", body)
    assert (status, answer) == (202, {"orderId": order["id"], "status": "IN_TRANSIT"})
    timeline = await api.timeline(order["id"])
    assert timeline[-1]["tag"] == "IN_TRANSIT"
    assert timeline[-1]["actorRole"] == "CARRIER"

    replay = await _post(api, "ups", body, age=2)  # the carrier re-signs its retry
    assert replay == (200, {"orderId": order["id"], "status": "IN_TRANSIT"})
    assert len(await api.timeline(order["id"])) == len(timeline)


async def test_a_refused_scan_leaves_no_receipt_so_the_carriers_retry_runs_again(
    api: Api,
) -> None:
    order = await api.verify((await api.place())["id"])
    body = _body(api, tracking="1ZLATE")
    timestamp = str(int(time.time()))
    headers = {
        "X-Orderwire-Timestamp": timestamp,
        "X-Orderwire-Signature": sign(SECRETS["UPS"], timestamp, body),
    }
    first = await api.http.post("/webhooks/carriers/ups", content=body, headers=headers)
    assert (first.status_code, first.json()["errors"][0]["extensions"]["code"]) == (
        404,
        "NOT_FOUND",
    )
    # The parcel is confirmed afterwards; the identical delivery, retried, is recorded now.
    await api.ship(order["id"], tracking="1ZLATE")
    again = await api.http.post("/webhooks/carriers/ups", content=body, headers=headers)
    assert (again.status_code, again.json()) == (
        202,
        {"orderId": order["id"], "status": "IN_TRANSIT"},
    )


async def test_stale_badly_signed_or_unknown_deliveries_are_refused(api: Api) -> None:
    order = await _shipped(api)
    before = await api.read(order["id"])
    body = _body(api, tag="DELIVERED")
    assert (await _post(api, "UPS", body, age=301))[0] == 401
    guessed = await _post(api, "UPS", body, secret="guessed")
    # The refusal body every route outside /graphql answers with: the GraphQL error shape.
    assert guessed == (
        401,
        {"errors": [{"message": "bad signature", "extensions": {"code": "UNAUTHENTICATED"}}]},
    )
    assert (await _post(api, "FEDEX", body, secret="anything"))[0] == 401
    wrong_carrier = await _post(api, "DHL", body)
    assert (wrong_carrier[0], wrong_carrier[1]["errors"][0]["extensions"]["code"]) == (
        404,
        "NOT_FOUND",
    )
    unreadable = await _post(api, "UPS", b'{"trackingId": "1ZHOOK", "tag": "TELEPORTED"}')
    assert (unreadable[0], unreadable[1]["errors"][0]["extensions"]["code"]) == (422, "VALIDATION")
    assert await api.read(order["id"]) == before
    within = await _post(api, "UPS", body, age=299)
    assert within == (202, {"orderId": order["id"], "status": "DELIVERED"})


async def test_a_batch_is_answered_per_scan_and_a_retry_changes_nothing(api: Api) -> None:
    first = await _shipped(api, tracking="1ZBATCH1")
    second = await _shipped(api, tracking="1ZBATCH2")
    scans = [json.loads(_body(api, tracking=t)) for t in ("1ZBATCH1", "1ZBATCH2", "1ZNOBODY")]
    scans.append({"trackingId": "1ZBATCH1", "tag": "NOT-A-TAG"})
    body = json.dumps(scans).encode()
    status, answer = await _post(api, "ups", body)
    assert status == 200
    assert answer["summary"] == {"RECORDED": 2, "REFUSED": 2}
    outcomes = [(s["index"], s["outcome"], s.get("orderId")) for s in answer["scans"]]
    assert outcomes == [
        (0, "RECORDED", first["id"]),
        (1, "RECORDED", second["id"]),
        (2, "REFUSED", None),
        (3, "REFUSED", None),
    ]
    assert answer["scans"][2]["error"]["code"] == "NOT_FOUND"
    assert answer["scans"][3]["error"]["code"] == "VALIDATION"
    versions = [(await api.read(o["id"]))["version"] for o in (first, second)]
    status, again = await _post(api, "ups", body)  # the carrier retries the whole batch
    assert again["summary"] == {"DUPLICATE": 2, "REFUSED": 2}
    assert [(await api.read(o["id"]))["version"] for o in (first, second)] == versions
    too_many = json.dumps([scans[0]] * 501).encode()
    assert (await _post(api, "ups", too_many))[0] == 422


async def test_a_scan_sent_by_webhook_and_again_through_graphql_is_one_scan(api: Api) -> None:
    order = await _shipped(api, "1ZBOTH")
    body = _body(api, tracking="1ZBOTH")
    status, _ = await _post(api, "ups", body)
    assert status == 202
    scan = json.loads(body) | {"carrier": "UPS"}
    again = await api.gql(
        "mutation($inputs: [RecordTrackingEventInput!]!) { recordTrackingEvents(inputs: $inputs)"
        " { results { outcome orderId } errors { code } } }",
        {"inputs": [scan]},
        as_=UPS,
    )
    assert again["data"]["recordTrackingEvents"]["results"] == [
        {"outcome": "DUPLICATE", "orderId": order["id"]}
    ]
    scans = [e for e in await api.timeline(order["id"]) if e["type"] == "TRACKING_EVENT_RECORDED"]
    assert len(scans) == 1
