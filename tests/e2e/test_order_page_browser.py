"""The order page (/track/{id}) for the order's seller, in headless Chromium at 1280 and 375
px: the whole ship-to, and Seller Central's order actions (confirm the shipment, cancel with a
reason, refund), each confirmed first, answered in words and redrawn from the answer; a
refusal is said and changes nothing. The buyer's page keeps the buyer's actions only."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.api.client import BUYER, OTHER_BUYER, SELLER, WAREHOUSE
from tests.api.http.test_seller_files import SET_SHIP_FROM
from tests.e2e.conftest import LiveServer
from tests.e2e.test_pages_browser import WIDTHS, open_page


async def _confirm(page: Page, button: str) -> None:
    await page.get_by_role("button", name=button).click()
    await page.locator("#action-confirm button").first.click()


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_seller_ships_refunds_and_cancels_from_the_order_page(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    await api.order_in("SHIPPED", tracking="1ZSOMEONE", as_=OTHER_BUYER)
    order = await api.order_in("UNSHIPPED")
    page = await open_page(browser, live, f"/track/{order['id']}", SELLER, outside, width=width)
    await expect(page.locator("h1")).to_have_text("Order details")
    await expect(page.locator(".ship-to")).to_contain_text("12 Rua Augusta")
    await expect(page.locator("#thread-title")).to_have_text("Your conversation with the buyer")
    result = page.locator("#action-result")

    # Another buyer's live parcel has this number: said, and nothing changes.
    await page.locator("#ship-tracking").fill("1ZSOMEONE")
    await _confirm(page, "Confirm shipment")
    await expect(result).to_contain_text("Not done")
    assert (await api.read(order["id"]))["status"] == "UNSHIPPED"

    await page.locator("#ship-carrier").select_option("UPS")
    await page.locator("#ship-tracking").fill("1ZORDERPAGE")
    await _confirm(page, "Confirm shipment")
    await expect(result).to_have_text("Shipment confirmed: UPS 1ZORDERPAGE.")
    await expect(page.locator("#status")).to_have_attribute("data-status", "SHIPPED")
    await expect(page.locator("#seller-ship")).to_have_count(0)  # nothing left to ship
    shipped = await api.read(order["id"])
    assert [s["trackingId"] for s in shipped["shipments"]] == ["1ZORDERPAGE"]

    await page.locator("#refund-amount").fill("5.00")
    await page.locator("#refund-reason").select_option("ITEM_DAMAGED")
    await _confirm(page, "Refund")
    await expect(result).to_contain_text("Refunded")
    await expect(page.locator("#money")).to_contain_text("Refunded")
    refunded = await api.read(order["id"], fields="refunded { amount }")
    assert refunded["refunded"]["amount"] == 500

    other = await api.order_in("UNSHIPPED")
    await page.goto(page.url.replace(order["id"], other["id"]))
    await page.locator("#cancel-reason").select_option("No inventory")
    await _confirm(page, "Cancel order")
    await expect(result).to_have_text("The order is canceled.")
    await expect(page.locator("#status")).to_have_attribute("data-status", "CANCELED")
    canceled = await api.read(other["id"], fields="status cancelReason")
    assert (canceled["status"], canceled["cancelReason"]) == ("CANCELED", "No inventory")
    assert outside == []


async def test_the_buyer_sees_the_buyers_actions_and_a_masked_ship_to(
    browser: Browser, live: LiveServer
) -> None:
    outside: list[str] = []
    order = await live.api.order_in("UNSHIPPED")
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=375)
    await expect(page.get_by_role("button", name="Cancel order")).to_be_visible()
    await expect(page.locator(".ship-to")).not_to_contain_text("Rua Augusta")
    for form in ("#seller-ship", "#seller-cancel", "#seller-refund"):
        await expect(page.locator(form)).to_have_count(0)
    assert outside == []
