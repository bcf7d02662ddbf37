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
from domain.kernel.errors import Conflict, DomainError, NotFound, Unauthenticated, ValidationFailed
from domain.kernel.idempotency import KeyInUse, Repeated, once
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import client_moment
from domain.kernel.ports import IdempotencyStore
from domain.kernel.shipping import ScanLocation, TrackingTag
from domain.orders.scan_batches import ScanAnswer, receipt, record_scans, record_with_retries
from domain.orders.use_cases import OrderUseCases, RecordTrackingEvent
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
        ),
        scanned_at=client_moment(datetime.fromisoformat(str(payload["occurredAt"])), "occurredAt"),
        description=payload.get("description"),
    )


def carrier_webhook(
    secrets: dict[str, str],
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], IdempotencyStore],
    wall_clock: Callable[[], float] = time.time,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /webhooks/carriers/{carrier}: verify, record the scan once, answer its result.

    Once per scan (domain/kernel/idempotency.py, as a mutation's Idempotency-Key): the receipt is
    reserved, the scan recorded (write conflicts retried here), the receipt completed, so 2xx
    comes only once the scan is stored. A refused scan frees its receipt, so the carrier's
    retry runs again; a replay of a stored one gets the same answer.
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
        if not timestamp.isdigit() or abs(wall_clock() - int(timestamp)) > REPLAY_WINDOW_SECONDS:
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
        # Receipts expire by the wall clock (a TTL index), like the replay window they serve.
        # Keyed by the scan itself, not its signature: a retry is re-signed with a new timestamp.
        try:
            done = await _once(carrier, command)
        except DomainError as error:  # the scan itself refused: no receipt kept, a retry runs
            return refusal(error, 404 if isinstance(error, NotFound) else 422)
        if isinstance(done, KeyInUse):
            return refusal(Conflict("this delivery is being recorded; retry"))
        if isinstance(done, Repeated):
            return JSONResponse(json.loads(done.result_id), status_code=200)
        return JSONResponse(done, status_code=202)

    async def _once(
        carrier: str, command: RecordTrackingEvent
    ) -> dict[str, str] | KeyInUse | Repeated[dict[str, str]]:
        async def record() -> dict[str, str]:
            order = await record_with_retries(orders(), Actor(carrier, Role.CARRIER), command)
            log.info("webhook scan from %s: %s is %s", carrier, order.id, order.status.value)
            return {"orderId": order.id, "status": order.status.value}

        scope, fingerprint = receipt(command)  # the scan itself, as recordTrackingEvents keys it
        return await once(
            receipts(),
            scope,
            fingerprint,
            datetime.now(UTC),
            run=record,
            result_id=json.dumps,
        )

    async def _batch(carrier: str, scans: list[Any], size: int) -> JSONResponse:
        """Up to MAX_BATCH scans in one delivery (1 MB at most), each answered on its own and
        recorded once: a retry of the batch answers DUPLICATE for what is stored already."""
        if not 1 <= len(scans) <= MAX_BATCH or size > MAX_BATCH_BYTES:
            limit = f"a batch holds 1 to {MAX_BATCH} scans and {MAX_BATCH_BYTES:,} bytes"
            return refusal(ValidationFailed(limit, field="body"), 422)
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


# A carrier's batch delivery: at most this many scans, and this many bytes.
MAX_BATCH = 500
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
