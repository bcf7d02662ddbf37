"""The unit of work: every aggregate a use case changed, committed together (in a group of
units ready at the same time, storage/group_commit.py) or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from opentelemetry import trace

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.returns import Return
from domain.kernel.events import FeedPositions, RecordedEvent
from domain.orders.order import Order
from storage.aggregates import AggregateWrite, UnitWrites
from storage.claims import claim_document
from storage.codec import encode
from storage.database import Database
from storage.event_log import event_document
from storage.group_commit import groups_of
from storage.messages import message_document
from storage.orders import order_document
from storage.returns import return_document

_TRACER = trace.get_tracer("orderwire.storage")

Document = dict[str, Any]


class MongoUnitOfWork:
    """Collects writes; `commit` applies them all or none, each guarded by its version."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._writes: list[AggregateWrite] = []
        self._held: list[dict[str, Any]] = []
        self._freed: list[dict[str, Any]] = []
        self._committed = False
        self._order_events: list[tuple[RecordedEvent, Document]] = []

    def save_order(
        self, order: Order, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        docs = [event_document("order", order, recorded) for recorded in events]
        self._order_events += zip(events, docs, strict=True)
        self._writes.append(AggregateWrite("orders", order_document(order), expected_version, docs))

    def save_return(
        self, ret: Return, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        docs = [event_document("return", ret, recorded) for recorded in events]
        self._writes.append(AggregateWrite("returns", return_document(ret), expected_version, docs))

    def save_claim(
        self, claim: Claim, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        docs = [event_document("claim", claim, recorded) for recorded in events]
        self._writes.append(AggregateWrite("claims", claim_document(claim), expected_version, docs))

    def add_message(self, message: Message) -> None:
        self._writes.append(AggregateWrite("messages", message_document(message), 0, []))

    def debit_seller(self, claim: Claim, amount: int) -> None:
        # One ledger line per claim: its _id makes a second debit impossible.
        entry = {
            "_id": f"claim:{claim.id}",
            "seller_id": claim.seller_id,
            "order_id": claim.order_id,
            "amount": amount,
            "currency": claim.currency,
            "at": encode(claim.updated_at),
            "version": 1,
        }
        self._writes.append(AggregateWrite("seller_ledger", entry, 0, []))

    def hold_tracking(self, carrier: str, tracking_id: str, order_id: str, package: str) -> None:
        key = f"{carrier}|{tracking_id}"
        self._held.append({"_id": key, "package": package, "order_id": order_id})

    def free_tracking(self, carrier: str, tracking_id: str, order_id: str) -> None:
        self._freed.append({"_id": f"{carrier}|{tracking_id}", "order_id": order_id})

    async def commit(self) -> list[RecordedEvent]:
        if self._committed:
            raise RuntimeError("a unit of work commits once; begin another")
        self._committed = True
        # A span when traces are on (api/telemetry.py); OpenTelemetry's no-op tracer otherwise.
        with _TRACER.start_as_current_span("orderwire commit") as span:
            span.set_attribute("orderwire.writes", len(self._writes))
            await groups_of(self._database).commit(
                UnitWrites(self._writes, self._held, self._freed)
            )
        return [
            replace(recorded, positions=FeedPositions(doc["buyer_pos"], doc["seller_pos"]))
            for recorded, doc in self._order_events
        ]
