"""Predicted delivery through GraphQL: learned from the orders delivered before, revised at
every scan and as the days pass, and a risk episode recorded once (docs/predictions.md), on
the history of tests/api/forecast_helpers.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from api.settings import Settings
from tests.api import forecast_helpers
from tests.api.client import OPERATOR, Api
from tests.api.forecast_helpers import PREDICTED, history

READ = f"""id status deliverBy predictedDelivery {{ {PREDICTED} }}
shipments {{ id predictedDelivery {{ {PREDICTED} }} }}
timeline {{ type
  ... on DeliveryAtRisk {{ shipmentId onTimeProbability predicted deliverBy actorRole }}
  ... on DeliveryBackOnTrack {{ shipmentId onTimeProbability predicted deliverBy }}
}}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app learns what is delivered every 20 ms, not every 30 s."""
    return settings.model_copy(update={"forecast_learn_seconds": 0.02})


@pytest.fixture
async def learned(api: Api) -> Api:
    """The app, once the history is delivered."""
    await history(api)
    return api


async def shipped(api: Api, tracking: str) -> dict[str, Any]:
    return await forecast_helpers.shipped(api, tracking, READ)


def risk_events(order: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = order["timeline"]
    assert isinstance(timeline, list)
    return [e for e in timeline if e["type"] in ("DELIVERY_AT_RISK", "DELIVERY_BACK_ON_TRACK")]


async def test_a_parcel_is_predicted_from_its_lane_and_revised_at_each_scan(learned: Api) -> None:
    api = learned
    monday = api.clock().date()
    order = await shipped(api, "1ZNEW0001")
    assert order["deliverBy"] == str(monday + timedelta(days=5))  # Saturday
    (parcel,) = order["shipments"]
    at_shipment = parcel["predictedDelivery"]
    assert at_shipment == order["predictedDelivery"]  # one parcel: the order's is its own
    assert at_shipment["basis"] == "LANE"
    assert at_shipment["date"] == str(monday + timedelta(days=3))  # Thursday, as half did
    assert (at_shipment["earliest"], at_shipment["latest"]) == (
        str(monday + timedelta(days=3)),
        str(monday + timedelta(days=7)),
    )
    assert at_shipment["onTimeProbability"] == 0.5
    assert at_shipment["atRisk"] is False
    assert risk_events(order) == []

    # Seen at Memphis on Tuesday: it arrives Monday, after the promise. At risk, once.
    api.clock.advance(timedelta(days=1))
    await api.scan("1ZNEW0001", "IN_TRANSIT", city="Memphis")
    api.clock.advance(timedelta(hours=1))
    await api.scan("1ZNEW0001", "IN_TRANSIT", city="Memphis")
    order = await api.read(str(order["id"]), fields=READ)
    revised = order["shipments"][0]["predictedDelivery"]
    assert (revised["date"], revised["onTimeProbability"], revised["atRisk"]) == (
        str(monday + timedelta(days=7)),
        0.0,
        True,
    )
    assert risk_events(order) == [
        {
            "type": "DELIVERY_AT_RISK",
            "shipmentId": parcel["id"],
            "onTimeProbability": 0.0,
            "predicted": str(monday + timedelta(days=7)),
            "deliverBy": str(monday + timedelta(days=5)),
            "actorRole": "OPERATOR",
        }
    ]

    # Then at Columbus: Thursday after all. The episode ends.
    api.clock.advance(timedelta(hours=1))
    await api.scan("1ZNEW0001", "IN_TRANSIT", city="Columbus")
    order = await api.read(str(order["id"]), fields=READ)
    back = order["shipments"][0]["predictedDelivery"]
    assert (back["date"], back["onTimeProbability"], back["atRisk"]) == (
        str(monday + timedelta(days=3)),
        1.0,
        False,
    )
    assert [e["type"] for e in risk_events(order)] == [
        "DELIVERY_AT_RISK",
        "DELIVERY_BACK_ON_TRACK",
    ]

    await api.scan("1ZNEW0001", "DELIVERED", city="Lisbon")
    delivered = await api.read(str(order["id"]), fields=READ)
    assert delivered["predictedDelivery"] is None
    assert delivered["shipments"][0]["predictedDelivery"] is None


async def test_a_parcel_silent_past_its_lane_is_put_at_risk_by_the_daily_check(
    learned: Api,
) -> None:
    api = learned
    monday = api.clock().date()
    order = await shipped(api, "1ZNEW0002")
    api.clock.advance(timedelta(days=1))
    await api.scan("1ZNEW0002", "IN_TRANSIT", city="Columbus")
    seen = (await api.read(str(order["id"]), fields=READ))["predictedDelivery"]
    assert (seen["date"], seen["onTimeProbability"]) == (str(monday + timedelta(days=3)), 1.0)

    watch = "mutation { watchDeadlines { recorded { type count } } }"
    api.clock.advance(timedelta(hours=14))  # Tuesday 23:00 in Lisbon: as silent as usual
    body = await api.gql(watch, as_=OPERATOR)
    assert body["data"]["watchDeadlines"]["recorded"] == []

    # Friday 00:00: no scan since Tuesday, when every parcel seen at Columbus had arrived by
    # Thursday; the parcels of its lane as silent as that were the slow ones, Monday's.
    api.clock.advance(timedelta(days=2, hours=1))
    body = await api.gql(watch, as_=OPERATOR)
    assert body["data"]["watchDeadlines"]["recorded"] == [{"type": "DELIVERY_AT_RISK", "count": 1}]
    late = await api.read(str(order["id"]), fields=READ)
    assert late["predictedDelivery"]["date"] == str(monday + timedelta(days=7))
    assert late["predictedDelivery"]["revisedAt"].startswith(str(monday + timedelta(days=4)))
    assert late["predictedDelivery"]["atRisk"] is True

    api.clock.advance(timedelta(days=1))  # Saturday: still at risk, not told again
    body = await api.gql(watch, as_=OPERATOR)
    assert body["data"]["watchDeadlines"]["recorded"] == []
    again = await api.read(str(order["id"]), fields=READ)
    assert [e["type"] for e in risk_events(again)] == ["DELIVERY_AT_RISK"]


async def test_with_nothing_learned_the_promise_stands_in(api: Api) -> None:
    order = await api.verify((await api.place())["id"])
    await api.ship(order["id"], tracking="1ZALONE01")
    found = await api.read(order["id"], fields=READ)
    predicted = found["predictedDelivery"]
    assert predicted["basis"] == "PROMISE"
    assert predicted["date"] == found["deliverBy"]
    assert predicted["onTimeProbability"] is None
    assert predicted["sampleSize"] == 0
    assert date.fromisoformat(predicted["earliest"]) < date.fromisoformat(predicted["date"])
