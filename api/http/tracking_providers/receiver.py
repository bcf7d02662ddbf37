"""What every tracking aggregator's webhook shares: authenticate the raw body against any of the
provider's secrets (two at once while one is rotated), refuse a stale delivery, answer an event
seen before from memory, and hand each checkpoint to the one door of every scan.

A provider retries what is not answered 2xx, for days. So only what it must fix is refused
(a forged or stale delivery: 401; a body that is not JSON: 400); a delivery for a parcel
orderwire does not know, or checkpoints that are not scans, is answered 200 saying what was
ignored and why, counted in /metrics and logged: nothing is dropped silently.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import pycountry
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.http.refusals import refusal
from domain.kernel.errors import (
    Conflict,
    DomainError,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from domain.kernel.identity import Actor, Role
from domain.kernel.ports import IdempotencyStore
from domain.kernel.shipping import DeliveryWindow, ScanLocation, TrackingTag
from domain.orders.carrier_estimates import note_carrier_estimate
from domain.orders.commands import RecordTrackingEvent
from domain.orders.scan_batches import ScanOutcome, record_scans
from domain.orders.use_cases import OrderUseCases

log = logging.getLogger("orderwire.tracking_providers")


@dataclass(frozen=True, slots=True)
class Ignored:
    """A checkpoint that is not a carrier's scan (the provider's own bookkeeping)."""

    reason: str


Checkpoint = RecordTrackingEvent | Ignored | DomainError


@dataclass(slots=True)
class Delivery:
    """What one webhook delivery says: its event id, and the checkpoints of one parcel."""

    event_id: str | None
    sent_at: datetime | None
    carrier: str | None  # orderwire's carrier code; None: a delivery about no parcel
    tracking_id: str | None
    checkpoints: list[Checkpoint] = field(default_factory=list)
    ignored: str | None = None  # why the whole delivery changes nothing (another event kind)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (field, value) no table knew
    estimate: DeliveryWindow | None = None  # when the carrier expects to deliver, if it says


class Provider(Protocol):
    name: str  # as in the path and the metrics: "aftership"
    max_age: timedelta  # a delivery sent longer ago than this is stale (the provider's retries)

    def authentic(self, secret: str, body: bytes, request: Request) -> bool:
        """The provider's own authentication of the request (a signature over the raw body,
        or what it documents instead), checked in constant time."""

    def read(self, payload: Any) -> Delivery:
        """The delivery; ValueError, KeyError or TypeError for a body of another shape."""


class ProviderMetrics(Protocol):
    def provider_delivery(self, provider: str, outcome: str) -> None: ...

    def provider_checkpoints(self, provider: str, outcome: str, count: int) -> None: ...

    def provider_unknown(self, provider: str, field: str) -> None: ...


def guarded(what: str, read: Callable[[], Checkpoint]) -> Checkpoint:
    """One checkpoint read on its own: what cannot be read is refused alone, by name."""
    try:
        return read()
    except DomainError as error:
        return error
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return ValidationFailed(f"unreadable {what}: {error}")


def scan_of(
    delivery: Delivery,
    tag: TrackingTag,
    location: ScanLocation | None,
    scanned_at: datetime,
    words: str,
) -> RecordTrackingEvent:
    """A checkpoint of the delivery's parcel as a scan, its words cut to what a scan keeps."""
    assert delivery.carrier is not None
    assert delivery.tracking_id is not None
    return RecordTrackingEvent(
        carrier=delivery.carrier,
        tracking_id=delivery.tracking_id,
        tag=tag,
        location=location,
        scanned_at=scanned_at,
        description=words.strip()[:500] or None,
    )


def address_of(where: Any) -> ScanLocation | None:
    """A place written as `{city, state, zip, country}` (EasyPost's and Shippo's)."""
    where = where or {}
    return place_of(where.get("city"), where.get("country"), where.get("state"), where.get("zip"))


def window_of(earliest: Any, latest: Any = None) -> DeliveryWindow | None:
    """A provider's estimate as dates: each a date or a moment (its date as written, the
    carrier's local day); one date is a window of one day. None when it gives none, or gives
    what is not a window: an estimate never costs the delivery its checkpoints."""
    first = str(earliest or latest or "")[:10]
    last = str(latest or earliest or "")[:10]
    if not first:
        return None
    try:
        return DeliveryWindow(date.fromisoformat(first), date.fromisoformat(last))
    except (ValueError, DomainError):
        log.warning("an estimate that is not a window of dates: %r to %r", earliest, latest)
        return None


def place_of(
    city: Any, country: Any, region: Any = None, postal_code: Any = None
) -> ScanLocation | None:
    """A checkpoint's place when the provider says a city and a country (ISO 3166 alpha-2 or
    alpha-3); else none: no place is made up."""
    code = str(country or "").strip().upper()
    countries = pycountry.countries
    found = countries.get(alpha_2=code) if len(code) == 2 else countries.get(alpha_3=code)
    if not city or not str(city).strip() or found is None:
        return None
    return ScanLocation(
        city=str(city).strip()[:200],
        country_code=found.alpha_2,
        region=str(region)[:100] if region else None,
        postal_code=str(postal_code)[:16] if postal_code else None,
    )


