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

from api.graphql.inputs import moment
from domain.errors import DomainError, NotFound
from domain.identity import Actor, Role
from domain.order_use_cases import OrderUseCases, RecordTrackingEvent
from domain.ports import DeliveryReceipts
from domain.shipping import ScanLocation, TrackingTag
from outbound.signing import sign

log = logging.getLogger("orderwire.webhooks")

REPLAY_WINDOW_SECONDS = 300
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


def carrier_webhook(
    secrets: dict[str, str],
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], DeliveryReceipts],
    wall_clock: Callable[[], float] = time.time,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /webhooks/carriers/{carrier}: verify, refuse replays, record the scan."""
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
        if not await receipts().first_time(expected, datetime.now(UTC)):
            return _refuse(409, "REPLAYED", "this delivery was already accepted")
        try:
            command = _scan(carrier, json.loads(body))
        except (ValueError, KeyError, TypeError) as error:
            return _refuse(422, "VALIDATION", f"unreadable scan: {error}")
        try:
            order = await orders().record_tracking_event(Actor(carrier, Role.CARRIER), command)
        except DomainError as error:
            status = 404 if isinstance(error, NotFound) else 422
            return _refuse(status, error.code.value, error.message)
        log.info("webhook scan from %s: %s is %s", carrier, order.id, order.status.value)
        return JSONResponse({"orderId": order.id, "status": order.status.value}, status_code=202)

    return receive
