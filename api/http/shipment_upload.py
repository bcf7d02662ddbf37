"""Bulk shipment confirmation from a CSV file, or Amazon's tab-separated shipping-confirmation
flat file: one row per item, rows with the same order, carrier and tracking id make one parcel. Each parcel goes through
the same use case as confirmShipment; every row gets its own answer."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.http.refusals import refusal
from api.http.seller_files import caller
from api.http.shipment_file import (
    Columns,
    Parcel,
    RowAnswer,
    command_of,
    parcels_of,
    read_rows,
)
from api.http.tokens import Tokens
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError, ValidationFailed
from domain.kernel.identity import Actor
from domain.orders.commands import ConfirmShipment, ShipmentOutcome
from domain.orders.line_items import order_item_id
from domain.orders.use_cases import OrderUseCases

log = logging.getLogger("orderwire.files")

# The most a file may weigh; a file of MAX_SHIPMENT_BATCH long rows fits well inside.
MAX_UPLOAD_BYTES = 1_000_000


def _refused(parcel: Parcel, error: DomainError) -> list[RowAnswer]:
    return [
        RowAnswer(line, parcel.order_id, parcel.tracking_id, ShipmentOutcome.REFUSED, error)
        for line in parcel.rows
    ]


async def _skus(
    orders: OrderUseCases, actor: Actor, columns: Columns, parcel: Parcel
) -> dict[str, str]:
    """The SKU of each order-item id a flat-file parcel names, read from its order."""
    order = await orders.get_order(actor, parcel.order_id)
    lines = {order_item_id(order.id, item.sku): item.sku for item in order.items}
    for item_id in parcel.items:
        if item_id not in lines:
            name = columns.name("item-id")
            raise ValidationFailed(
                f"{name} {item_id} is not a line of order {order.id}", field=name
            )
    return lines


async def _answers(
    orders: OrderUseCases, actor: Actor, columns: Columns, parcels: list[Parcel]
) -> list[RowAnswer]:
    answers: list[RowAnswer] = []
    ready: list[tuple[Parcel, ConfirmShipment]] = []
    for parcel in parcels:
        try:
            named = await _skus(orders, actor, columns, parcel) if columns.flat else None
        except DomainError as error:
            answers += _refused(parcel, columns.named(error))
            continue
        ready.append((parcel, command_of(parcel, named)))
    if not ready:
        return answers
    results = await orders.confirm_shipments(actor, [command for _, command in ready])
    return answers + [
        RowAnswer(
            line,
            p.order_id,
            p.tracking_id,
            result.outcome,
            None if result.error is None else columns.named(result.error),
        )
        for (p, _), result in zip(ready, results, strict=True)
        for line in p.rows
    ]


def shipment_upload(
    orders: Callable[[], OrderUseCases],
    tokens: Tokens,
    now: Callable[[], datetime],
) -> Callable[[Request], Awaitable[Response]]:
    async def upload(request: Request) -> Response:
        try:
            actor = await caller(request, tokens)
            require_role(actor, Action.CONFIRM_SHIPMENT)
            text = await _body_text(request)
            columns, rows = read_rows(text)
            parcels, answers = parcels_of(columns, rows, now())
            for answer in await _answers(orders(), actor, columns, parcels):
                answers[answer.row] = answer
        except DomainError as error:
            return refusal(error)
        found = [answers[line] for line in sorted(answers)]
        summary = Counter(a.outcome.value for a in found)
        log.info("shipment upload by %s %s: %s", actor.role.value, actor.id, dict(summary))
        return JSONResponse(
            {"summary": dict(summary), "rows": [a.to_json() for a in found]}, status_code=200
        )

    return upload


async def _body_text(request: Request) -> str:
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ValidationFailed(
                f"the file is over {MAX_UPLOAD_BYTES:,} bytes; split it", field="file"
            )
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8-sig")  # a BOM from a spreadsheet is fine
    except UnicodeDecodeError as error:
        raise ValidationFailed("the file is not UTF-8 text", field="file") from error
