"""The reference pages in headless Chromium, every request outside the server blocked: the
buyer's tracking page follows a parcel live and through a server restart; both pages read at
375 pixels. The seller's board: tests/e2e/test_seller_board_browser.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from api.clock import ManualClock
from api.settings import Settings
from api.web.pages import FILES
from domain.kernel.identity import Actor
from tests.api.client import BUYER, OTHER_BUYER, SELLER
from tests.e2e.conftest import LiveServer, blocked_page, serving

# The widths every page feature is tried at: a laptop, and a phone.
WIDTHS = [1280, 375]


async def open_page(
    browser: Browser,
    live: LiveServer,
    path: str,
    actor: Actor | None,
    outside: list[str],
    *,
    width: int = 1024,
) -> Page:
    base = f"http://127.0.0.1:{live.port}"
    page = await blocked_page(browser, base, outside)
    await page.set_viewport_size({"width": width, "height": 900})
    if actor is not None:
        token = json.dumps(live.api.token(actor))
        await page.add_init_script(f"localStorage.setItem('orderwire.token', {token});")
    await page.goto(f"{base}{path}")
    return page


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_tracking_page_moves_from_shipped_to_delivered_live(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    order = await api.order_in("SHIPPED", tracking="1ZPAGE")
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    status = page.locator("#status")
    await expect(status).to_have_attribute("data-status", "SHIPPED")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(page.locator("#progress [aria-current=step] .step-name")).to_have_text("Shipped")
    await expect(page.locator("#parcels")).to_contain_text("UPS, tracking number 1ZPAGE")
    # The shop by its name in the directory, not its handle.
    await expect(page.locator("#facts .seller")).to_have_text("Shop seller-1")

    for tag, city in (("IN_TRANSIT", "Memphis"), ("OUT_FOR_DELIVERY", "Lisbon")):
        api.clock.advance(timedelta(hours=3))
        await api.scan("1ZPAGE", tag, city=city)
    await expect(status).to_have_attribute("data-status", "OUT_FOR_DELIVERY")
    await expect(page.locator("#parcels")).to_contain_text("in Lisbon, US")
    api.clock.advance(timedelta(hours=3))
    await api.scan("1ZPAGE", "DELIVERED", city="Lisbon")
    await expect(status).to_have_attribute("data-status", "DELIVERED")
    await expect(page.locator("#progress [aria-current=step] .step-name")).to_have_text("Delivered")
    newest = page.locator("#timeline li").first
    await expect(newest).to_contain_text("Delivered · Lisbon, US")
    # The buyer's story: every event but billing and the seller's own deadlines.
    behind = {"PaymentCaptured", "PaymentAuthorizationReleased", "TrackingStalled", "ShipByMissed"}
    story = [e for e in await api.timeline(order["id"]) if e["__typename"] not in behind]
    assert await page.locator("#timeline li").count() == len(story)
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_tracking_page_survives_a_server_restart_and_shows_the_missed_scans(
    browser: Browser, settings: Settings, clock: ManualClock, width: int
) -> None:
    outside: list[str] = []
    async with serving(settings, clock) as first:
        port = first.port
        order = await first.api.order_in("SHIPPED", tracking="1ZBOUNCE")
        page = await open_page(browser, first, f"/track/{order['id']}", BUYER, outside, width=width)
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    # The server is gone: the page says it is reconnecting.
    await expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    await expect(page.locator("#connection")).to_contain_text("Reconnecting")
    # Meanwhile the parcel moves on, recorded by another instance on the same database.
    async with serving(settings, clock) as other:
        for tag in ("IN_TRANSIT", "DELIVERED"):
            clock.advance(timedelta(hours=2))
            await other.api.scan("1ZBOUNCE", tag)
    async with serving(settings, clock, port=port):
        await expect(page.locator("#connection")).to_have_attribute(
            "data-state", "live", timeout=15_000
        )
        await expect(page.locator("#status")).to_have_attribute("data-status", "DELIVERED")
        # The first missed update already carries the order as it is now (DELIVERED): the
        # second scan's entry may show a moment after the status does.
        for n in (0, 1):
            await expect(page.locator("#timeline li").nth(n)).to_have_attribute(
                "data-type", "TRACKING_EVENT_RECORDED"
            )
        sequences = await page.locator("#timeline li").evaluate_all(
            "items => items.map(i => Number(i.dataset.sequence))"
        )
        assert sequences == sorted(set(sequences), reverse=True)  # each once, newest first
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_tracking_page_says_when_the_order_is_not_found_or_the_token_is_wrong(
    browser: Browser, live: LiveServer, width: int
) -> None:
    outside: list[str] = []
    order = await live.api.order_in("SHIPPED")
    stranger = await open_page(
        browser, live, f"/track/{order['id']}", OTHER_BUYER, outside, width=width
    )
    await expect(stranger.locator("#problem")).to_contain_text(
        f"We cannot find order {order['id']}"
    )
    assert await stranger.locator("#order").is_hidden()

    page = await open_page(browser, live, f"/track/{order['id']}", None, outside, width=width)
    await page.evaluate("localStorage.setItem('orderwire.token', 'not-a-token')")
    await page.reload()
    await expect(page.locator("#problem")).to_contain_text("Your sign-in is not valid")
    await expect(page.locator("#signin")).to_be_visible()
    # Pasting the buyer's token signs in, by keyboard alone.
    await page.locator("#token").fill(live.api.token(BUYER))
    await page.locator("#token").press("Enter")
    await expect(page.locator("#status")).to_have_attribute("data-status", "SHIPPED")
    assert outside == []


async def test_both_pages_are_readable_at_320_pixels(browser: Browser, live: LiveServer) -> None:
    outside: list[str] = []
    order = await live.api.order_in("IN_TRANSIT")
    for path, actor in ((f"/track/{order['id']}", BUYER), ("/seller", SELLER)):
        page = await open_page(browser, live, path, actor, outside, width=320)
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
        assert await page.locator("main h1").count() == 1
        await page.keyboard.press("Tab")  # the first stop is the skip link
        assert await page.evaluate("document.activeElement.className") == "skip"
    assert outside == []


@pytest.fixture
async def demo(settings: Settings, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with serving(settings, clock, demo=True) as server:
        yield server


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_demo_user_signs_in_from_the_picker(
    browser: Browser, demo: LiveServer, width: int
) -> None:
    outside: list[str] = []
    page = await open_page(browser, demo, "/seller", None, outside, width=width)
    await expect(page.locator("#demo")).to_be_visible()
    await page.locator("#demo-user").select_option(label="seller-acme (seller)")
    await page.locator("#signin button[type=submit]").click()
    await expect(page.locator("#who")).to_have_text("Signed in as seller-acme")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    assert await page.locator("#orders > tr").count() > 0
    assert outside == []


async def test_only_the_pages_own_files_are_served(live: LiveServer) -> None:
    http = live.api.http
    for name in FILES:
        assert (await http.get(f"/pages/{name}")).status_code == 200, name
    for name in ("track.html", "screenshots/track.png", "..%2F..%2Fapp.py", "nope.js"):
        assert (await http.get(f"/pages/{name}")).status_code == 404, name
    page = await http.get("/track/anything")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