def provider_webhook(
    provider: Provider,
    secrets: Sequence[str],
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], IdempotencyStore],
    metrics: ProviderMetrics,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /webhooks/<provider>: the checkpoints of one parcel, each recorded once."""

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if not any(provider.authentic(secret, body, request) for secret in secrets):
            why = "no secret configured" if not secrets else "bad signature"
            return _unauthenticated(f"{provider.name} webhook: {why}")
        try:
            delivery = provider.read(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            metrics.provider_delivery(provider.name, "unreadable")
            log.warning("%s webhook unreadable: %s", provider.name, error)
            return refusal(ValidationFailed(f"unreadable {provider.name} delivery: {error}"), 400)
        at = now()
        if delivery.sent_at is not None and at - delivery.sent_at > provider.max_age:
            return _unauthenticated(f"{provider.name} webhook older than {provider.max_age}")
        for name, value in delivery.unknown:
            metrics.provider_unknown(provider.name, name)
            log.warning("%s sent a %s no table knows: %r", provider.name, name, value)
        try:
            answer = await _record(provider, delivery, orders(), receipts(), at)
        except Conflict as busy:
            return refusal(busy)
        metrics.provider_delivery(provider.name, "accepted")
        for outcome, count in answer["summary"].items():
            metrics.provider_checkpoints(provider.name, outcome, count)
        log.info(
            "%s webhook %s for %s %s: %s",
            provider.name,
            delivery.event_id,
            delivery.carrier,
            delivery.tracking_id,
            answer["summary"],
        )
        return JSONResponse(answer)

    def _unauthenticated(message: str) -> JSONResponse:
        metrics.provider_delivery(provider.name, "unauthenticated")
        log.warning(message)
        return refusal(Unauthenticated(message))

    return receive


async def _record(
    provider: Provider,
    delivery: Delivery,
    orders: OrderUseCases,
    receipts: IdempotencyStore,
    at: datetime,
) -> dict[str, Any]:
    if delivery.ignored is not None or delivery.carrier is None:
        return _answer(delivery.event_id, [], delivery.ignored or "no parcel in this delivery")
    scope = f"{provider.name}:{delivery.event_id}" if delivery.event_id else None
    if scope is not None:
        seen = await receipts.reserve(scope, scope, at)
        if seen is not None:  # answered before, or being answered now (the provider retries)
            if seen.result_id is None:
                raise Conflict(f"{provider.name} event {delivery.event_id} is being recorded")
            return {**json.loads(seen.result_id), "repeat": True}
    try:
        answer = await _checkpoints(provider.name, delivery, orders, receipts, at)
    except BaseException:
        if scope is not None:
            await receipts.release(scope)
        raise
    if scope is not None:
        await receipts.complete(scope, json.dumps(answer))
    return answer


async def _checkpoints(
    source: str,
    delivery: Delivery,
    orders: OrderUseCases,
    receipts: IdempotencyStore,
    at: datetime,
) -> dict[str, Any]:
    assert delivery.carrier is not None
    scans = [c for c in delivery.checkpoints if not isinstance(c, Ignored)]
    actor = Actor(delivery.carrier, Role.CARRIER)  # the parcel's carrier, through its provider
    answered = await record_scans(orders, receipts, actor, scans, at) if scans else []
    results: list[dict[str, Any]] = []
    found = iter(answered)
    for index, checkpoint in enumerate(delivery.checkpoints):
        if isinstance(checkpoint, Ignored):
            results.append({"index": index, "outcome": "IGNORED", "reason": checkpoint.reason})
            continue
        answer = next(found)
        if isinstance(answer.error, NotFound):  # not a parcel of ours: the provider must not retry
            results.append({"index": index, "outcome": "IGNORED", "reason": answer.error.message})
        elif answer.error is not None:
            results.append({"index": index, "outcome": "REFUSED", **_error(answer.error)})
        else:
            outcome = "RECORDED" if answer.outcome is ScanOutcome.RECORDED else "DUPLICATE"
            results.append({"index": index, "outcome": outcome, "orderId": answer.order_id})
    answered_all = _answer(delivery.event_id, results, None)
    if delivery.estimate is not None:  # after the scans: a delivered parcel keeps no estimate
        said = await _estimate(source, delivery, delivery.estimate, orders, actor)
        answered_all["estimate"] = said
    return answered_all


async def _estimate(
    source: str,
    delivery: Delivery,
    window: DeliveryWindow,
    orders: OrderUseCases,
    actor: Actor,
) -> dict[str, Any]:
    """The carrier's dates kept on the parcel (an event when they change)."""
    assert delivery.carrier is not None
    assert delivery.tracking_id is not None
    said = {"earliest": window.earliest.isoformat(), "latest": window.latest.isoformat()}
    try:
        changed = await note_carrier_estimate(
            orders,
            actor,
            carrier=delivery.carrier,
            tracking_id=delivery.tracking_id,
            window=window,
            source=source,
        )
    except NotFound:
        return {**said, "outcome": "IGNORED"}
    except Conflict:
        return {**said, "outcome": "REFUSED", "error": {"code": "CONFLICT"}}
    return {**said, "outcome": "RECORDED" if changed else "DUPLICATE"}


def _answer(
    event_id: str | None, results: list[dict[str, Any]], ignored: str | None
) -> dict[str, Any]:
    summary = Counter(r["outcome"] for r in results)
    answer: dict[str, Any] = {"eventId": event_id, "summary": dict(summary), "checkpoints": results}
    if ignored is not None:
        answer["ignored"] = ignored
    return answer


def _error(error: DomainError) -> dict[str, Any]:
    return {"error": {"code": error.code.value, "message": error.message, "field": error.field}}
