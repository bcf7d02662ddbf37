"""The demo data a newcomer's first run shows: every order and event dated in the past, and
each seller's standing as the docs describe it."""

from __future__ import annotations

from datetime import timedelta

from api.demo import seed_demo
from domain.kernel.identity import Role
from domain.kernel.ports import PageWindow
from domain.orders.ports import OrderQuery
from domain.seller_tools.performance import HealthFigure, health_spans
from storage.database import Database
from storage.figures import MongoSellerFigures
from storage.ids import new_id
from storage.repositories import Repositories
from tests.data import T0
from tests.fakes import FakePublisher, Marketplace


async def test_nothing_in_the_demo_is_dated_after_the_moment_it_was_made(
    database: Database,
) -> None:
    repos = Repositories.on(database)
    created = await seed_demo(repos, new_id, FakePublisher(Marketplace()), now=T0)
    assert created >= 12
    events = [doc async for doc in database.db["events"].find({})]
    assert events
    assert max(doc["occurred_at"] for doc in events) <= T0
    # The newest order is the one still in its buyer's cancel hold, placed minutes ago.
    newest = (await repos.orders.page(OrderQuery(), PageWindow(1, None))).items[0]
    assert T0 - timedelta(minutes=10) <= newest.placed_at <= T0
    # Each seller's feed is numbered from 1 with no gap, in the order the demo wrote it.
    for seller in ("seller-acme", "seller-bolt"):
        feed = [r async for r in repos.events.party_events_after(Role.SELLER, seller, 0)]
        assert [r.positions.seller for r in feed if r.positions] == list(range(1, len(feed) + 1))


async def test_the_demo_sellers_standing_is_what_the_docs_say(database: Database) -> None:
    repos = Repositories.on(database)
    await seed_demo(repos, new_id, FakePublisher(Marketplace()), now=T0)
    figures = MongoSellerFigures(database)
    standing = {}
    for seller in ("seller-acme", "seller-bolt"):
        counts = await figures.health(seller, health_spans(T0, None))
        standing[seller] = {
            metric.value: HealthFigure(metric, span, *counts[metric]).status.value
            for metric, span in health_spans(T0, None).items()
        }
    assert set(standing["seller-acme"].values()) == {"GOOD"}
    # A handful of orders: one late shipment or one cancellation is a large share of them.
    assert standing["seller-bolt"] == {
        "ORDER_DEFECT_RATE": "POOR",
        "LATE_SHIPMENT_RATE": "POOR",
        "LATE_SHIPMENT_RATE_10_DAYS": "POOR",
        "PRE_FULFILLMENT_CANCEL_RATE": "POOR",
        "VALID_TRACKING_RATE": "POOR",
        "ON_TIME_DELIVERY_RATE": "POOR",
        # Beside the status: its defect is a 2-star feedback; no buyer has written to it.
        "NEGATIVE_FEEDBACK_RATE": "POOR",
        "A_TO_Z_CLAIM_RATE": "GOOD",
        "CHARGEBACK_RATE": "GOOD",
        "RESPONSE_TIME_UNDER_24_HOURS": "GOOD",
    }
