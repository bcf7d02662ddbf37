"""Trackers registered out: each parcel on its way registered once with the shop's tracking
provider (a local server speaking AfterShip's, EasyPost's or Shippo's tracker API), its state
visible on `Shipment.trackingRegistration`; failures retried, a lost answer never a second
tracker, a refusal for good given up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.app import create_app
from api.background import registrar_for
from api.clock import ManualClock
from api.settings import Settings
from outbound.tracker_clients import CARRIER_SLUGS
from outbound.trackers import Registrar
from storage.database import Database
from tests.api.client import OPERATOR, SELLER, Api
from tests.tracking_providers import API_KEY, Trackers, tracking_provider


@dataclass
class Tracking:
    api: Api
    trackers: Trackers
    registrar: Registrar


@pytest.fixture(params=["aftership", "easypost", "shippo"])
async def tracking(
    request: pytest.FixtureRequest, settings: Settings, clock: ManualClock, database: Database
) -> AsyncIterator[Tracking]:
    trackers = Trackers(request.param)
    with tracking_provider(trackers) as url:
        configured = settings.model_copy(
            update={
                "tracking_provider": request.param,
                "tracking_provider_api_key": API_KEY,
                "tracking_provider_url": url,
                "tracker_poll_seconds": 3600.0,  # the test runs the registrar pass by pass
                "tracker_retry_base_seconds": 60.0,  # a retry waits for the clock to move
                "tracker_timeout_seconds": 0.5,
                "tracker_lease_seconds": 0.5,
            }
        )
        registrar = registrar_for(database, configured, clock)
        assert registrar is not None
        app = create_app(configured, clock=clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://orderwire.test"
            ) as h:
                api = Api(h, configured.signing_secret(), clock)
                await api.open_shops()
                yield Tracking(api, trackers, registrar)
        await registrar.close()


REGISTRATION = """query($id: ID!) { order(id: $id) { shipments { trackingId
  trackingRegistration { provider state attempts trackerId lastError }
} } }"""


async def registration(api: Api, order_id: str) -> list[dict[str, Any]]:
    body = await api.gql(REGISTRATION, {"id": order_id}, as_=OPERATOR)
    return [s["trackingRegistration"] for s in body["data"]["order"]["shipments"]]


async def test_a_confirmed_shipment_is_registered_once_and_its_state_shown(
    tracking: Tracking,
) -> None:
    api, trackers, registrar = tracking.api, tracking.trackers, tracking.registrar
    order = await api.order_in("SHIPPED", tracking="1ZREG1")
    assert await registration(api, order["id"]) == [None]  # made by the registrar's pass
    assert await registrar.run_once() == 1
    assert trackers.created == [(CARRIER_SLUGS["UPS"][trackers.provider], "1ZREG1")]
    [shown] = await registration(api, order["id"])
    assert shown == {
        "provider": trackers.provider,
        "state": "REGISTERED",
        "attempts": 1,
        "trackerId": "trk_1",
        "lastError": None,
    }
    assert await registrar.run_once() == 0  # met once
    assert trackers.count() == 1
    # A number put right goes on its way too: registered in its turn.
    shipment = (await api.read(order["id"], fields="shipments { id }"))["shipments"][0]["id"]
    corrected = await api.gql(
        """mutation($input: CorrectTrackingInput!) { correctTracking(input: $input) {
          order { id } errors { code } } }""",
        {"input": {"shipmentId": shipment, "carrier": "UPS", "trackingId": "1ZREG2"}},
        as_=SELLER,
    )
    assert corrected["data"]["correctTracking"]["errors"] == []
    assert await registrar.run_once() == 1
    assert [number for _, number in trackers.created] == ["1ZREG1", "1ZREG2"]


async def test_a_failure_is_retried_and_said_until_it_is_registered(tracking: Tracking) -> None:
    api, trackers, registrar = tracking.api, tracking.trackers, tracking.registrar
    trackers.fail_next = [503]
    order = await api.order_in("SHIPPED", tracking="1ZREG3")
    assert await registrar.run_once() == 0
    [pending] = await registration(api, order["id"])
    assert (pending["state"], pending["attempts"]) == ("PENDING", 1)
    assert "503" in pending["lastError"]
    assert await registrar.run_once() == 0  # not due yet
    api.clock.advance(timedelta(minutes=2))
    assert await registrar.run_once() == 1
    [done] = await registration(api, order["id"])
    assert (done["state"], done["attempts"], done["lastError"]) == ("REGISTERED", 2, None)
    assert trackers.count() == 1


async def test_a_lost_answer_never_makes_a_second_tracker(tracking: Tracking) -> None:
    api, trackers, registrar = tracking.api, tracking.trackers, tracking.registrar
    trackers.lose_next = 1  # registered by the provider; its answer never comes
    order = await api.order_in("SHIPPED", tracking="1ZREG4")
    assert await registrar.run_once() == 0  # timed out
    assert trackers.holding.is_set()
    [pending] = await registration(api, order["id"])
    assert (pending["state"], pending["attempts"]) == ("PENDING", 1)
    trackers.release.set()
    api.clock.advance(timedelta(minutes=2))
    assert await registrar.run_once() == 1  # asked first, and found it
    [done] = await registration(api, order["id"])
    assert (done["state"], done["trackerId"]) == ("REGISTERED", "trk_1")
    assert trackers.count() == 1


async def test_a_refusal_for_good_is_given_up_and_said(tracking: Tracking) -> None:
    api, trackers, registrar = tracking.api, tracking.trackers, tracking.registrar
    trackers.fail_next = [422]
    order = await api.order_in("SHIPPED", tracking="1ZREG5")
    assert await registrar.run_once() == 0
    [failed] = await registration(api, order["id"])
    assert (failed["state"], failed["attempts"]) == ("FAILED", 1)
    assert "422" in failed["lastError"]
    assert await registrar.run_once() == 0  # given up: not tried again
    assert trackers.count() == 0
    metrics = (await api.http.get("/metrics")).text
    assert "orderwire_tracker_registrations_total" in metrics


def test_a_provider_needs_its_api_key(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="ORDERWIRE_TRACKING_PROVIDER_API_KEY"):
        Settings.model_validate({**settings.model_dump(), "tracking_provider": "easypost"})


async def test_a_parcel_delivered_before_the_registrar_met_it_is_not_registered(
    tracking: Tracking,
) -> None:
    api, trackers, registrar = tracking.api, tracking.trackers, tracking.registrar
    order = await api.order_in("DELIVERED", tracking="1ZREG6")
    assert await registrar.run_once() == 0
    assert await registration(api, order["id"]) == [None]
    assert trackers.count() == 0
