"""A tracking aggregator's checkpoints and estimate on the buyer's tracking page, in Chromium:
AfterShip posts to the real server, the page shows the scans, a checkpoint without a place, and
the carrier's estimate beside the marketplace's promise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from api.settings import Settings
from tests.api.client import BUYER
from tests.api.http.test_aftership_webhook import SECRET, checkpoint, post, update
from tests.e2e.conftest import LiveServer
from tests.e2e.test_pages_browser import WIDTHS, open_page


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"aftership_webhook_secrets": [SECRET]})


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_tracking_page_shows_an_aggregators_scans_and_the_carriers_estimate(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    order = await api.order_in("SHIPPED", tracking="1ZPAGEAS")
    api.clock.advance(timedelta(hours=5))
    steps = [
        checkpoint(api, "InfoReceived", "InfoReceived_001", after=-timedelta(hours=4)),
        checkpoint(
            api,
            "InTransit",
            "InTransit_007",
            after=-timedelta(hours=1),
            city="Madrid",
            country="ESP",
        ),
    ]
    body = update("1ZPAGEAS", steps)
    body["msg"]["aftership_estimated_delivery_date"] = {"estimated_delivery_date": "2099-01-15"}
    assert (await post(api, body)).json()["summary"] == {"RECORDED": 2}
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    await expect(page.locator(".carrier-estimate")).to_contain_text("UPS expects it")
    await expect(page.locator(".carrier-estimate")).to_contain_text("(via AfterShip)")
    await expect(page.locator("#timeline")).to_contain_text("Madrid, ES")
    await expect(page.locator("#timeline")).to_contain_text("UPS now expects it")
    await expect(page.locator("#latest")).to_contain_text("Madrid")
    assert outside == []
