"""Contract tests for the seller figures: the store's pipelines and the fake's sums in memory
count, list, report and export the same orders, to the millisecond at a window's edges."""

from __future__ import annotations

from datetime import timedelta

from domain.kernel.identity import Actor, Role
from domain.kernel.ports import PageCursor, PageWindow
from domain.kernel.vocabulary import HealthMetric
from domain.orders.order import OrderStatus
from domain.orders.ports import OrderQuery
from domain.seller_tools.performance import Span
from domain.seller_tools.reports import ReportGrouping, ReportRow
from tests.data import SELLER, T0, order_in
from tests.storage.conftest import Stores, save_order

MS = timedelta(milliseconds=1)
ODR, PFC = HealthMetric.ORDER_DEFECT_RATE, HealthMetric.PRE_FULFILLMENT_CANCEL_RATE
# The window (T0, T0 + 999 ms]: the order placed at T0 is just outside, the one at 999 ms in.
SPAN = Span(T0, T0 + 999 * MS)


async def _shop(repos: Stores) -> None:
    """Five orders of seller s around the window's edges, and one of another shop inside it."""
    for order_id, status, at in [
        ("ord_a", OrderStatus.DELIVERED, T0),
        ("ord_c", OrderStatus.UNSHIPPED, T0 + MS),
        ("ord_p", OrderStatus.PENDING, T0 + 2 * MS),
        ("ord_e", OrderStatus.UNSHIPPED, T0 + 999 * MS),
    ]:
        walked = order_in(status, order_id=order_id, at=at, tracking=order_id)
        if order_id == "ord_e":  # the seller cancels it: a pre-fulfillment cancel
            walked.apply(walked.order.cancel(SELLER, "out of stock", walked.now))
        await save_order(repos, walked.order, walked.log, expected=0)
    other = order_in(OrderStatus.UNSHIPPED, order_id="ord_x", seller_id="s2", at=T0 + 3 * MS)
    await save_order(repos, other.order, other.log, expected=0)


async def test_each_figure_counts_the_orders_inside_its_window_and_those_against(
    repos: Stores,
) -> None:
    await _shop(repos)
    counted = await repos.figures.health(SELLER.id, {ODR: SPAN, PFC: SPAN})
    assert counted == {
        ODR: (2, 0),
        PFC: (2, 1),
    }  # ord_c and ord_e; the pending one promised nothing
    assert await repos.figures.health("s3", {ODR: SPAN}) == {ODR: (0, 0)}


async def test_the_orders_behind_a_figure_are_the_ones_it_counts_newest_first_in_pages(
    repos: Stores,
) -> None:
    await _shop(repos)
    every = await repos.figures.health_orders(
        SELLER.id, PFC, SPAN, failing_only=False, window=PageWindow(10, None)
    )
    assert [o.id for o in every.items] == ["ord_e", "ord_c"]
    assert not every.has_more
    against = await repos.figures.health_orders(
        SELLER.id, PFC, SPAN, failing_only=True, window=PageWindow(10, None)
    )
    assert [o.id for o in against.items] == ["ord_e"]
    first = await repos.figures.health_orders(
        SELLER.id, ODR, SPAN, failing_only=False, window=PageWindow(1, None)
    )
    assert ([o.id for o in first.items], first.has_more) == (["ord_e"], True)
    cursor = PageCursor(first.items[0].placed_at, first.items[0].id)
    rest = await repos.figures.health_orders(
        SELLER.id, ODR, SPAN, failing_only=False, window=PageWindow(1, cursor)
    )
    assert ([o.id for o in rest.items], rest.has_more) == (["ord_c"], False)


async def test_a_report_sums_the_orders_placed_from_its_start_to_before_its_end(
    repos: Stores,
) -> None:
    await _shop(repos)
    query = OrderQuery(seller_id=SELLER.id, placed_from=T0 + MS, placed_before=T0 + 999 * MS)
    rows = await repos.figures.report(query, ReportGrouping.STATUS)
    sold = ReportRow(
        "UNSHIPPED", "USD", orders=1, units=3, gross_sales=1900, shipping_fees=0, refunds=0
    )
    assert rows == [ReportRow("PENDING", "USD", 1, 3, 1900, 0, 0), sold]
    by_day = await repos.figures.report(OrderQuery(seller_id=SELLER.id), ReportGrouping.DAY)
    # ord_e was canceled: it counts as an order and sells nothing.
    assert by_day == [ReportRow(T0.date().isoformat(), "USD", 4, 9, 5700, 0, 0)]


async def test_an_export_is_every_order_the_query_finds_newest_first(repos: Stores) -> None:
    await _shop(repos)
    exported = [o.id async for o in repos.figures.export(OrderQuery(seller_id=SELLER.id))]
    assert exported == ["ord_e", "ord_p", "ord_c", "ord_a"]
    buyer = Actor("nobody", Role.BUYER)
    assert [o async for o in repos.figures.export(OrderQuery(buyer_id=buyer.id))] == []
