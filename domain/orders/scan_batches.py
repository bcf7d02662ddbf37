"""The one door every carrier scan goes through, however it arrives (GraphQL's
recordTrackingEvent and recordTrackingEvents, the carrier webhook's single scan and batch):
each scan answered on its own and recorded once, the batch's receipts kept with one command
each way, and its scans handed to the database together so that they commit in a few groups.

A scan is the same scan by its content (scan_fingerprint), whichever door brought it: a
receipt answers a repeat at once while it is kept, and the parcel itself remembers every
scan it recorded, so a history resent days later records nothing either."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.kernel import policies
from domain.kernel.errors import Conflict, DomainError, ScanAlreadyRecorded
from domain.kernel.identity import Actor
from domain.kernel.ports import IdempotencyStore, StoredKey
from domain.kernel.shipping import carrier_code
from domain.orders.commands import RecordTrackingEvent
from domain.orders.order import Order
from domain.orders.shipments import scan_fingerprint
from domain.orders.use_cases import OrderUseCases

# Retry delays drawn apart from the global `random` (whose state belongs to the caller).
_JITTER = random.Random()
# A scan that meets another writer on its order is tried again this often before CONFLICT.
CONFLICT_RETRIES = 10


class ScanOutcome(Enum):
    RECORDED = "RECORDED"
    DUPLICATE = "DUPLICATE"  # recorded before: nothing changed, the first answer repeated
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class ScanAnswer:
    outcome: ScanOutcome
    order_id: str | None = None
    status: str | None = None
    error: DomainError | None = None
    order: Order | None = None  # the order as this scan left it, when this scan recorded it


def receipt(command: RecordTrackingEvent) -> tuple[str, str]:
    """The receipt's key and fingerprint: the scan itself, not how it was sent (a carrier's
    retry is re-signed, a JSON body may be re-ordered, a time written with another offset)."""
    digest = scan_fingerprint(
        command.tag, command.location, command.scanned_at, command.description
    )
    scope = f"{carrier_code(command.carrier)}:{command.tracking_id}:{digest}"
    return scope, digest


async def record_with_retries(
    orders: OrderUseCases, actor: Actor, command: RecordTrackingEvent, read: Sequence[Order] = ()
) -> Order:
    """Record the scan, trying again (reading the orders anew) while other writers move an
    order of its parcel. `read`: the parcel's orders as a batch read them, for the first try."""
    for attempt in range(1, CONFLICT_RETRIES):
        try:
            return await orders.record_tracking_event(actor, command, read=read)
        except Conflict:
            read = ()
            await asyncio.sleep(_JITTER.uniform(0, 0.01 * attempt))
    return await orders.record_tracking_event(actor, command)  # the last try answers as it is


async def record_scans(
    orders: OrderUseCases,
    receipts: IdempotencyStore,
    actor: Actor,
    scans: Sequence[RecordTrackingEvent | DomainError],
    now: datetime,
) -> list[ScanAnswer]:
    """One answer per scan, in order. A DomainError in `scans` is a scan that could not be
    read: it is refused alone. A scan whose receipt is held already is DUPLICATE (its first
    answer), or REFUSED with CONFLICT while that first delivery is still being recorded.

    Scans of one parcel are recorded one after another in the batch's order; scans of
    different parcels all at once, so that their writes share transactions.
    """
    policies.require_batch_size(len(scans), "scans")
    answers: dict[int, ScanAnswer] = {}
    keys: dict[int, tuple[str, str]] = {}
    again: dict[int, int] = {}  # a scan sent twice in one batch -> its first index
    first_of: dict[str, int] = {}
    for index, scan in enumerate(scans):
        if isinstance(scan, DomainError):
            answers[index] = ScanAnswer(ScanOutcome.REFUSED, error=scan)
            continue
        key = receipt(scan)
        if key[0] in first_of:
            again[index] = first_of[key[0]]
        else:
            first_of[key[0]] = index
            keys[index] = key
    held = await receipts.reserve_many(list(keys.values()), now) if keys else {}
    runs: dict[tuple[str, str], list[int]] = {}
    for index, (scope, fingerprint) in keys.items():
        stored = held.get(scope)
        if stored is None:
            command = scans[index]
            assert isinstance(command, RecordTrackingEvent)
            parcel = (carrier_code(command.carrier), command.tracking_id)
            runs.setdefault(parcel, []).append(index)
        else:
            answers[index] = _repeat(stored, fingerprint)

    read = await orders.live_orders_of(list(runs)) if runs else {}

    async def parcel_run(parcel: tuple[str, str], indexes: list[int]) -> None:
        for n, index in enumerate(indexes):
            command = scans[index]
            assert isinstance(command, RecordTrackingEvent)
            first = read.get(parcel, []) if n == 0 else []  # later ones read what came before
            try:
                order = await record_with_retries(orders, actor, command, first)
            except ScanAlreadyRecorded as repeat:  # the parcel holds it: its receipt had gone
                answers[index] = ScanAnswer(ScanOutcome.DUPLICATE, repeat.order_id, repeat.status)
            except DomainError as error:
                answers[index] = ScanAnswer(ScanOutcome.REFUSED, error=error)
            else:
                answers[index] = ScanAnswer(
                    ScanOutcome.RECORDED, order.id, order.status.value, order=order
                )

    try:
        await asyncio.gather(*(parcel_run(parcel, indexes) for parcel, indexes in runs.items()))
    finally:  # also when the caller goes away: no receipt stays reserved for nothing
        started = [i for indexes in runs.values() for i in indexes]
        done = {
            keys[i][0]: json.dumps({"orderId": answers[i].order_id, "status": answers[i].status})
            for i in started
            if i in answers and answers[i].outcome is not ScanOutcome.REFUSED
        }
        if done:
            await receipts.complete_many(done)
        freed = [keys[i][0] for i in started if keys[i][0] not in done]
        if freed:
            await receipts.release_many(freed)  # refused, or never run: a retry runs again
    for index, first in again.items():
        answers[index] = (
            ScanAnswer(ScanOutcome.DUPLICATE, answers[first].order_id, answers[first].status)
            if answers[first].outcome is not ScanOutcome.REFUSED
            else answers[first]
        )
    return [answers[i] for i in range(len(scans))]


def _repeat(stored: StoredKey, fingerprint: str) -> ScanAnswer:
    if stored.result_id is None or stored.fingerprint != fingerprint:
        return ScanAnswer(ScanOutcome.REFUSED, error=Conflict("this scan is being recorded; retry"))
    first = json.loads(stored.result_id)
    return ScanAnswer(ScanOutcome.DUPLICATE, first.get("orderId"), first.get("status"))
