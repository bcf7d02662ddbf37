"""Signing in on the pages through the shop's identity provider, in Chromium against a real
oidc-provider: its login page, back to the order with the token in memory only, renewed before
it expires while live updates keep coming, and a sign-out at the provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Request, Route, expect

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import SELLER
from tests.e2e.conftest import LiveServer, listening, serving
from tests.e2e.identity_provider import (
    API_BRIEF,
    PAGES_CLIENT,
    IdentityProvider,
    identity_provider,
)


@pytest.fixture
async def signing_in(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[LiveServer, IdentityProvider]]:
    """orderwire whose pages sign in through the provider; its tokens live 8 s."""
    sock = listening()  # held, so that the redirect URIs the provider knows stay ours
    port = sock.getsockname()[1]
    pages = [f"http://127.0.0.1:{port}/{kind}" for kind in ("track", "seller", "graphql")]
    async with identity_provider(
        tmp_path, redirect_uris=pages, default_resource=API_BRIEF
    ) as provider:
        configured = settings.model_copy(
            update={
                **provider.settings(),
                "oidc_client_id": PAGES_CLIENT,
                "oidc_scopes": "openid orders",
            }
        )
        async with serving(configured, clock, sock=sock) as server:
            yield server, provider


async def _log_in(page: Page, login: str, button: str = "Sign in with your shop account") -> None:
    """The provider's own login and consent pages, as a person fills them in."""
    await page.get_by_role("button", name=button, exact=True).click()
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password")
    await page.get_by_role("button", name="Sign-in").click()
    await page.get_by_role("button", name="Continue").click()


async def test_a_buyer_signs_in_at_the_provider_follows_the_order_and_signs_out(
    browser: Browser, signing_in: tuple[LiveServer, IdentityProvider]
) -> None:
    server, provider = signing_in
    base = f"http://127.0.0.1:{server.port}"
    order = await server.api.place()
    page = await browser.new_page()
    renewals: list[str] = []

    def note_renewal(request: Request) -> None:
        if request.url.startswith(provider.address) and "refresh_token" in (
            request.post_data or ""
        ):
            renewals.append(request.url)

    page.on("request", note_renewal)
    await page.goto(f"{base}/track/{order['id']}")
    await expect(page.locator("#signin")).to_be_hidden()  # no "Bearer token" box
    await _log_in(page, "buyer-1")

    await expect(page.locator("#who")).to_have_text("Signed in as buyer-1")
    assert page.url == f"{base}/track/{order['id']}"  # the code and state tidied away
    await expect(page.locator("#order-id")).to_have_attribute("title", order["id"])
    await expect(page.locator("#connection")).to_have_text("Live: updates appear as they happen.")
    stored = await page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "eyJ" not in stored  # no token in web storage: it lives in the page's memory

    # Past the first token's expiry (8 s): renewed with the refresh token, socket reopened.
    await page.wait_for_timeout(9_000)
    assert renewals, "the page did not renew its token"
    await server.api.verify(order["id"])
    await expect(page.locator("#status")).to_have_text("Status: Preparing to ship")
    await expect(page.locator("#problem")).to_be_hidden()

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("button", name="Yes, sign me out").click()
    await page.wait_for_url(f"{base}/track/{order['id']}")
    await expect(page.get_by_role("button", name="Sign in with your shop account")).to_be_visible()
    await expect(page.locator("#order")).to_be_hidden()


async def _placed_and_opened(
    browser: Browser, server: LiveServer, path: str
) -> tuple[str, dict[str, Any], Page]:
    """An order placed, and a new page at `path` ({id} standing for the order's id)."""
    base = f"http://127.0.0.1:{server.port}"
    order = await server.api.place()
    page = await browser.new_page()
    await page.goto(base + path.format(id=order["id"]))
    return base, order, page


async def test_a_seller_signs_in_on_the_board_with_the_shop_id_claim(
    browser: Browser, signing_in: tuple[LiveServer, IdentityProvider]
) -> None:
    base, order, page = await _placed_and_opened(browser, signing_in[0], "/seller")
    await _log_in(page, "seller-1")
    await expect(page.locator("#who")).to_have_text(f"Signed in as {SELLER.id}")
    assert page.url == f"{base}/seller"
    await page.locator("#filter-status").select_option("ALL")  # placed, not yet paid
    await expect(page.locator(f"[data-order='{order['id']}']")).to_be_visible()


