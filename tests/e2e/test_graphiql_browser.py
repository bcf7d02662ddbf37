"""GraphiQL in headless Chromium with every request outside the server blocked."""

from __future__ import annotations

import json

from playwright.async_api import Browser, Page

from api.clock import ManualClock
from api.settings import Settings
from api.web.graphiql import ASSETS, assets_installed
from tests.api.client import BUYER, OPERATOR
from tests.e2e.conftest import LiveServer, blocked_page, serving


async def _open_graphiql(
    browser: Browser, live: LiveServer, query: str, outside: list[str]
) -> Page:
    base = f"http://127.0.0.1:{live.port}"
    page = await blocked_page(browser, base, outside)
    headers = json.dumps({"Authorization": f"Bearer {live.api.token(BUYER)}"})
    await page.add_init_script(
        f"localStorage.setItem('graphiql:query', {json.dumps(query)});"
        f"localStorage.setItem('graphiql:headers', {json.dumps(headers)});"
    )
    await page.goto(f"{base}/graphql", wait_until="networkidle")
    await page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
    return page


async def test_graphiql_runs_a_query_offline(browser: Browser, live: LiveServer) -> None:
    order = await live.api.place()
    outside: list[str] = []
    page = await _open_graphiql(
        browser, live, "query Mine { orders(first: 5) { nodes { id status } } }", outside
    )
    await page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    await result.get_by_text(order["id"]).wait_for(timeout=15_000)
    assert "PENDING" in await result.inner_text()
    assert outside == []


async def test_graphiql_shows_a_live_subscription_event(browser: Browser, live: LiveServer) -> None:
    order = await live.api.place()
    outside: list[str] = []
    subscription = f'subscription Watch {{ orderUpdates(orderId: "{order["id"]}") {{ event {{ type }} order {{ status }} }} }}'
    page = await _open_graphiql(browser, live, subscription, outside)
    await page.click(".graphiql-execute-button")
    await live.wait_for_subscribers(1)
    await live.api.ok("verifyPayment", "orderId: $orderId", {"orderId": order["id"]}, as_=OPERATOR)
    result = page.locator(".result-window")
    await result.get_by_text("PAYMENT_VERIFIED").wait_for(timeout=15_000)
    assert "UNSHIPPED" in await result.inner_text()
    assert outside == []


async def test_only_listed_assets_are_served(live: LiveServer) -> None:
    http = live.api.http
    for name in ASSETS:
        response = await http.get(f"/graphiql/{name}")
        assert response.status_code == (200 if assets_installed() else 503), name
    assert (await http.get("/graphiql/..%2Fpackage.json")).status_code == 404
    assert (await http.get("/graphiql/index.html")).status_code == 404


async def _cold_page(browser: Browser, base: str, outside: list[str]) -> Page:
    """GraphiQL as a first visitor finds it: nothing stored, no token."""
    page = await blocked_page(browser, base, outside)
    await page.goto(f"{base}/graphql", wait_until="networkidle")
    await page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
    return page


async def test_a_cold_graphiql_shows_the_schema_without_a_token(
    browser: Browser, live: LiveServer
) -> None:
    outside: list[str] = []
    page = await _cold_page(browser, f"http://127.0.0.1:{live.port}", outside)
    await page.get_by_label("Show Documentation Explorer").click()
    explorer = page.locator(".graphiql-doc-explorer")
    await explorer.get_by_text("Query", exact=True).first.wait_for(timeout=15_000)

    await explorer.get_by_text("Order", exact=True).first.wait_for(timeout=15_000)
    text = await page.content()
    assert "Error fetching schema" not in text
    assert "invalid token" not in text
    # No demo users on this server: no picker.
    assert await page.get_by_label("Sign in as").count() == 0
    assert outside == []


async def test_sign_in_as_a_demo_user_fills_the_headers_and_runs_the_default_tab(
    browser: Browser, settings: Settings, clock: ManualClock
) -> None:
    demo = settings.model_copy(update={"demo_users": True})
    async with serving(demo, clock) as server:
        outside: list[str] = []
        page = await _cold_page(browser, f"http://127.0.0.1:{server.port}", outside)
        picker = page.get_by_label("Sign in as")
        await picker.select_option(label="buyer buyer-ana")
        await page.wait_for_timeout(800)  # the headers settle; the schema is fetched again
        await page.click(".graphiql-execute-button")
        operations = page.locator(".graphiql-dropdown-item")
        if await operations.count():
            await operations.get_by_text("MyOrders").click()
        result = page.locator(".result-window")
        await result.get_by_text("buyer-ana").wait_for(timeout=15_000)
        assert "BUYER" in await result.inner_text()
        # The same tab's subscription signs its socket in with the picked user's token.
        await page.click(".graphiql-execute-button")
        await page.locator(".graphiql-dropdown-item").get_by_text("Live").click()
        await server.wait_for_subscribers(1)
        # On a phone the editor's toolbar would cover the picker: it stays on top, usable.
        await page.set_viewport_size({"width": 375, "height": 812})
        box = await picker.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = await page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('.orderwire-signin') !== null",
            [x, y],
        )
        assert on_top, "something covers the picker at 375 px"
        # The panes are stacked: the query above its result, each as wide as the screen.
        editors = await page.locator(".graphiql-editors").bounding_box()
        answer = await page.locator(".graphiql-response").bounding_box()
        assert editors is not None
        assert answer is not None
        assert answer["width"] >= 250, answer  # it was 37 px beside the editor
        assert answer["y"] >= editors["y"] + editors["height"] - 1, (editors, answer)
        await picker.select_option(label="nobody (schema only)")
        assert outside == []


async def test_a_refused_subscription_shows_the_servers_reason_at_once(
    browser: Browser, live: LiveServer
) -> None:
    outside: list[str] = []
    base = f"http://127.0.0.1:{live.port}"
    page = await blocked_page(browser, base, outside)
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    query = "subscription NoToken { myOrderUpdates { cursor } }"
    await page.add_init_script(
        f"localStorage.setItem('graphiql:query', {json.dumps(query)});"
        "localStorage.setItem('graphiql:headers', '{}');"
    )
    await page.goto(f"{base}/graphql", wait_until="networkidle")
    await page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
    await page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    await result.get_by_text("connection_init").wait_for(timeout=5_000)  # the server's words
    assert "isTrusted" not in await result.inner_text()
    await page.wait_for_timeout(1_500)
    assert len(sockets) == 1  # refused once, not tried again
    assert outside == []
