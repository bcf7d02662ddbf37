"""GraphiQL in headless Chromium with every request outside the server blocked."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

from api.http.graphiql import ASSETS, assets_installed
from tests.api.client import BUYER, OPERATOR
from tests.e2e.conftest import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None or not assets_installed():
        missing = (
            "Chromium" if CHROMIUM is None else "GraphiQL's npm files (npm ci in api/http/graphiql)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} missing under CI: .ci/run installs it before the tests")
        pytest.skip(f"{missing} not found; `bash .ci/run` installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        yield launched
        await launched.close()


async def _open_graphiql(
    browser: Browser, live: LiveServer, query: str, outside: list[str]
) -> Page:
    base = f"http://127.0.0.1:{live.port}"
    page = await browser.new_page()

    async def only_our_server(route: Route) -> None:
        if route.request.url.startswith(base):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_our_server)
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
