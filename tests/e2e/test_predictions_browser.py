"""The tracking page leads with the predicted day beside the promise, and the seller board
flags the orders at risk (docs/predictions.md), on the history of tests/api/forecast_helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from playwright.async_api import Browser, expect

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER, SELLER
from tests.api.forecast_helpers import history, shipped
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.test_pages_browser import open_page


@pytest.fixture
async def learned(settings: Settings, clock: ManualClock) -> AsyncIterator[LiveServer]:
    learning = settings.model_copy(update={"forecast_learn_seconds": 0.02})
    async with serving(learning, clock) as server:
        await history(server.api)
        yield server


async def test_the_page_says_the_likely_day_and_the_board_flags_the_risk(
    browser: Browser, learned: LiveServer
) -> None:
    api = learned.api
    on_track = await shipped(api, "1ZPAGE0001", "deliverBy")
    at_risk = await shipped(api, "1ZPAGE0002", "deliverBy")
    api.clock.advance(timedelta(days=1))  # Tuesday
    await api.scan("1ZPAGE0001", "IN_TRANSIT", city="Columbus")
    await api.scan("1ZPAGE0002", "IN_TRANSIT", city="Memphis")
    outside: list[str] = []

    page = await open_page(browser, learned, f"/track/{on_track['id']}", BUYER, outside)
    thursday = date.fromisoformat(on_track["deliverBy"]) - timedelta(days=2)
    promise = page.locator("#promise")
    await expect(promise).to_contain_text("Arriving ")
    await expect(promise).to_contain_text(f" {thursday.day}; promised by ")
    await expect(promise).to_contain_text(f" {date.fromisoformat(on_track['deliverBy']).day}")
    timeline = await page.locator("#timeline").inner_text()
    assert "risk" not in timeline.lower()
    await page.close()

    late = await open_page(browser, learned, f"/track/{at_risk['id']}", BUYER, outside)
    monday = date.fromisoformat(at_risk["deliverBy"]) + timedelta(days=2)
    await expect(late.locator("#promise")).to_contain_text(f" {monday.day}; promised by ")
    await late.close()

    board = await open_page(browser, learned, "/seller", SELLER, outside)
    await board.locator("#filter-status").select_option("SHIPPED")
    flagged = board.locator(f'tr[data-order="{at_risk["id"]}"] .at-risk')
    await expect(flagged).to_contain_text("At risk: likely")
    await expect(flagged).to_contain_text(str(monday.day))
    await expect(board.locator(f'tr[data-order="{on_track["id"]}"] .at-risk')).to_have_count(0)
    await board.close()
    assert outside == []
