"""The orders export's CSV: one row per item, RFC 4180, formula cells made text, streamed in chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from domain.orders.line_items import order_item_id
from domain.orders.order import Order

EXPORT_COLUMNS = (
    "order-id",
    "placed-at",
    "status",
    "seller-id",
    "buyer-id",
    "fulfillment-channel",
    "shipping-speed",
    "ship-by",
    "deliver-by",
    "order-item-id",
    "sku",
    "title",
    "quantity",
    "quantity-shipped",
    "unit-price",
    "item-total",
    "currency",
    "order-shipping-fee",
    "order-total",
    "order-refunded",
    "tracking-ids",
    "ship-to-name",
    "ship-to-line1",
    "ship-to-line2",
    "ship-to-city",
    "ship-to-region",
    "ship-to-postal-code",
    "ship-to-country",
)


# A spreadsheet runs a cell that starts like a formula; a leading quote makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


ROWS_PER_CHUNK = 200


def cell(value: object) -> str:
    """A CSV cell's text; one that a spreadsheet would run as a formula is neutralised."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def order_rows(order: Order) -> list[list[str]]:
    """One row per order item."""
    tracking = " ".join(f"{s.carrier}:{s.tracking_id}" for s in order.shipments)
    to = order.shipping_address
    return [
        [
            cell(v)
            for v in (
                order.id,
                order.placed_at.isoformat(),
                order.status.value,
                order.seller_id,
                order.buyer_id,
                order.channel.value,
                order.speed.value,
                None if order.deadlines.ship_by is None else order.deadlines.ship_by.isoformat(),
                order.deliver_by,
                order_item_id(order.id, item.sku),
                item.sku,
                item.title,
                item.quantity,
                order.shipped_quantity(item.sku),
                item.unit_price.amount,
                item.total.amount,
                order.currency,
                order.shipping_fee,
                order.total.amount,
                order.payments.refunded_amount,
                tracking,
                to.name,
                to.line1,
                to.line2,
                to.city,
                to.region,
                to.postal_code,
                to.country_code,
            )
        ]
        for item in order.items
    ]


async def csv_chunks(orders: AsyncIterator[Order]) -> AsyncIterator[str]:
    """The header, then the orders' rows a few hundred at a time: memory stays flat."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CRLF, quotes doubled
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    async for order in orders:
        for row in order_rows(order):
            writer.writerow(row)
            rows += 1
        if rows >= ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            rows = 0
    yield buffer.getvalue()
