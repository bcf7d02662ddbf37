"""Signed carrier webhooks: scans pushed by carriers, through the same use case as the API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.graphql.inputs import moment
from domain.errors import Conflict, DomainError, NotFound
from domain.identity import Actor, Role
from domain.order import Order
from domain.order_use_cases import OrderUseCases, RecordTrackingEvent
from domain.ports import IdempotencyStore
from domain.shipping import ScanLocation, TrackingTag
from outbound.signing import sign

log = logging.getLogger("orderwire.webhooks")

REPLAY_WINDOW_SECONDS = 300
# A scan that meets another writer on its order is tried again this often before CONFLICT.
CONFLICT_RETRIES = 10
TIMESTAMP = "x-orderwire-timestamp"
SIGNATURE = "x-orderwire-signature"


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


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
        scanned_at=moment(datetime.fromisoformat(str(payload["occurredAt"])), "occurredAt"),
        description=payload.get("description"),
    )


async def _record(uc: OrderUseCases, carrier: Actor, command: RecordTrackingEvent) -> Order:
    """Record the scan, trying again while other writers move the same order."""
    for attempt in range(1, CONFLICT_RETRIES):
        try:
            return await uc.record_tracking_event(carrier, command)
        except Conflict:
            await asyncio.sleep(random.uniform(0, 0.01 * attempt))
    return await uc.record_tracking_event(carrier, command)  # the last try answers as it is


def carrier_webhook(
    secrets: dict[str, str],
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], IdempotencyStore],
    wall_clock: Callable[[], float] = time.time,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /webhooks/carriers/{carrier}: verify, record the scan once, answer its result.

    The receipt is reserved, then the scan recorded (write conflicts retried here), then the
    receipt completed: 2xx only once the scan is stored. A failed scan releases its receipt,
    so the carrier's retry runs again; a replay of a stored one gets the same answer.
    """
    by_carrier = {name.upper(): secret for name, secret in secrets.items()}

    async def receive(request: Request) -> JSONResponse:
        carrier = request.path_params["carrier"].upper()
        secret = by_carrier.get(carrier)
        timestamp = request.headers.get(TIMESTAMP, "")
        body = await request.body()
        if secret is None:
            return _refuse(401, "UNAUTHENTICATED", f"no webhook secret for carrier {carrier}")
        expected = sign(secret, timestamp, body)
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE, "")):
            return _refuse(401, "UNAUTHENTICATED", "bad signature")
        if not timestamp.isdigit() or abs(wall_clock() - int(timestamp)) > REPLAY_WINDOW_SECONDS:
            return _refuse(401, "UNAUTHENTICATED", "timestamp outside the 5-minute window")
        try:
            command = _scan(carrier, json.loads(body))
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            return _refuse(422, "VALIDATION", f"unreadable scan: {error}")
        except DomainError as error:
            return _refuse(422, error.code.value, error.message)
        store = receipts()
        # Receipts expire by the wall clock (a TTL index), like the replay window they serve.
        # Keyed by the scan itself, not its signature: a retry is re-signed with a new timestamp.
        digest = hashlib.sha256(body).hexdigest()
        receipt = f"{carrier}:{digest}"
        held = await store.reserve(receipt, digest, datetime.now(UTC))
        if held is not None:
            if held.result_id is None:
                return _refuse(409, "IN_PROGRESS", "this delivery is being recorded; retry")
            return JSONResponse(json.loads(held.result_id), status_code=200)
        try:
            order = await _record(orders(), Actor(carrier, Role.CARRIER), command)
        except DomainError as error:
            await store.release(receipt)
            status = 404 if isinstance(error, NotFound) else 422
            return _refuse(status, error.code.value, error.message)
        except BaseException:
            await store.release(receipt)
            raise
        answer = {"orderId": order.id, "status": order.status.value}
        await store.complete(receipt, json.dumps(answer))
        log.info("webhook scan from %s: %s is %s", carrier, order.id, order.status.value)
        return JSONResponse(answer, status_code=202)

    return receive
