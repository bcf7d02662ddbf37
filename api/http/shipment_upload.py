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
from api.http.shipment_file import Parcel, RowAnswer, command_of, parcels_of, read_rows
from api.http.tokens import Tokens
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError, ValidationFailed
from domain.kernel.identity import Actor
from domain.orders.use_cases import OrderUseCases

log = logging.getLogger("orderwire.files")

# The most a file may weigh; a file of MAX_SHIPMENT_BATCH long rows fits well inside.
MAX_UPLOAD_BYTES = 1_000_000


async def _answers(orders: OrderUseCases, actor: Actor, parcels: list[Parcel]) -> list[RowAnswer]:
    if not parcels:
        return []
    results = await orders.confirm_shipments(actor, [command_of(p) for p in parcels])
    return [
        RowAnswer(line, p.order_id, p.tracking_id, result.outcome, result.error)
        for p, result in zip(parcels, results, strict=True)
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
            _, rows = read_rows(text)
            parcels, answers = parcels_of(rows, now())
            for answer in await _answers(orders(), actor, parcels):
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
