"""Seller files over plain HTTP, with the same bearer token as /graphql: the orders export
as CSV and packing slips as HTML or PDF. (Shipment uploads: api/http/shipment_upload.py.)"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from api.http.packing_slips import packing_slip_html, packing_slip_pdf
from api.http.refusals import refusal
from api.http.tokens import Tokens
from domain.kernel.errors import DomainError, Unauthenticated, ValidationFailed
from domain.kernel.identity import Actor
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import FulfillmentChannel
from domain.orders.order import Order, OrderStatus
from domain.orders.ports import OrderQuery
from domain.seller_tools.use_cases import SellerToolUseCases

log = logging.getLogger("orderwire.files")


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
    "ship-to-city",
    "ship-to-postal-code",
    "ship-to-country",
)
# A spreadsheet runs a cell that starts like a formula; a leading quote makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200


async def caller(request: Request, tokens: Tokens) -> Actor:
    """The signed-in caller of a file route, proven as /graphql proves it."""
    actor = await tokens.actor_from_header(request.headers.get("authorization"))
    if actor is None:
        raise Unauthenticated("sign in: send 'Authorization: Bearer <token>'")
    return actor


def export_query(request: Request) -> OrderQuery:
    """The orders query's filters, from query parameters named as in GraphQL's OrderFilter."""
    params = request.query_params
    try:
        statuses = [OrderStatus(s) for s in params.getlist("status")]
        channel = params.get("fulfillmentChannel")
        return OrderQuery(
            statuses=frozenset(statuses) if statuses else None,
            seller_id=params.get("sellerId"),
            buyer_id=params.get("buyerId"),
            channel=None if channel is None else FulfillmentChannel(channel),
            placed_from=_moment(params.get("placedFrom"), "placedFrom"),
            placed_before=_moment(params.get("placedBefore"), "placedBefore"),
        )
    except ValueError as error:
        raise ValidationFailed(f"bad filter: {error}", field="filter") from error


def _moment(raw: str | None, name: str) -> datetime | None:
    return None if raw is None else parse_zoned(raw, name)


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
                None if order.ship_by is None else order.ship_by.isoformat(),
                order.deliver_by,
                item.sku,
                item.title,
                item.quantity,
                order.shipped_quantity(item.sku),
                item.unit_price.amount,
                item.total.amount,
                order.currency,
                order.shipping_fee,
                order.total.amount,
                order.refunded_amount,
                tracking,
                to.name,
                to.city,
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


def orders_export(
    seller_tools: Callable[[], SellerToolUseCases], tokens: Tokens
) -> Callable[[Request], Awaitable[Response]]:
    async def export(request: Request) -> Response:
        try:
            actor = await caller(request, tokens)
            orders = seller_tools().export_orders(actor, export_query(request))
        except DomainError as error:
            return refusal(error)
        log.info("orders export by %s %s", actor.role.value, actor.id)
        return StreamingResponse(
            csv_chunks(orders),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="orders.csv"'},
        )

    return export


def packing_slips(
    seller_tools: Callable[[], SellerToolUseCases], tokens: Tokens
) -> Callable[[Request], Awaitable[Response]]:
    async def slip(request: Request) -> Response:
        kind = request.query_params.get("format", "html")
        try:
            if kind not in ("html", "pdf"):
                raise ValidationFailed("format is html or pdf", field="format")
            actor = await caller(request, tokens)
            order, seller = await seller_tools().packing_slip(actor, request.path_params["id"])
        except DomainError as error:
            return refusal(error)
        if kind == "html":
            return HTMLResponse(packing_slip_html(order, seller))
        pdf = await asyncio.to_thread(packing_slip_pdf, order, seller)
        name = f"packing-slip-{order.id}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"content-disposition": f'inline; filename="{name}"'},
        )

    return slip
