"""Seller feedback and chargebacks through the public API: each is a change of its order,
committed and published like any other (so the seller's feed and notifications follow)."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.access import Action
from domain.kernel.events import Event
from domain.kernel.identity import Actor
from domain.kernel.money import Money
from domain.kernel.vocabulary import ChargebackStatus
from domain.orders.order import Order
from domain.orders.use_cases import OrderUseCases


class ReputationUseCases:
    def __init__(self, orders: OrderUseCases) -> None:
        self._orders = orders

    async def leave_feedback(
        self, actor: Actor, order_id: str, rating: int, comment: str | None
    ) -> Order:
        """The order's buyer rates the seller, once, within 90 days of delivery."""

        def leave(order: Order, now: datetime) -> list[Event]:
            left = order.reputation.leave_feedback(actor, rating, comment, order.delivered_at, now)
            return order.changed(now, left)

        return await self._orders.change(actor, order_id, Action.LEAVE_FEEDBACK, leave)

    async def answer_feedback(self, actor: Actor, order_id: str, answer: str) -> Order:
        return await self._orders.change(
            actor,
            order_id,
            Action.ANSWER_FEEDBACK,
            lambda o, now: o.changed(now, o.reputation.answer_feedback(actor, answer, now)),
        )

    async def remove_feedback(self, actor: Actor, order_id: str, reason: str | None) -> Order:
        return await self._orders.change(
            actor,
            order_id,
            Action.REMOVE_FEEDBACK,
            lambda o, now: o.changed(now, o.reputation.remove_feedback(actor, reason, now)),
        )

    async def open_chargeback(
        self, actor: Actor, order_id: str, amount: Money, reason: str
    ) -> Order:
        """An operator records the dispute the buyer raised with their bank."""

        def open_(order: Order, now: datetime) -> list[Event]:
            refundable = Money(order.payments.refundable, order.currency)
            opened = order.reputation.open_chargeback(actor, amount, refundable, reason, now)
            return order.changed(now, opened)

        return await self._orders.change(actor, order_id, Action.OPEN_CHARGEBACK, open_)

    async def answer_chargeback(self, actor: Actor, order_id: str, evidence: str) -> Order:
        return await self._orders.change(
            actor,
            order_id,
            Action.ANSWER_CHARGEBACK,
            lambda o, now: o.changed(now, o.reputation.answer_chargeback(actor, evidence, now)),
        )

    async def decide_chargeback(
        self, actor: Actor, order_id: str, outcome: ChargebackStatus
    ) -> Order:
        """The bank's decision; one the buyer won refunds the amount (what is left of it)."""

        def decide(order: Order, now: datetime) -> list[Event]:
            events = order.reputation.decide_chargeback(actor, outcome, now)
            dispute = order.reputation.chargeback
            if outcome is ChargebackStatus.BUYER_WON and dispute is not None:
                amount = min(dispute.amount, order.payments.refundable)
                if amount:
                    events += order.payments.refund(
                        actor,
                        Money(amount, order.currency),
                        f"chargeback:{order.id}:{dispute.opened_at.isoformat()}",
                        now,
                        return_id=None,
                        includes_shipping=False,
                    )
            return order.changed(now, events)

        return await self._orders.change(actor, order_id, Action.DECIDE_CHARGEBACK, decide)
