"""The seller's board against a feed that is late: updates it already shows, arriving while the
view changes, take nothing away. The page's socket runs through Playwright's WebSocket route to
the real server; the test only decides when the server's messages reach the page."""

from __future__ import annotations

import asyncio
import json

from playwright.async_api import Browser, Page, Route, WebSocketRoute, expect

from tests.api.client import SELLER
from tests.e2e.conftest import LiveServer, blocked_page, wait_until


class HeldFeed:
    """Passes the page's socket to the server, holding the server's updates while told to."""

    def __init__(self) -> None:
        self.holding = True
        self.held: list[str | bytes] = []
        self.page: WebSocketRoute | None = None

    def route(self, page: WebSocketRoute) -> None:
        self.page = page
        server = page.connect_to_server()
        page.on_message(server.send)
        server.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        assert self.page is not None
        if self.holding and json.loads(message).get("type") == "next":
            self.held.append(message)
        else:
            self.page.send(message)

    def holds_about(self, order_id: str) -> bool:
        return any(order_id in str(m) for m in self.held)

    def release(self) -> None:
        assert self.page is not None
        self.holding = False
        for message in self.held:
            self.page.send(message)
        self.held.clear()


async def test_updates_the_board_already_shows_arriving_as_the_view_changes_keep_the_selection(
    browser: Browser, live: LiveServer
) -> None:
    api = live.api
    outside: list[str] = []
    shipped = await api.order_in("SHIPPED")
    waiting = await api.order_in("UNSHIPPED")
    base = f"http://127.0.0.1:{live.port}"
    page: Page = await blocked_page(browser, base, outside)
    feed = HeldFeed()
    await page.route_web_socket(lambda url: url.startswith("ws"), feed.route)
    to_ship_asked = asyncio.Event()
    to_ship_answer = asyncio.Event()

    async def hold_the_to_ship_read(route: Route) -> None:
        body = route.request.post_data or ""
        if "BoardPage" in body and "UNSHIPPED" in body and not to_ship_asked.is_set():
            to_ship_asked.set()
            await to_ship_answer.wait()
        await route.fallback()

    token = json.dumps(api.token(SELLER))
    await page.add_init_script(f"localStorage.setItem('orderwire.token', {token});")
    await page.goto(f"{base}/seller")
    await page.locator("#filter-status").select_option("ALL")
    await expect(page.locator("#orders > tr")).to_have_count(2)
    await page.locator("#select-page").check()
    await expect(page.locator("#selected-count")).to_have_text("2 selected")
    # The feed starts a few updates back: it replays the shipped order's updates, held here.
    await wait_until(lambda: feed.holds_about(shipped["id"]), 15, "the replayed updates")
    await page.route("**/graphql", hold_the_to_ship_read)
    await page.locator("#filter-status").select_option("TO_SHIP")
    await asyncio.wait_for(to_ship_asked.wait(), 15)
    # While "To ship" is being read, the held updates arrive, then one that is new: a third
    # order to ship, which the page places by reading the view again.
    third = await api.order_in("UNSHIPPED")
    await wait_until(lambda: feed.holds_about(third["id"]), 15, "the third order's update")
    feed.release()
    rows = page.locator("#orders > tr")
    await expect(page.locator(f'tr[data-order="{third["id"]}"]')).to_have_count(1)
    assert set(await rows.evaluate_all("rows => rows.map(r => r.dataset.order)")) == {
        waiting["id"],
        third["id"],
    }
    await expect(page.locator("#selected-count")).to_have_text("2 selected")
    to_ship_answer.set()  # the earlier read's answer, overtaken, is dropped
    await page.locator("#bulk-cancel").click()
    await page.locator("#cancel-reason").select_option("No inventory")
    await page.locator("#cancel-form button[type=submit]").click()
    await expect(page.locator("#problem")).to_contain_text(
        f"1 of 2 orders could not be canceled. {shipped['id']}:"
    )
    assert (await api.read(waiting["id"]))["status"] == "CANCELED"
    assert (await api.read(third["id"]))["status"] == "UNSHIPPED"
    assert outside == []
