"""Signed carrier webhooks: scans pushed by carriers, through the same use case as the API."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.http.refusals import refusal
from domain.kernel import policies
from domain.kernel.errors import Conflict, DomainError, NotFound, Unauthenticated, ValidationFailed
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import parse_zoned
from domain.kernel.ports import IdempotencyStore
from domain.kernel.shipping import ScanLocation, TrackingTag
from domain.orders.commands import RecordTrackingEvent
from domain.orders.scan_batches import ScanAnswer, ScanOutcome, record_scans
from domain.orders.use_cases import OrderUseCases
from outbound.signing import sign

log = logging.getLogger("orderwire.webhooks")

REPLAY_WINDOW_SECONDS = 300
TIMESTAMP = "x-orderwire-timestamp"
SIGNATURE = "x-orderwire-signature"


def _scan(carrier: str, payload: Any) -> RecordTrackingEvent:
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    location = payload.get("location") or {}
    return RecordTrackingEvent(
        carrier=carrier,
        tracking_id=str(payload["trackingId"]),
        tag=TrackingTag(payload["tag"]),
        location=ScanLocation(
            city=str(location.get("city", "")),
            country_code=str(location.get("countryCode", "")),
            region=location.get("region"),
            postal_code=location.get("postalCode"),
            time_zone=location.get("timeZone"),
        ),
        scanned_at=parse_zoned(str(payload["occurredAt"]), "occurredAt"),
        description=payload.get("description"),
    )


def carrier_webhook(
    secrets: dict[str, str],
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], IdempotencyStore],
    wall_clock: Callable[[], float] = time.time,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /webhooks/carriers/{carrier}: verify, record the scan once, answer its result.

    Through the one door of every scan (domain/orders/scan_batches.py): 202 once the scan is
    stored, 200 with the order as it stands for a scan recorded before (through any door),
    409 while a first delivery of it is still being recorded; a refused scan keeps no
    receipt, so the carrier's retry runs again.
    """
    by_carrier = {name.upper(): secret for name, secret in secrets.items()}

    async def receive(request: Request) -> JSONResponse:
        carrier = request.path_params["carrier"].upper()
        secret = by_carrier.get(carrier)
        timestamp = request.headers.get(TIMESTAMP, "")
        body = await request.body()
        if secret is None:
            return refusal(Unauthenticated(f"no webhook secret for carrier {carrier}"))
        expected = sign(secret, timestamp, body)
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE, "")):
            return refusal(Unauthenticated("bad signature"))
        # The timestamp is whole seconds: read this clock to the whole second too, so that a
        # delivery 299 s old is not 300.4 s old for the fraction of a second it never had.
        age = abs(int(wall_clock()) - int(timestamp)) if timestamp.isdigit() else None
        if age is None or age > REPLAY_WINDOW_SECONDS:
            return refusal(Unauthenticated("timestamp outside the 5-minute window"))
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as error:
            return refusal(ValidationFailed(f"unreadable scan: {error}"), 422)
        if isinstance(payload, list):
            return await _batch(carrier, payload, len(body))
        try:
            command = _scan(carrier, payload)
        except (ValueError, KeyError, TypeError) as error:
            return refusal(ValidationFailed(f"unreadable scan: {error}"), 422)
        except DomainError as error:
            return refusal(error, 422)
        [answer] = await record_scans(
            orders(), receipts(), Actor(carrier, Role.CARRIER), [command], datetime.now(UTC)
        )
        if answer.error is not None:  # refused: no receipt kept, so the carrier's retry runs
            refused = answer.error
            if isinstance(refused, Conflict):
                return refusal(refused)
            return refusal(refused, 404 if isinstance(refused, NotFound) else 422)
        log.info(
            "webhook scan from %s: %s is %s (%s)",
            carrier,
            answer.order_id,
            answer.status,
            answer.outcome.value,
        )
        first_time = answer.outcome is ScanOutcome.RECORDED
        return JSONResponse(
            {"orderId": answer.order_id, "status": answer.status},
            status_code=202 if first_time else 200,
        )

    async def _batch(carrier: str, scans: list[Any], size: int) -> JSONResponse:
        """Up to 500 scans in one delivery (1 MB at most), each answered on its own and
        recorded once: a retry of the batch answers DUPLICATE for what is stored already."""
        if size > MAX_BATCH_BYTES:
            limit = f"a batch holds at most {MAX_BATCH_BYTES:,} bytes"
            return refusal(ValidationFailed(limit, field="body"), 422)
        try:
            policies.require_batch_size(len(scans), "scans")
        except DomainError as error:
            return refusal(ValidationFailed(error.message, field="body"), 422)
        commands = [_readable(carrier, item) for item in scans]
        actor = Actor(carrier, Role.CARRIER)
        answered = await record_scans(orders(), receipts(), actor, commands, datetime.now(UTC))
        answers = [{"index": n, **scan_json(a)} for n, a in enumerate(answered)]
        summary: dict[str, int] = {}
        for answer in answers:
            summary[answer["outcome"]] = summary.get(answer["outcome"], 0) + 1
        log.info("webhook batch from %s: %s", carrier, summary)
        return JSONResponse({"summary": summary, "scans": answers}, status_code=200)

    return receive


# A carrier's batch delivery: at most this many bytes (and policies.MAX_SHIPMENT_BATCH scans).
MAX_BATCH_BYTES = 1_000_000


def _readable(carrier: str, item: Any) -> RecordTrackingEvent | DomainError:
    try:
        return _scan(carrier, item)
    except (ValueError, KeyError, TypeError) as error:
        return ValidationFailed(f"unreadable scan: {error}")
    except DomainError as error:
        return error


def scan_json(answer: ScanAnswer) -> dict[str, Any]:
    """One scan's answer as the webhook gives it."""
    if answer.error is not None:
        return _refused(answer.error)
    return {"outcome": answer.outcome.value, "orderId": answer.order_id, "status": answer.status}


def _refused(error: DomainError) -> dict[str, Any]:
    return {
        "outcome": "REFUSED",
        "error": {"code": error.code.value, "message": error.message, "field": error.field},
    }
