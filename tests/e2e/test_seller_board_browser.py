"""The seller's board in headless Chromium: a queue the server filters, sorts and pages, kept
current live without losing selection or focus, and bulk actions that answer row by row."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from playwright.async_api import Browser, Route, expect
from pymongo import AsyncMongoClient

from api.clock import ManualClock
from api.settings import Settings
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.shipping import Address, DeliveryOption, FulfillmentChannel, ShippingSpeed
from domain.orders.line_items import LineItem
from domain.orders.order import Order
from storage.orders import order_document
from tests.api.client import ADDRESS, BUYER, OPERATOR, OTHER_BUYER, SELLER, WAREHOUSE
from tests.api.http.test_seller_files import SET_SHIP_FROM
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.test_pages_browser import WIDTHS, open_page


async def store_paid_orders(
    settings: Settings,
    count: int,
    placed: Callable[[int], datetime],
    verified: datetime,
    prefix: str = "page",
) -> list[str]:
    """Paid standard orders written straight to the database, many at once."""
    documents = []
    for n in range(count):
        order, _ = Order.place(
            order_id=f"ord_{prefix}{n:06d}",
            buyer=Actor(BUYER.id, Role.BUYER),
            seller_id=SELLER.id,
            items=[LineItem("MUG-01", "Mug", 1, Money(1299, "USD"))],
            shipping_address=Address("Ana Lima", "12 Rua Augusta", "Lisbon", "1100-053", "PT"),
            channel=FulfillmentChannel.MFN,
            speed=ShippingSpeed.STANDARD,
            delivery_option=DeliveryOption.DOOR,
            now=placed(n),
        )
        order.verify_payment(Actor(OPERATOR.id, Role.OPERATOR), verified)
        documents.append(order_document(order))
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client[settings.mongodb_db]["orders"].insert_many(documents)
    await client.close()
    return [str(d["_id"]) for d in documents]


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_queue_updates_live_in_place_and_follows_its_filters(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    soon = await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(hours=1))
    later = await api.order_in("UNSHIPPED")
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    rows = page.locator("#orders > tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.order)") == [
        soon["id"],
        later["id"],
    ]
    await expect(rows.first.locator(".countdown")).to_contain_text("Ship within")
    await expect(page.locator("#totals")).to_contain_text("0 overdue")

    # Select a row and put focus in the search box: a live change keeps both.
    await page.locator(f'tr[data-order="{later["id"]}"] .pick').check()
    await page.locator("#search").focus()
    started = time.monotonic()
    fresh = await api.order_in("UNSHIPPED")  # paid just now: it joins the queue at the top
    await expect(page.locator(f'tr[data-order="{fresh["id"]}"]')).to_be_visible(timeout=1_000)
    assert time.monotonic() - started < 1.5
    await expect(page.locator(f'tr[data-order="{fresh["id"]}"]')).to_have_class("fresh")
    assert await page.locator(f'tr[data-order="{later["id"]}"] .pick').is_checked()
    assert await page.evaluate("document.activeElement.id") == "search"

    await api.ok(
        "cancelOrder",
        "orderId: $orderId, reason: $reason",
        {"orderId": soon["id"], "reason": "out of stock"},
        as_=SELLER,
    )
    # Canceled, it is no longer one to ship: its row leaves the view and the count follows.
    await expect(page.locator(f'tr[data-order="{soon["id"]}"]')).to_have_count(0)
    await expect(page.locator("#count")).to_have_text("2 shown of 2")
    await page.locator("#filter-status").select_option("CANCELED")
    await expect(page.locator("#heading")).to_have_text("Canceled orders")
    await expect(rows).to_have_count(1)
    await page.locator("#filter-status").select_option("ALL")
    await page.locator("#filter-channel").select_option("FBA")
    await expect(rows).to_have_count(0)
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_bulk_confirmation_answers_each_row_and_a_refusal_blocks_nothing(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    first, second, third = [await api.order_in("UNSHIPPED") for _ in range(3)]
    # Another buyer's live parcel has this id (one buyer's orders may share a box's).
    taken = await api.order_in("SHIPPED", tracking="1ZTAKEN", as_=OTHER_BUYER)
    await api.gql(SET_SHIP_FROM, {"id": SELLER.id, "address": WAREHOUSE}, as_=SELLER)
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await expect(page.locator("#orders > tr")).to_have_count(3)
    await page.locator("#select-page").check()
    await expect(page.locator("#selected-count")).to_have_text("3 selected")
    await page.locator("#bulk-ship").click()
    sheet = page.locator("#ship-sheet")
    await sheet.fill(f"{first['id']},1ZBULK1\nnot a row")
    await page.locator("#ship-form button[type=submit]").click()
    await expect(page.locator("#ship-sheet-problem")).to_contain_text("Row 2 of the sheet")
    await sheet.fill(f"{first['id']},1ZBULK1\n{second['id']},1ZTAKEN\n{third['id']}\t1ZBULK3")
    await page.locator("#ship-form button[type=submit]").click()
    # Shipped, two leave the queue of orders to ship; the refused one stays, saying why.
    await expect(page.locator("#done")).to_have_text("2 of 3 shipments confirmed.")
    await expect(page.locator(f'tr[data-order="{second["id"]}"] .result')).to_contain_text(
        "Refused"
    )
    await expect(page.locator("#orders > tr")).to_have_count(1)
    await expect(page.locator("#count")).to_have_text("1 shown of 1")
    statuses = [(await api.read(o["id"]))["status"] for o in (first, second, third)]
    assert statuses == ["SHIPPED", "UNSHIPPED", "SHIPPED"]
    await expect(page.locator("#selected-count")).to_have_text("1 selected")  # the refused one
    assert taken["id"] not in await page.locator("#orders").inner_text()
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_packing_slips_print_in_one_pdf_for_the_selection(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    orders = [await api.order_in("UNSHIPPED") for _ in range(2)]
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await expect(page.locator("#orders > tr")).to_have_count(2)
    await page.locator("#select-page").check()
    async with (
        page.expect_response("**/packing-slips.pdf?**") as answer,
        page.context.expect_page(),
    ):
        await page.locator("#bulk-slips").click()
    response = await answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    asked = response.url.split("?", 1)[1].split("&")
    assert sorted(asked) == sorted(f"order={o['id']}" for o in orders)
    # The same request as the page made: one document, a page per slip.
    again = await api.http.get(
        response.url.replace(f"http://127.0.0.1:{live.port}", ""),
        headers={"authorization": f"Bearer {api.token(SELLER)}"},
    )
    pdf = pypdf.PdfReader(io.BytesIO(again.content))
    assert len(pdf.pages) == 2
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_bulk_cancel_gives_each_order_its_reason_and_a_refusal_blocks_nothing(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    first = await api.order_in("UNSHIPPED")
    gone = await api.order_in("SHIPPED")  # too late to cancel: refused in the middle
    last = await api.order_in("UNSHIPPED")
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await page.locator("#filter-status").select_option("ALL")
    await expect(page.locator("#orders > tr")).to_have_count(3)
    await page.locator("#select-page").check()
    await page.locator("#bulk-cancel").click()
    await page.locator("#cancel-form button[type=submit]").click()
    await expect(page.locator("#problem")).to_contain_text("Choose a reason for")
    await page.locator("#cancel-reason").select_option("No inventory")
    await page.locator(f'.cancel-own[data-order="{last["id"]}"]').select_option("Buyer canceled")
    await page.locator("#cancel-form button[type=submit]").click()
    await expect(page.locator(f'tr[data-order="{gone["id"]}"] .result')).to_contain_text("Refused")
    await expect(page.locator(f'tr[data-order="{first["id"]}"] .result')).to_have_text("Canceled")
    await expect(page.locator(f'tr[data-order="{last["id"]}"] .result')).to_have_text("Canceled")
    reasons = {}
    for order in (first, last):
        canceled = [e for e in await api.timeline(order["id"]) if e["type"] == "ORDER_CANCELED"]
        reasons[order["id"]] = canceled[0]["reason"]
    assert reasons == {first["id"]: "No inventory", last["id"]: "Buyer canceled"}
    assert (await api.read(gone["id"]))["status"] == "SHIPPED"
    await expect(page.locator("#selected-count")).to_have_text("1 selected")  # the refused one
    assert outside == []


async def test_paging_through_a_thousand_orders_shows_each_once(
    browser: Browser, live: LiveServer, settings: Settings
) -> None:
    """1,000 paid orders, stored at once, walked 100 a page forward and then back."""
    now = live.api.clock()
    # Ship-by days repeat: ties break by id.
    await store_paid_orders(settings, 1_000, lambda n: now - timedelta(minutes=n % 350), now)

    outside: list[str] = []
    page = await open_page(browser, live, "/seller", SELLER, outside)
    await page.locator("#page-size").select_option("100")
    rows = page.locator("#orders > tr")
    await expect(page.locator("#count")).to_have_text("100 shown of 1000")
    seen: list[str] = []
    pages: list[list[str]] = []
    while True:
        ids = await rows.evaluate_all("rows => rows.map(r => r.dataset.order)")
        pages.append(ids)
        seen += ids
        if await page.locator("#next").is_disabled():
            break
        await page.locator("#next").click()
        await expect(rows.first).not_to_have_attribute("data-order", ids[0])
    assert len(seen) == 1_000
    assert len(set(seen)) == 1_000  # none twice
    for back in reversed(pages[:-1][-3:]):  # and back again, page by page
        await page.locator("#previous").click()
        await expect(rows.first).to_have_attribute("data-order", back[0])
        assert await rows.evaluate_all("rows => rows.map(r => r.dataset.order)") == back
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_buyers_request_to_cancel_shows_on_its_row_and_in_its_queue(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    asked, quiet = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(hours=1))
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await api.ok(
        "requestCancellation",
        "orderId: $orderId, reason: $reason",
        {"orderId": asked["id"], "reason": "Ordered twice"},
        as_=BUYER,
    )
    row = page.locator(f'tr[data-order="{asked["id"]}"]')
    await expect(row.locator(".cancel-request")).to_have_text("Buyer asks to cancel: Ordered twice")
    await expect(page.locator(f'tr[data-order="{quiet["id"]}"] .cancel-request')).to_have_count(0)
    await page.locator("#filter-status").select_option("REQUESTED")
    await expect(page.locator("#heading")).to_have_text("Cancellation requests")
    rows = page.locator("#orders > tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-order", asked["id"])
    assert outside == []


async def test_paging_faster_than_the_rate_limit_waits_as_told_and_goes_on(
    browser: Browser, live: LiveServer, settings: Settings, clock: ManualClock
) -> None:
    """A small bucket: the next page is refused THROTTLED; the board says so, waits the
    retryAfterSeconds the answer gives and shows the page, instead of stopping there."""
    for _ in range(30):
        await live.api.order_in("UNSHIPPED")
    # A page of 25 orders costs about 125 points: opening the board leaves too few for the next.
    tight = settings.model_copy(update={"rate_bucket_size": 200, "rate_points_per_second": 20.0})
    async with serving(tight, clock) as strict:  # the same database, a tighter limit
        outside: list[str] = []
        page = await open_page(browser, strict, "/seller", SELLER, outside)
        rows = page.locator("#orders > tr")
        await expect(page.locator("#count")).to_have_text("25 shown of 30")
        first = await rows.first.get_attribute("data-order")
        await page.locator("#next").click()
        await expect(page.locator("#problem")).to_contain_text("Too many requests at once")
        await expect(page.locator("#count")).to_have_text("5 shown of 30", timeout=10_000)
        await expect(page.locator("#problem")).to_be_hidden()
        assert await rows.first.get_attribute("data-order") != first
        assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_account_health_shows_the_defect_rates_parts_and_the_response_time(
    browser: Browser, live: LiveServer, width: int
) -> None:
    from tests.api.graphql.after_sale.test_conversation import _send
    from tests.api.graphql.orders.test_feedback_and_chargebacks import leave
    from tests.api.returns_helpers import delivered_order

    api = live.api
    outside: list[str] = []
    panned = await delivered_order(api)
    await leave(api, panned["id"], 1)
    await delivered_order(api)
    asked = await api.order_in("UNSHIPPED")
    await _send(api, asked["id"], "Can you ship it today?", BUYER)
    api.clock.advance(timedelta(hours=25))  # past its 24 hours, unanswered
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    health = page.locator("#health")
    await expect(health).to_be_visible()
    await expect(page.locator("#health-status")).to_have_text("Account health: Poor")
    await page.locator("#health-status").click()
    metrics = page.locator("#health-rows > tr")
    await expect(metrics).to_have_count(10)
    order = await metrics.evaluate_all("rows => rows.map(r => r.dataset.metric)")
    odr = order.index("ORDER_DEFECT_RATE")
    assert order[odr + 1 : odr + 4] == [
        "NEGATIVE_FEEDBACK_RATE",
        "A_TO_Z_CLAIM_RATE",
        "CHARGEBACK_RATE",
    ]
    assert order[-1] == "RESPONSE_TIME_UNDER_24_HOURS"
    negative = page.locator('tr[data-metric="NEGATIVE_FEEDBACK_RATE"]')
    await expect(negative.locator("td").nth(1)).to_have_text("1 of 3")
    await expect(negative.locator("th")).to_have_class("part")
    response = page.locator('tr[data-metric="RESPONSE_TIME_UNDER_24_HOURS"]')
    await expect(response).to_contain_text("0.00 %")
    await expect(response).to_contain_text("0 of 1")
    await expect(response).to_contain_text("over 90 %")

    await _send(api, asked["id"], "Shipping it now, sorry.", SELLER)  # late: still a miss
    await page.locator("#health-refresh").click()
    await expect(response).to_contain_text("0 of 1")
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_search_box_takes_several_words_beginnings_and_no_accents(
    browser: Browser, live: LiveServer, width: int
) -> None:
    from tests.api.client import ADDRESS

    api = live.api
    outside: list[str] = []
    hiro = await api.order_in("UNSHIPPED", shippingAddress={**ADDRESS, "name": "Hiro Tanaka"})
    goran = await api.order_in("UNSHIPPED", shippingAddress={**ADDRESS, "name": "Göran Lind"})
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    rows = page.locator("#orders > tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#search-hint")).to_contain_text("The start of any word")
    for words, expected in (("Hiro Tanaka", hiro), ("goran", goran), ("tan hi", hiro)):
        await page.locator("#search").fill(words)
        await page.locator("#search").press("Enter")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_have_attribute("data-order", expected["id"])
    await page.locator("#search").fill("lis")  # both ship to Lisbon
    await page.locator("#search").press("Enter")
    await expect(rows).to_have_count(2)
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_live_orders_take_their_place_by_the_views_filter_and_sort(
    browser: Browser, live: LiveServer, settings: Settings, width: int
) -> None:
    """The review's cases: a new order under "Overdue", a standard order under "Ship-by,
    soonest first" with same-day orders above it, the page holding its size, counts true."""
    api = live.api
    outside: list[str] = []
    now = api.clock()
    await store_paid_orders(settings, 30, lambda n: now - timedelta(minutes=n + 1), now, "live")
    api.clock.advance(timedelta(minutes=5))
    urgent = [await api.order_in("UNSHIPPED", shippingSpeed="SAME_DAY") for _ in range(2)]
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await page.locator("#sort").select_option("SOONEST_SHIP_BY")
    rows = page.locator("#orders > tr")
    await expect(page.locator("#count")).to_have_text("25 shown of 32")
    ids = await rows.evaluate_all("rows => rows.map(r => r.dataset.order)")
    assert ids[:2] == [o["id"] for o in urgent]

    # A standard order ships after all of these: it belongs on a later page, not this one.
    api.clock.advance(timedelta(minutes=1))
    later = await api.order_in("UNSHIPPED")
    await expect(page.locator("#count")).to_have_text("25 shown of 33")
    await expect(page.locator(f'tr[data-order="{later["id"]}"]')).to_have_count(0)
    # A same-day one takes its place after the two same-day orders; the page keeps 25 rows.
    third = await api.order_in("UNSHIPPED", shippingSpeed="SAME_DAY")
    await expect(rows.nth(2)).to_have_attribute("data-order", third["id"])
    await expect(rows.nth(2)).to_have_class("fresh")
    await expect(page.locator("#count")).to_have_text("25 shown of 34")
    assert await rows.count() == 25

    # Nothing is overdue: a newly paid order does not join "Overdue".
    await page.locator("#filter-status").select_option("OVERDUE")
    await expect(page.locator("#heading")).to_have_text("Overdue orders")
    await expect(page.locator("#count")).to_have_text("0 shown of 0")
    fresh = await api.order_in("UNSHIPPED")
    await expect(page.locator("#totals")).to_contain_text("0 overdue")
    await page.wait_for_timeout(600)  # past the moment it would have been shown
    await expect(page.locator(f'tr[data-order="{fresh["id"]}"]')).to_have_count(0)
    await expect(page.locator("#count")).to_have_text("0 shown of 0")
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_refusal_for_an_order_not_on_screen_is_named_and_let_go(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    shipped = await api.order_in("SHIPPED")
    waiting = await api.order_in("UNSHIPPED")
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await page.locator("#filter-status").select_option("ALL")
    await expect(page.locator("#orders > tr")).to_have_count(2)
    await page.locator("#select-page").check()
    await page.locator("#filter-status").select_option("TO_SHIP")  # the shipped one leaves view
    await expect(page.locator("#orders > tr")).to_have_count(1)
    await expect(page.locator("#selected-count")).to_have_text("2 selected")
    await page.locator("#bulk-cancel").click()
    await page.locator("#cancel-reason").select_option("No inventory")
    await page.locator("#cancel-form button[type=submit]").click()
    problem = page.locator("#problem")
    await expect(problem).to_contain_text(f"1 of 2 orders could not be canceled. {shipped['id']}:")
    await expect(problem).to_contain_text("has shipped and can no longer be canceled")
    # Not on screen: named above and let go; the canceled one left the view.
    await expect(page.locator("#selected-count")).to_have_text("0 selected")
    await expect(page.locator(f'tr[data-order="{waiting["id"]}"]')).to_have_count(0)
    assert (await api.read(waiting["id"]))["status"] == "CANCELED"
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_more_slips_than_a_file_holds_are_printed_a_file_at_a_time(
    browser: Browser, live: LiveServer, settings: Settings, width: int
) -> None:
    now = live.api.clock()
    stored = await store_paid_orders(settings, 101, lambda n: now - timedelta(minutes=n), now, "s")
    outside: list[str] = []
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await expect(page.locator("#count")).to_have_text("25 shown of 101")
    await page.locator("#select-all").click()
    await expect(page.locator("#selected-count")).to_have_text("101 selected")
    async with (
        page.expect_response("**/packing-slips.pdf?**") as first,
        page.context.expect_page(),
    ):
        await page.locator("#bulk-slips").click()
    assert len((await first.value).url.split("?", 1)[1].split("&")) == 100
    more = page.locator("#slips-more")
    await expect(more).to_contain_text("Printed 100 slips; 1 more are selected")
    async with (
        page.expect_response("**/packing-slips.pdf?**") as second,
        page.context.expect_page(),
    ):
        await more.locator("button").click()
    (rest,) = (await second.value).url.split("?", 1)[1].split("&")
    firsts = {q.split("=", 1)[1] for q in (await first.value).url.split("?", 1)[1].split("&")}
    assert firsts | {rest.split("=", 1)[1]} == set(stored)
    await expect(more).to_be_hidden()
    assert outside == []


async def test_an_answer_overtaken_by_a_later_choice_is_dropped(
    browser: Browser, live: LiveServer, settings: Settings
) -> None:
    """The sort changed, then the page size before the first answer came: the answer that
    comes last is the older one, and the board shows the newer choice, not the older answer."""
    now = live.api.clock()
    await store_paid_orders(settings, 20, lambda n: now - timedelta(minutes=n), now, "race")
    outside: list[str] = []
    page = await open_page(browser, live, "/seller", SELLER, outside)
    await expect(page.locator("#count")).to_have_text("20 shown of 20")
    release = asyncio.Event()
    held: list[str] = []

    async def hold_the_sorted_page(route: Route) -> None:
        body = route.request.post_data or ""
        if '"sort":"NEWEST_PLACED"' in body and '"first":15' not in body and not held:
            held.append(body)
            await release.wait()  # answered after the page-size choice's answer
        await route.fallback()

    await page.route("**/graphql", hold_the_sorted_page)
    await page.locator("#sort").select_option("NEWEST_PLACED")
    await page.locator("#page-size").select_option("15")
    await expect(page.locator("#count")).to_have_text("15 shown of 20")
    assert held
    release.set()
    await asyncio.sleep(0.5)  # the older answer arrives now, and is dropped
    await expect(page.locator("#count")).to_have_text("15 shown of 20")
    assert await page.locator("#orders tr").count() == 15
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_dates_a_date_range_fifteen_a_page_a_download_and_one_request_to_cancel(
    browser: Browser, live: LiveServer, settings: Settings, width: int
) -> None:
    """Manage Orders' own: ship-by and deliver-by beside the countdown, a placed-date range,
    15 a page, the view as a CSV, each row opening its order's page, and a bulk cancel sent
    as one request."""
    api = live.api
    outside: list[str] = []
    now = api.clock()
    old = await store_paid_orders(
        settings, 3, lambda n: now - timedelta(days=10, minutes=n), now, "old"
    )
    recent = await store_paid_orders(settings, 17, lambda n: now - timedelta(minutes=n), now, "new")
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    await page.locator("#sort").select_option("NEWEST_PLACED")
    await page.locator("#page-size").select_option("15")
    await expect(page.locator("#count")).to_have_text("15 shown of 20")
    first = page.locator("#orders > tr").first
    await expect(first.locator(".ship-by")).to_contain_text("Ship by")
    await expect(first.locator(".deliver-by")).to_contain_text("Deliver by")
    await expect(first.locator("a.order-id")).to_have_attribute("href", f"/track/{recent[0]}")

    day = (now - timedelta(days=10)).date().isoformat()
    await page.locator("#placed-from").fill(day)
    await page.locator("#placed-to").fill(day)
    await page.locator("#placed-to").dispatch_event("change")
    await expect(page.locator("#count")).to_have_text("3 shown of 3")
    ids = await page.locator("#orders > tr").evaluate_all("rows => rows.map(r => r.dataset.order)")
    assert set(ids) == set(old)

    async with page.expect_download() as downloading:
        await page.locator("#download").click()
    saved = await (await downloading.value).path()
    text = await asyncio.to_thread(Path(saved).read_text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["order-id"] for r in rows} == set(old)  # the view, as the page filters it

    cancels: list[str] = []
    page.on(
        "request",
        lambda r: cancels.append(r.url) if "BoardCancel" in (r.post_data or "") else None,
    )
    await page.locator("#select-page").check()
    await page.locator("#bulk-cancel").click()
    await page.locator("#cancel-reason").select_option("No inventory")
    await page.locator("#cancel-form button[type=submit]").click()
    await expect(page.locator("#done")).to_have_text("3 of 3 orders canceled.")
    assert len(cancels) == 1  # one request for the selection
    statuses = {(await api.read(order_id))["status"] for order_id in old}
    assert statuses == {"CANCELED"}
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_each_column_header_sorts_the_queue_one_way_then_the_other(
    browser: Browser, live: LiveServer, width: int
) -> None:
    api = live.api
    outside: list[str] = []
    made = []
    for mugs, city in ((2, "Oslo"), (5, "Århus"), (1, "Bergen")):
        items = [{"sku": "MUG-01", "title": "Mug", "quantity": mugs,
                  "unitPrice": {"amount": 1299, "currency": "USD"}}]  # fmt: skip
        to = {**ADDRESS, "city": city}
        made.append((await api.order_in("UNSHIPPED", items=items, shippingAddress=to))["id"])
    two, five, one = made
    page = await open_page(browser, live, "/seller", SELLER, outside, width=width)
    rows = page.locator("#orders > tr")
    await expect(rows).to_have_count(3)
    total = page.locator("th", has=page.get_by_role("button", name="Total"))

    async def shown() -> list[str]:
        ids: list[str] = await rows.evaluate_all("rows => rows.map(r => r.dataset.order)")
        return ids

    await page.get_by_role("button", name="Total").click()
    await expect(total).to_have_attribute("aria-sort", "descending")
    await expect(rows.first).to_have_attribute("data-order", five)
    assert await shown() == [five, two, one]
    await page.get_by_role("button", name="Total").click()
    await expect(total).to_have_attribute("aria-sort", "ascending")
    await expect(rows.first).to_have_attribute("data-order", one)
    assert await shown() == [one, two, five]
    assert await page.locator("#sort").input_value() == "LOWEST_TOTAL"
    # Another column: the first header lets go of its aria-sort.
    await page.get_by_role("button", name="Ship to").click()
    await expect(rows.first).to_have_attribute("data-order", five)  # Århus folds to "arhus"
    assert await shown() == [five, one, two]
    await expect(total).not_to_have_attribute("aria-sort", "ascending")
    assert outside == []
