"""One door for every scan: the same scan through any two of the four ways in (GraphQL single
and batch, the carrier webhook's single scan and batch) is recorded once; the second answers
DUPLICATE with the order as it stands and changes nothing."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta, timezone
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from api.settings import Settings
from outbound.signing import sign
from tests.api.client import UPS, Api

SECRET = "ups-webhook-secret"
SINGLE = """mutation Scan($input: RecordTrackingEventInput!) {
  recordTrackingEvent(input: $input) { outcome order { id status version } errors { code } }
}"""
BATCH = """mutation Scans($inputs: [RecordTrackingEventInput!]!) {
  recordTrackingEvents(inputs: $inputs) {
    results { outcome orderId status error { code } } errors { code }
  }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"carrier_secrets": {"UPS": SECRET}})


def _scan(api: Api, tracking: str, **changes: Any) -> dict[str, Any]:
    scan = {
        "carrier": "UPS",
        "trackingId": tracking,
        "tag": "IN_TRANSIT",
        "location": {"city": "Louisville", "countryCode": "US", "region": "KY"},
        "occurredAt": api.clock().isoformat(),
    }
    return scan | changes


async def _hook(api: Api, body: object) -> tuple[int, Any]:
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    response = await api.http.post(
        "/webhooks/carriers/ups",
        content=raw,
        headers={
            "X-Orderwire-Timestamp": timestamp,
            "X-Orderwire-Signature": sign(SECRET, timestamp, raw),
        },
    )
    return response.status_code, response.json()


# Each door sends one scan and says (outcome, order id) as that door tells it.
Door = Callable[[Api, dict[str, Any]], Awaitable[tuple[str, str]]]


async def graphql_single(api: Api, scan: dict[str, Any]) -> tuple[str, str]:
    body = await api.gql(SINGLE, {"input": scan}, as_=UPS)
    answer = body["data"]["recordTrackingEvent"]
    assert answer["errors"] == [], answer
    return answer["outcome"], answer["order"]["id"]


async def graphql_batch(api: Api, scan: dict[str, Any]) -> tuple[str, str]:
    body = await api.gql(BATCH, {"inputs": [scan]}, as_=UPS)
    [result] = body["data"]["recordTrackingEvents"]["results"]
    assert result["error"] is None, result
    return result["outcome"], result["orderId"]


async def webhook_single(api: Api, scan: dict[str, Any]) -> tuple[str, str]:
    status, answer = await _hook(api, {k: v for k, v in scan.items() if k != "carrier"})
    assert status in (200, 202), answer
    return ("RECORDED" if status == 202 else "DUPLICATE"), answer["orderId"]


async def webhook_batch(api: Api, scan: dict[str, Any]) -> tuple[str, str]:
    status, answer = await _hook(api, [{k: v for k, v in scan.items() if k != "carrier"}])
    assert status == 200, answer
    [result] = answer["scans"]
    return result["outcome"], result["orderId"]


DOORS: dict[str, Door] = {
    "graphql": graphql_single,
    "graphql-batch": graphql_batch,
    "webhook": webhook_single,
    "webhook-batch": webhook_batch,
}
PAIRS = list(itertools.product(DOORS, repeat=2))


async def _scans_and_version(api: Api, order_id: str) -> tuple[int, int]:
    timeline = await api.timeline(order_id)
    order = await api.read(order_id)
    return len([e for e in timeline if e["type"] == "TRACKING_EVENT_RECORDED"]), order["version"]


@pytest.mark.parametrize(("first", "then"), PAIRS, ids=[f"{a}-then-{b}" for a, b in PAIRS])
async def test_the_same_scan_through_two_doors_is_one_scan(api: Api, first: str, then: str) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZDOOR")
    scan = _scan(api, "1ZDOOR")
    assert await DOORS[first](api, scan) == ("RECORDED", order["id"])
    after_first = await _scans_and_version(api, order["id"])
    assert after_first[0] == 1
    assert await DOORS[then](api, scan) == ("DUPLICATE", order["id"])
    assert await _scans_and_version(api, order["id"]) == after_first  # nothing recorded


async def test_a_repeat_days_later_is_still_one_scan(api: Api, settings: Settings) -> None:
    """The receipts are gone (they are kept 10 minutes): the parcel itself knows the scan."""
    order = await api.order_in("SHIPPED", tracking="1ZLATER")
    scan = _scan(api, "1ZLATER")
    assert await graphql_single(api, scan) == ("RECORDED", order["id"])
    before = await _scans_and_version(api, order["id"])
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client[settings.mongodb_db]["webhook_receipts"].delete_many({})
    await client.close()
    api.clock.advance(timedelta(days=2))
    for door in DOORS.values():
        assert await door(api, scan) == ("DUPLICATE", order["id"])
    assert await _scans_and_version(api, order["id"]) == before


async def test_the_same_moment_written_with_another_offset_is_the_same_scan(api: Api) -> None:
    order = await api.order_in("SHIPPED", tracking="1ZOFFSET")
    scan = _scan(api, "1ZOFFSET")
    assert await webhook_single(api, scan) == ("RECORDED", order["id"])
    in_new_york = api.clock().astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert await graphql_single(api, scan | {"occurredAt": in_new_york}) == (
        "DUPLICATE",
        order["id"],
    )


async def test_another_scan_of_the_same_parcel_is_recorded(api: Api) -> None:
    """What makes a scan the same is all of its content: another place is another scan."""
    order = await api.order_in("SHIPPED", tracking="1ZNEXT")
    assert await graphql_single(api, _scan(api, "1ZNEXT")) == ("RECORDED", order["id"])
    elsewhere = _scan(api, "1ZNEXT", location={"city": "Memphis", "countryCode": "US"})
    assert await webhook_single(api, elsewhere) == ("RECORDED", order["id"])
    assert (await _scans_and_version(api, order["id"]))[0] == 2


async def test_every_door_takes_one_batch_limit(api: Api) -> None:
    scans = [_scan(api, f"1ZMANY{n}") for n in range(501)]
    body = await api.gql(BATCH, {"inputs": scans}, as_=UPS)
    assert body["data"]["recordTrackingEvents"]["errors"] == [{"code": "VALIDATION"}]
    status, answer = await _hook(
        api, [{k: v for k, v in s.items() if k != "carrier"} for s in scans]
    )
    assert status == 422
    assert "1 to 500 scans" in answer["errors"][0]["message"]
