"""Refunds from Manage Orders: a change of the order like any other, committed and published
(the buyer is told, the seller's feed and the reports follow)."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.access import Action, require_channel_role
from domain.kernel.events import Event
from domain.kernel.identity import Actor
from domain.orders.order import Order
from domain.orders.refunds import RefundAsked, refund_order
from domain.orders.use_cases import OrderUseCases


class RefundUseCases:
    def __init__(self, orders: OrderUseCases) -> None:
        self._orders = orders

    async def refund_order(self, actor: Actor, order_id: str, asked: RefundAsked) -> Order:
        """The seller (its own merchant-fulfilled orders) or an operator refunds part or all
        of an order outside a return."""

        def refund(order: Order, now: datetime) -> list[Event]:
            require_channel_role(actor, Action.REFUND_ORDER, order.channel)
            return refund_order(order, actor, asked, now)

        return await self._orders.change(actor, order_id, Action.REFUND_ORDER, refund)
