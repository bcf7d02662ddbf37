"""The whole loop with each tracking provider, on a real server: a shipment confirmed, its
parcel registered with the provider (a local server speaking its tracker API), and the
provider's first checkpoint posted back, signed as it signs, recorded on the order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from api.settings import Settings
from tests.api.client import OPERATOR
from tests.e2e.conftest import LiveServer
from tests.tracking_providers import API_KEY, Trackers, tracking_provider

WEBHOOK_SECRET = "loop-webhook-secret"
SEEN = """query($id: ID!) { order(id: $id) { status timeline { ... on TrackingScanned { tag } }
  shipments { trackingRegistration { state } } } }"""


@pytest.fixture(params=["aftership", "easypost", "shippo"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def trackers(provider: str) -> Trackers:
    return Trackers(provider, webhook_secret=WEBHOOK_SECRET)


@pytest.fixture
def provider_url(trackers: Trackers) -> Iterator[str]:
    with tracking_provider(trackers) as url:
        yield url


@pytest.fixture
def settings(settings: Settings, provider: str, provider_url: str) -> Settings:
    return settings.model_copy(
        update={
            "tracking_provider": provider,
            "tracking_provider_api_key": API_KEY,
            "tracking_provider_url": provider_url,
            "tracker_poll_seconds": 0.1,
            f"{provider}_webhook_secrets": [WEBHOOK_SECRET],
        }
    )


async def test_a_shipment_is_registered_and_its_first_checkpoint_comes_back(
    trackers: Trackers, live: LiveServer, provider: str
) -> None:
    trackers.webhook_url = f"http://127.0.0.1:{live.port}/webhooks/{provider}"
    trackers.clock = live.api.clock
    order = await live.api.order_in("SHIPPED", tracking="1ZLOOP1")
    deadline = time.monotonic() + 20
    while True:
        body = await live.api.gql(SEEN, {"id": order["id"]}, as_=OPERATOR)
        seen = body["data"]["order"]
        scans = [e["tag"] for e in seen["timeline"] if e]
        if scans:
            break
        assert time.monotonic() < deadline, (seen, trackers.posted)
        await asyncio.sleep(0.1)
    assert scans == ["INFO_RECEIVED"]
    assert seen["shipments"][0]["trackingRegistration"] == {"state": "REGISTERED"}
    assert trackers.count() == 1
    # The provider notes the answer once its post returns, which may be after the scan is
    # already readable.
    while not trackers.posted:  # the provider's thread appends it
        assert time.monotonic() < deadline, "the provider's post never returned"
        await asyncio.sleep(0.05)
    assert trackers.posted == [200]
