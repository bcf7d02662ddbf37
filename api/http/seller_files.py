"""Seller files over plain HTTP, with the same bearer token as /graphql: the orders export
as CSV and packing slips as HTML or PDF. (Shipment uploads: api/http/shipment_upload.py.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from api.http.orders_csv import csv_chunks
from api.http.packing_slips import packing_slip_html, packing_slip_pdf, packing_slips_pdf
from api.http.refusals import refusal
from api.http.tokens import Tokens
from domain.kernel.errors import DomainError, NotSignedIn, ValidationFailed
from domain.kernel.identity import Actor
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import FulfillmentChannel, ShippingSpeed
from domain.orders.order import OrderStatus
from domain.orders.ports import OrderQuery, order_query
from domain.orders.queue import OrderSort
from domain.seller_tools.use_cases import SellerToolUseCases

log = logging.getLogger("orderwire.files")


async def caller(request: Request, tokens: Tokens) -> Actor:
    """The signed-in caller of a file route, proven as /graphql proves it."""
    actor = await tokens.actor_from_header(request.headers.get("authorization"))
    if actor is None:
        raise NotSignedIn("sign in: send 'Authorization: Bearer <token>'")
    return actor


def export_query(request: Request) -> OrderQuery:
    """The orders query's filters, from query parameters named as in GraphQL's OrderFilter
    (and `orderBy`): the export of what a list shows."""
    params = request.query_params
    try:
        channel = params.get("fulfillmentChannel")
        return order_query(
            statuses=[OrderStatus(s) for s in params.getlist("status")],
            seller_id=params.get("sellerId"),
            buyer_id=params.get("buyerId"),
            channel=None if channel is None else FulfillmentChannel(channel),
            placed_from=_moment(params.get("placedFrom"), "placedFrom"),
            placed_before=_moment(params.get("placedBefore"), "placedBefore"),
            speeds=[ShippingSpeed(s) for s in params.getlist("shippingSpeed")],
            ship_by_from=_moment(params.get("shipByFrom"), "shipByFrom"),
            ship_by_before=_moment(params.get("shipByBefore"), "shipByBefore"),
            search=params.get("search"),
            cancellation_requested=_flag(params.get("cancellationRequested")),
            sort=OrderSort(params.get("orderBy", OrderSort.NEWEST_PLACED.value)),
        )
    except ValueError as error:
        raise ValidationFailed(f"bad filter: {error}", field="filter") from error


def _flag(raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise ValueError(f"cancellationRequested is true or false, not {raw!r}")
    return raw == "true"


def _moment(raw: str | None, name: str) -> datetime | None:
    return None if raw is None else parse_zoned(raw, name)


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


MAX_SLIPS = 100


def packing_slips_at_once(
    seller_tools: Callable[[], SellerToolUseCases], tokens: Tokens
) -> Callable[[Request], Awaitable[Response]]:
    """GET /packing-slips.pdf?order=…&order=…: the slips of up to 100 orders in one PDF, in the
    order asked. An order that may not be printed (another shop's, or not waiting to ship) is
    left out and named in `X-Not-Printed`; none printable is the first refusal."""

    async def slips(request: Request) -> Response:
        wanted = list(dict.fromkeys(request.query_params.getlist("order")))
        try:
            if not 1 <= len(wanted) <= MAX_SLIPS:
                raise ValidationFailed(f"name 1 to {MAX_SLIPS} orders", field="order")
            actor = await caller(request, tokens)
            printable, refused = await seller_tools().packing_slips(actor, wanted)
            if not printable:
                raise next(iter(refused.values()))
        except DomainError as error:
            return refusal(error)
        title = f"Packing slips ({len(printable)})"
        pdf = await asyncio.to_thread(packing_slips_pdf, printable, title=title)
        headers = {"content-disposition": 'inline; filename="packing-slips.pdf"'}
        if refused:
            headers["X-Not-Printed"] = ",".join(refused)
        return Response(pdf, media_type="application/pdf", headers=headers)

    return slips
