"""Messages between an order's buyer and seller, and the seller's review request."""

from __future__ import annotations

from collections.abc import Sequence

from domain.after_sale.messaging import Message
from domain.after_sale.ports import Begin, MessageRepository
from domain.kernel.access import Action, require_access, require_role
from domain.kernel.errors import Forbidden, NotFound
from domain.kernel.events import record
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, IdGenerator, Page, PageWindow
from domain.orders.order import Order
from domain.orders.ports import EventPublisher, OrderRepository


class ConversationUseCases:
    def __init__(
        self,
        messages: MessageRepository,
        orders: OrderRepository,
        begin: Begin,
        ids: IdGenerator,
        clock: Clock,
        publisher: EventPublisher,
    ) -> None:
        self._messages = messages
        self._orders = orders
        self._begin = begin
        self._ids = ids
        self._clock = clock
        self._publisher = publisher

    async def send_message(
        self, actor: Actor, order_id: str, body: str, attachments: Sequence[str]
    ) -> Message:
        order = await self._party_order(actor, order_id)
        now = self._clock()
        message = Message.compose(
            message_id=self._ids("msg"),
            order_id=order.id,
            sender=actor,
            body=body,
            attachments=attachments,
            now=now,
        )
        version = order.version
        events = record(
            order.id,
            order.status.value,
            order.changed(now, order.after_sale.record_message(actor, message.id, now)),
            after=version,
        )
        unit = self._begin()
        unit.add_message(message)
        unit.save_order(order, events, expected_version=version)
        await self._publisher.publish(order, await unit.commit())
        return message

    async def mark_thread_read(self, actor: Actor, order_id: str) -> int:
        """Read receipts: the other side's messages on this order are marked read."""
        require_role(actor, Action.MARK_THREAD_READ)
        order = await self._party_order(actor, order_id)
        return await self._messages.mark_read(order.id, reader=actor.role, now=self._clock())

    async def thread(self, actor: Actor, order_id: str, window: PageWindow) -> Page[Message]:
        order = await self._party_order(actor, order_id)
        return await self._messages.thread(order.id, window)

    async def get_message(self, actor: Actor, message_id: str) -> Message:
        """One message, to the parties of its order's thread; any other reads it as absent."""
        message = await self._messages.get(message_id)
        try:
            if message is None:
                raise NotFound(f"message {message_id} not found", field="id")
            await self._party_order(actor, message.order_id)
        except (NotFound, Forbidden) as hidden:
            raise NotFound(f"message {message_id} not found", field="id") from hidden
        return message

    async def request_review(self, actor: Actor, order_id: str) -> Order:
        order = require_access(actor, await self._orders.get(order_id), Action.VIEW, order_id)
        version = order.version
        now = self._clock()
        events = record(
            order.id, order.status.value, order.request_review(actor, now), after=version
        )
        unit = self._begin()
        unit.save_order(order, events, expected_version=version)
        await self._publisher.publish(order, await unit.commit())
        return order

    async def _party_order(self, actor: Actor, order_id: str) -> Order:
        require_role(actor, Action.TAKE_PART_IN_THREAD)
        return require_access(actor, await self._orders.get(order_id), Action.VIEW, order_id)
