"""axe-core's accessibility rules on the three pages a person uses, in Chromium: no violation of
any impact on the tracking page, the seller board or GraphiQL, at 1280 and at 375 px."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER, SELLER
from tests.e2e.conftest import serving

AXE = Path(__file__).parents[1] / "schema_tools" / "node_modules" / "axe-core" / "axe.min.js"


async def _violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 160))}))"
    )
    return found


async def test_the_pages_have_no_accessibility_violations_at_either_width(
    browser: Browser, settings: Settings, clock: ManualClock
) -> None:
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core missing under CI: `make test` runs npm ci in tests/schema_tools")
        pytest.skip("tests/schema_tools/node_modules missing: `make test` runs npm ci there")
    # A demo server: GraphiQL shows its "Sign in as" picker, whose label axe once found faint.
    demo = settings.model_copy(update={"demo_users": True})
    async with serving(demo, clock) as live:
        api = live.api
        order = await api.order_in("IN_TRANSIT")
        unshipped = await api.order_in("UNSHIPPED")
        base = f"http://127.0.0.1:{live.port}"
        # axe is injected as a script of its own: the test's context may bypass the policy.
        context = await browser.new_context(bypass_csp=True)
        found = {}
        for width in (1280, 375):
            for path, actor, ready in (
                (f"/track/{order['id']}", BUYER, "#promise"),
                (f"/track/{order['id']}", SELLER, "#seller-refund"),  # the seller's order page
                (f"/track/{unshipped['id']}", SELLER, "#seller-ship"),
                ("/seller", SELLER, "#orders > tr"),
                ("/graphql", None, ".orderwire-signin select"),
            ):
                page = await context.new_page()
                await page.set_viewport_size({"width": width, "height": 900})
                if actor is not None:
                    token = json.dumps(api.token(actor))
                    await page.add_init_script(f"localStorage.setItem('orderwire.token', {token});")
                await page.goto(base + path)
                await expect(page.locator(ready).first).to_be_visible(timeout=20_000)
                who = "nobody" if actor is None else actor.id
                found[f"{path} as {who} at {width} px"] = await _violations(page)
                await page.close()
        await context.close()
    assert found == {path: [] for path in found}, json.dumps(found, indent=1)
