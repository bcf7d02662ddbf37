"""The fake unit of work: versions checked at commit, as MongoDB checks them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.returns import Return
from domain.kernel.errors import Conflict, TrackingIdInUse
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from tests.fakes.marketplace import LoggedEvent, Marketplace, _Versioned


class FakeUnitOfWork:
    """Checks every version first, then applies every write: all or nothing, like a transaction."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self._checks: list[Callable[[], None]] = []
        self._writes: list[Callable[[], None]] = []
        self._order_events: list[RecordedEvent] = []

    def _save(
        self,
        kind: str,
        table: dict[str, Any],
        item: _Versioned,
        parties: tuple[str, str],
        events: Sequence[RecordedEvent],
        expected_version: int,
    ) -> None:
        kept = copy.deepcopy(item)

        def check() -> None:
            current = table.get(item.id)
            if (current.version if current else 0) != expected_version or (
                expected_version == 0 and current is not None
            ):
                raise Conflict(f"{kind} {item.id} was changed by someone else; reload it")

        def write() -> None:
            table[item.id] = kept
            at = datetime.now(UTC)  # as the store stamps a commit: by the wall clock
            logged = events
            if kind == "order":
                logged = [self._m.positioned(*parties, recorded) for recorded in events]
                self._order_events += logged
            self._m.log += [
                LoggedEvent(kind, *parties, recorded, kind != "order", at) for recorded in logged
            ]

        self._checks.append(check)
        self._writes.append(write)

    def save_order(
        self, order: Order, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (order.buyer_id, order.seller_id)
        self._save("order", self._m.orders, order, parties, events, expected_version)

    def save_return(
        self, ret: Return, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (ret.buyer_id, ret.seller_id)
        self._save("return", self._m.returns, ret, parties, events, expected_version)

    def save_claim(
        self, claim: Claim, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (claim.buyer_id, claim.seller_id)
        self._save("claim", self._m.claims, claim, parties, events, expected_version)

    def add_message(self, message: Message) -> None:
        kept = copy.deepcopy(message)

        def check() -> None:
            if message.id in self._m.messages:
                raise Conflict(f"message {message.id} exists")

        self._checks.append(check)
        self._writes.append(lambda: self._m.messages.__setitem__(kept.id, kept))

    def debit_seller(self, claim: Claim, amount: int) -> None:
        def check() -> None:
            if claim.id in self._m.ledger:
                raise Conflict(f"claim {claim.id} was debited already")

        self._checks.append(check)
        self._writes.append(lambda: self._m.ledger.__setitem__(claim.id, amount))

    def hold_tracking(self, carrier: str, tracking_id: str, order_id: str, package: str) -> None:
        key = (carrier, tracking_id)

        def check() -> None:
            held = self._m.live_parcels.get(key)
            if held is not None and held[0] != package:
                raise TrackingIdInUse(f"{carrier} {tracking_id} is in use", field="trackingId")

        def write() -> None:
            self._m.live_parcels.setdefault(key, (package, set()))[1].add(order_id)

        self._checks.append(check)
        self._writes.append(write)

    def free_tracking(self, carrier: str, tracking_id: str, order_id: str) -> None:
        key = (carrier, tracking_id)

        def write() -> None:
            held = self._m.live_parcels.get(key)
            if held is not None:
                held[1].discard(order_id)
                if not held[1]:
                    del self._m.live_parcels[key]

        self._writes.append(write)

    async def commit(self) -> list[RecordedEvent]:
        for check in self._checks:
            check()
        for write in self._writes:
            write()
        self._m.commits += 1
        return list(self._order_events)