async def test_a_sign_in_the_provider_refuses_is_said_in_words(
    browser: Browser, signing_in: tuple[LiveServer, IdentityProvider]
) -> None:
    base, order, page = await _placed_and_opened(browser, signing_in[0], "/track/{id}")
    await page.get_by_role("button", name="Sign in with your shop account").click()
    await page.locator("input[name=login]").fill("buyer-1")
    await page.locator("input[name=password]").fill("any password")
    await page.get_by_role("button", name="Sign-in").click()
    # The person declines at the consent step: the provider answers access_denied.
    await page.get_by_role("link", name="[ Cancel ]").click()
    await page.wait_for_url(f"{base}/track/{order['id']}")
    await expect(page.locator("#problem")).to_contain_text("refused the sign-in")
    await expect(page.get_by_role("button", name="Sign in with your shop account")).to_be_visible()


async def test_graphiql_signs_in_at_the_provider_and_runs_with_the_token_in_memory(
    browser: Browser, signing_in: tuple[LiveServer, IdentityProvider]
) -> None:
    server, _ = signing_in
    base = f"http://127.0.0.1:{server.port}"
    page = await browser.new_page()
    await page.goto(f"{base}/graphql")
    await _log_in(page, "buyer-1", button="Sign in")
    await expect(page.get_by_text("Signed in", exact=True)).to_be_visible()
    assert page.url == f"{base}/graphql"
    await page.click(".graphiql-execute-button")
    dropdown = page.locator(".graphiql-dropdown-item")
    if await dropdown.count():
        await dropdown.get_by_text("MyOrders").click()
    result = page.locator(".result-window")
    await result.get_by_text("buyer-1").wait_for(timeout=15_000)
    assert "BUYER" in await result.inner_text()
    stored = await page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "eyJ" not in stored  # tabs and history are kept without the token


async def test_a_reload_keeps_the_sign_in_and_a_sign_in_that_ends_leaves_the_page(
    browser: Browser, signing_in: tuple[LiveServer, IdentityProvider]
) -> None:
    """The review's cases: a reload forgot the sign-in; without a renewal the warning had no
    button, and at expiry the order was hidden while the header still named the buyer."""
    server, provider = signing_in
    base = f"http://127.0.0.1:{server.port}"
    order = await server.api.place()
    page = await browser.new_page()
    await page.goto(f"{base}/track/{order['id']}")
    await _log_in(page, "buyer-1")
    await expect(page.locator("#who")).to_have_text("Signed in as buyer-1")

    # A reload signs in again at the provider's session, with no page of its own.
    await page.reload()
    await expect(page.locator("#who")).to_have_text("Signed in as buyer-1")
    await expect(page.locator("#order-id")).to_have_attribute("title", order["id"])
    assert page.url == f"{base}/track/{order['id']}"
    stored = await page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "eyJ" not in stored  # still no token in web storage

    # The provider will not renew this session: the page says so, with a way back in.
    async def no_renewal(route: Route) -> None:
        if "refresh_token" in (route.request.post_data or ""):
            await route.fulfill(status=400, json={"error": "invalid_grant"})
        else:
            await route.continue_()

    await page.route(f"{provider.address}/**", no_renewal)
    problem = page.locator("#problem")
    await expect(problem).to_contain_text("cannot be renewed", timeout=10_000)
    await expect(problem.get_by_role("button", name="Sign in again")).to_be_visible()
    # At expiry the order stays on the page, marked as no longer kept current.
    await expect(page.locator("#who")).to_have_text(
        "Signed out: your sign-in ended", timeout=10_000
    )
    await expect(page.locator("#order")).to_be_visible()
    await expect(page.locator("#order")).to_have_class("stale")
    await expect(problem).to_contain_text("no longer kept up to date")
    await expect(page.locator("#signout")).to_be_hidden()
    await page.unroute(f"{provider.address}/**")
    await problem.get_by_role("button", name="Sign in again").click()
    await expect(page.locator("#who")).to_have_text("Signed in as buyer-1", timeout=10_000)
    assert page.url == f"{base}/track/{order['id']}"
