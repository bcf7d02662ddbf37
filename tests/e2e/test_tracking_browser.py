"""The tracking page leads with the promise a buyer wants, for every status and after a delay,
counted on the marketplace's clock; behind-the-scenes events stay off the buyer's timeline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Browser, expect

from tests.api.client import BUYER, SELLER
from tests.e2e.conftest import LiveServer
from tests.e2e.test_pages_browser import WIDTHS, open_page


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_promise_comes_first_for_every_status(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    expected = {
        "PENDING": "Waiting for your payment to be confirmed",
        "UNSHIPPED": "Arriving ",
        "OUT_FOR_DELIVERY": "Arriving today",
        "DELIVERED": "Delivered ",
        "CANCELED": "Canceled",
    }
    for status, words in expected.items():
        order = await api.order_in(status)
        page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
        await expect(page.locator("#promise")).to_contain_text(words)
        await expect(page.locator("#order-id")).to_have_text(order["id"][-8:].upper())
        if status == "DELIVERED":
            timeline = await page.locator("#timeline").inner_text()
            assert "Charged" not in timeline  # billing is not the buyer's story
        await page.close()
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_delay_and_a_missed_promise_say_so(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    order = await api.order_in("IN_TRANSIT")
    later = (api.clock().date() + timedelta(days=9)).isoformat()
    delay = {
        "orderId": order["id"],
        "revisedEarliest": later,
        "revisedLatest": later,
        "reason": "storm",
    }
    await api.ok("reportDelay", "input: $input", {"input": delay}, as_=SELLER)
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    day = date.fromisoformat(later)
    await expect(page.locator("#promise")).to_contain_text("Delayed: now arriving")
    await expect(page.locator("#promise")).to_contain_text(str(day.day))
    # The alert says what happened, once: not "Delayed. Delayed: storm".
    await expect(page.locator("#alert")).to_have_text("The carrier reports: storm.")
    await expect(page.locator("#latest")).to_contain_text("Latest: In transit")
    api.clock.advance(timedelta(days=12))  # past even the revised date
    await page.reload()
    await expect(page.locator("#promise")).to_contain_text("Running late: it was due")
    await expect(page.locator("#window")).to_have_text("")  # a window gone by is not shown
    texts = [await page.locator(s).inner_text() for s in ("#promise", "#alert")]
    assert sum(t.count("Running late") for t in texts) == 1, texts
    assert "Delayed. Delayed" not in " ".join(texts)
    assert outside == []


async def test_times_are_shown_where_they_happened_and_today_is_the_destinations(
    browser: Browser, live: LiveServer
) -> None:
    """The review's case: a Monday-morning delivery in Lisbon, read from Los Angeles, where it
    is still Sunday evening: the scan and the delivery in Lisbon's time, labelled WET."""
    api = live.api
    outside: list[str] = []
    api.clock.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    order = await api.order_in("SHIPPED", tracking="1ZZONES")
    api.clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # a Saturday
    await api.scan("1ZZONES", "OUT_FOR_DELIVERY", city="Lisbon", country="PT")  # WET
    base = f"http://127.0.0.1:{live.port}"
    context = await browser.new_context(timezone_id="America/Los_Angeles", locale="en-US")
    token = json.dumps(api.token(BUYER))
    await context.add_init_script(f"localStorage.setItem('orderwire.token', {token});")
    context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page = await context.new_page()
    # Monday 7 December 06:00 UTC: Sunday 22:00 in Los Angeles, Monday in Lisbon. The
    # Saturday out-for-delivery scan is stale: it promises nothing today.
    api.clock.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    await page.goto(f"{base}/track/{order['id']}")
    await expect(page.locator("#status")).to_have_attribute("data-status", "OUT_FOR_DELIVERY")
    await expect(page.locator("#promise")).not_to_have_text("Arriving today")
    await expect(page.locator("#latest")).to_contain_text("Sat, Dec 5, 9:00 AM WET")

    api.clock.now = datetime(2026, 12, 7, 8, 35, tzinfo=UTC)
    await api.scan("1ZZONES", "OUT_FOR_DELIVERY", city="Lisbon", country="PT")
    await expect(page.locator("#promise")).to_have_text("Arriving today")  # Monday in Lisbon
    await api.scan("1ZZONES", "DELIVERED", city="Lisbon", country="PT")
    await expect(page.locator("#promise")).to_have_text("Delivered today at 8:35 AM WET")
    newest = page.locator("#timeline li").first
    await expect(newest).to_contain_text("Mon, Dec 7, 8:35 AM WET")
    await expect(newest).to_contain_text("Delivered · Lisbon, PT")
    await context.close()
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_buyer_cancels_returns_and_writes_from_the_page(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    fresh = await api.order_in("UNSHIPPED")
    page = await open_page(browser, live, f"/track/{fresh['id']}", BUYER, outside, width=width)
    await page.locator("#cancel").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.locator("#action-result")).to_have_text("Your order is canceled.")
    await expect(page.locator("#status")).to_have_attribute("data-status", "CANCELED")

    late = await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(hours=1))  # the buyer's own 30 minutes are over
    page = await open_page(browser, live, f"/track/{late['id']}", BUYER, outside, width=width)
    await page.locator("#cancel").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.locator("#action-result")).to_contain_text("write to the seller instead")
    assert (await api.read(late["id"]))["status"] == "UNSHIPPED"  # a refusal changes nothing
    await page.locator("#message-body").fill("Could you cancel it for me?")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#action-result")).to_contain_text("on its way to the seller")

    delivered = await api.order_in("DELIVERED")
    page = await open_page(browser, live, f"/track/{delivered['id']}", BUYER, outside, width=width)
    await page.locator("#return-reason").select_option("DAMAGED")
    await page.locator("#return").click()
    await page.get_by_role("button", name="Yes, start a return").click()
    await expect(page.locator("#action-result")).to_contain_text("Return started: accepted")
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_an_order_in_two_parcels_shows_each_with_its_own_progress(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    order = await api.order_in("UNSHIPPED")
    first, second = f"1ZA{order['id'][-6:]}", f"1ZB{order['id'][-6:]}"
    await api.ship(order["id"], tracking=first, items=[{"sku": "MUG-01", "quantity": 2}])
    await api.ship(order["id"], tracking=second, items=[{"sku": "LAMP-7", "quantity": 1}])
    await api.scan(first, "OUT_FOR_DELIVERY", city="Austin")
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    parcels = page.locator("#parcels > li.parcel")
    await expect(parcels).to_have_count(2)
    one, two = (
        page.locator(f'[data-tracking="{first}"]'),
        page.locator(f'[data-tracking="{second}"]'),
    )
    await expect(one.locator("h4")).to_have_text("Parcel 1 of 2: Out for delivery")
    await expect(one.locator('[aria-current="step"]')).to_have_text("Out for delivery")
    await expect(one).to_contain_text("2 \N{MULTIPLICATION SIGN} Mug")
    await expect(one).to_contain_text("in Austin, US")
    await expect(two.locator("h4")).to_have_text("Parcel 2 of 2: Shipped")
    await expect(two.locator('[aria-current="step"]')).to_have_text("Shipped")
    await expect(two).to_contain_text("1 \N{MULTIPLICATION SIGN} Lamp")
    await api.scan(second, "DELIVERED")  # live: only the second block moves
    await expect(two.locator('[aria-current="step"]')).to_have_text("Delivered")
    await expect(one.locator('[aria-current="step"]')).to_have_text("Out for delivery")
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_buyer_returns_chosen_items_and_follows_the_return_to_its_refund(
    browser: Browser, live: LiveServer, width: int
) -> None:
    """The review's case: "Return items" took every item, was still offered once nothing was
    left and then refused; the page never showed the return, its label or its refund."""
    from tests.api.graphql.after_sale.test_conversation import _send
    from tests.api.returns_helpers import bring_back, delivered_order, ok, refund_input

    api = live.api
    outside: list[str] = []
    order = await delivered_order(api)  # 2 mugs and a lamp
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    mugs = page.locator('.return-quantity[data-sku="MUG-01"]')
    await expect(mugs).to_have_attribute("max", "2")
    await mugs.fill("1")
    await page.locator('.return-quantity[data-sku="LAMP-7"]').fill("0")
    await page.locator("#return-reason").select_option("DAMAGED")
    await page.locator("#return").click()
    await expect(page.locator("#action-confirm")).to_contain_text("Return 1 \u00d7 Mug?")
    await page.get_by_role("button", name="Yes, start a return").click()
    await expect(page.locator("#action-result")).to_contain_text("Return started")
    returns = page.locator("#returns > li")
    await expect(returns).to_have_count(1)
    await expect(returns.first).to_contain_text("1 \u00d7 Mug \u00b7 Arrived damaged")
    await expect(mugs).to_have_attribute("max", "1")  # one mug is left to return
    return_id = await returns.first.get_attribute("data-return")
    assert return_id is not None

    # The seller sends a label, the parcel goes back, the refund lands: each shows, live.
    await bring_back(api, return_id, tracking="1ZRETURN")
    await expect(returns.first).to_contain_text("received by the seller")
    await expect(returns.first.locator(".label")).to_contain_text("UPS, tracking number 1ZRETURN")
    await ok(api, "refundReturn", "input: $input", refund_input(return_id, "r-1"), as_=SELLER)
    await expect(returns.first.locator(".refund")).to_contain_text("Refunded")
    await expect(returns.first).to_have_attribute("data-status", "REFUNDED")
    await expect(page.locator("#timeline")).to_contain_text("Refunded $12.99")

    # Both sides of the conversation, as they come.
    await _send(api, order["id"], "Sorry about the mug: the refund is on its way.", SELLER)
    thread = page.locator("#thread li")
    await expect(thread).to_have_count(1)
    await expect(thread.first).to_contain_text("The seller")
    await page.locator("#message-body").fill("Thank you!")
    await page.get_by_role("button", name="Send").click()
    await expect(thread).to_have_count(2)
    await expect(thread.last).to_contain_text("You")

    # Returning all that is left: afterwards nothing more is offered.
    await page.locator('.return-quantity[data-sku="MUG-01"]').fill("1")
    await page.locator('.return-quantity[data-sku="LAMP-7"]').fill("1")
    await page.locator("#return").click()
    await page.get_by_role("button", name="Yes, start a return").click()
    await expect(returns).to_have_count(2)
    await expect(page.locator("#return")).to_have_count(0)
    await expect(page.locator("#return-items-field")).to_be_hidden()
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_page_shows_the_orders_money_its_dated_steps_and_the_carriers_link(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    order = await api.order_in(
        "IN_TRANSIT", tracking="1Z999AA10123456784", shippingFee={"amount": 599, "currency": "USD"}
    )
    page = await open_page(browser, live, f"/track/{order['id']}", BUYER, outside, width=width)
    money = page.locator("#money")
    await expect(money).to_contain_text("Items$71.97")  # 2 x 12.99 + 45.99
    await expect(money).to_contain_text("Shipping$5.99")
    await expect(money.locator(".total")).to_have_text("$77.96")
    await expect(page.locator("#facts .speed")).to_have_text("Standard shipping")
    steps = page.locator("#progress li")
    await expect(steps.nth(0).locator(".step-date")).not_to_be_empty()
    await expect(steps.nth(1).locator(".step-date")).not_to_be_empty()
    await expect(steps.nth(3).locator(".step-date")).to_have_count(0)  # not delivered yet
    link = page.locator("#parcels a.code")
    await expect(link).to_have_attribute(
        "href", "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert outside == []  # a link not followed asks nothing of the carrier
