"""Return use cases: each changes a return and its order together, then tells subscribers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.after_sale.ports import Begin, ReturnQuery, ReturnRepository, UnitOfWork
from domain.after_sale.protocol import AfterSaleChanges, Decision
from domain.after_sale.returns import RELEASED, Return
from domain.kernel.access import Action, require_access, require_return_access, require_role
from domain.kernel.errors import NotFound
from domain.kernel.events import Event, RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, IdGenerator, Page, PageWindow
from domain.kernel.shipping import ScanLocation, ShippedItem, TrackingTag
from domain.kernel.vocabulary import LabelKind, ReturnReason, ReturnStatus
from domain.orders.order import Order
from domain.orders.ports import EventPublisher, OrderRepository

# What a return command decides: the return's events, then the order's.


@dataclass(frozen=True, slots=True)
class RequestReturn:
    order_id: str
    items: Sequence[ShippedItem]
    reason: ReturnReason
    comment: str | None = None


class ReturnUseCases:
    def __init__(
        self,
        returns: ReturnRepository,
        orders: OrderRepository,
        begin: Begin,
        ids: IdGenerator,
        clock: Clock,
        publisher: EventPublisher,
    ) -> None:
        self._returns = returns
        self._orders = orders
        self._ids = ids
        self._clock = clock
        self._changes = AfterSaleChanges(begin, clock, publisher)

    async def request_return(self, actor: Actor, command: RequestReturn) -> Return:
        require_role(actor, Action.REQUEST_RETURN)
        found = await self._orders.get(command.order_id)
        order = require_access(actor, found, Action.REQUEST_RETURN, command.order_id)
        now = self._clock()
        return_id = self._ids("ret")
        order_version = order.version
        order_events = order.open_return(
            actor, return_id, command.items, now, reason=command.reason
        )
        assert order.delivered_at is not None  # open_return admits delivered orders only
        ret, events = Return.request(
            return_id=return_id,
            order_id=order.id,
            buyer=actor,
            seller_id=order.seller_id,
            channel=order.channel,
            currency=order.currency,
            delivered_at=order.delivered_at,
            items=command.items,
            reason=command.reason,
            comment=command.comment,
            now=now,
        )
        order_events += order.changed(
            now, order.after_sale.note_return(actor, return_id, ret.status, now)
        )
        await self._changes.commit(ret, events, 0, order, order_events, order_version, _save_return)
        return ret

    async def authorize(self, actor: Actor, return_id: str) -> Return:
        return await self._change(
            actor, return_id, Action.HANDLE_RETURN, lambda r, o, now: (r.authorize(actor, now), [])
        )

    async def reject(self, actor: Actor, return_id: str, reason: str) -> Return:
        return await self._change(
            actor,
            return_id,
            Action.HANDLE_RETURN,
            lambda r, o, now: (r.reject(actor, reason, now), []),
        )

    async def issue_label(
        self, actor: Actor, return_id: str, kind: LabelKind, carrier: str, tracking_id: str
    ) -> Return:
        return await self._change(
            actor,
            return_id,
            Action.HANDLE_RETURN,
            lambda r, o, now: (
                r.issue_label(actor, kind=kind, carrier=carrier, tracking_id=tracking_id, now=now),
                [],
            ),
        )

    async def record_scan(
        self,
        actor: Actor,
        return_id: str,
        tag: TrackingTag,
        location: ScanLocation,
        scanned_at: datetime,
    ) -> Return:
        return await self._change(
            actor,
            return_id,
            Action.SCAN_RETURN,
            lambda r, o, now: (
                r.record_scan(actor, tag=tag, location=location, scanned_at=scanned_at, now=now),
                [],
            ),
        )

    async def mark_received(self, actor: Actor, return_id: str) -> Return:
        return await self._change(
            actor,
            return_id,
            Action.HANDLE_RETURN,
            lambda r, o, now: (r.mark_received(actor, now), []),
        )

    async def refund(
        self, actor: Actor, return_id: str, *, fee_percent: int, idempotency_key: str
    ) -> Return:
        """Refund a received return once; the same key again answers with the same refund."""
        current = await self._returns.get(return_id)
        ret = require_return_access(actor, current, Action.HANDLE_RETURN, return_id)
        if ret.status is ReturnStatus.REFUNDED and ret.refund_key == idempotency_key:
            return ret

        def decide(r: Return, o: Order, now: datetime) -> Decision:
            shipping = 0 if o.payments.shipping_refunded else o.shipping_fee
            events = r.refund(
                actor,
                items_price=o.price_of(r.items),
                shipping=shipping,
                fee_percent=fee_percent,
                idempotency_key=idempotency_key,
                now=now,
            )
            includes_shipping = r.refunded_amount > o.price_of(r.items) - r.restocking_fee
            refund = o.record_refund(
                actor,
                r.id,
                r.refunded_amount,
                idempotency_key,
                now,
                includes_shipping=includes_shipping,
            )
            return events, refund

        return await self._change(actor, return_id, Action.HANDLE_RETURN, decide)

    async def close(self, actor: Actor, return_id: str, reason: str | None) -> Return:
        return await self._change(
            actor,
            return_id,
            Action.CLOSE_RETURN,
            lambda r, o, now: (r.close(actor, reason, now), []),
        )

    async def get_return(self, actor: Actor, return_id: str) -> Return:
        found = await self._returns.get(return_id)
        return require_return_access(actor, found, Action.VIEW, return_id)

    async def list_returns(
        self, actor: Actor, query: ReturnQuery, window: PageWindow
    ) -> Page[Return]:
        scoped = query.scoped_to(actor)
        if scoped is None:
            return Page([], has_more=False)
        return await self._returns.page(scoped, window, now=self._clock())

    async def returns_of_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]:
        """Returns of orders the caller has already been allowed to see."""
        return await self._returns.for_orders(order_ids)

    async def _change(
        self,
        actor: Actor,
        return_id: str,
        action: Action,
        decide: Callable[[Return, Order, datetime], Decision],
    ) -> Return:
        ret = require_return_access(actor, await self._returns.get(return_id), action, return_id)
        order = await self._orders.get(ret.order_id)
        if order is None:
            raise NotFound(f"order {ret.order_id} of return {return_id} not found")

        def note(r: Return, o: Order, now: datetime) -> list[Event]:
            released = r.items if r.status in RELEASED else ()
            reason = r.rejection_reason or r.close_reason
            return o.after_sale.note_return(
                actor, r.id, r.status, now, release=released, reason=reason
            )

        return await self._changes.change(ret, order, decide, note, _save_return)


def _save_return(
    unit: UnitOfWork, ret: Return, recorded: list[RecordedEvent], version: int
) -> None:
    unit.save_return(ret, recorded, expected_version=version)
