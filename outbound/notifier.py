"""The notifier: order events become messages in the outbox, and workers deliver them."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from opentelemetry import trace

from domain.kernel.events import RecordedEvent
from domain.kernel.ports import Clock, EventLog
from domain.kernel.shipping import FulfillmentChannel
from domain.notifications.deliveries import Lease, NotificationStatus, Outgoing, retry_delay
from domain.notifications.notices import Notice, notices_for, settled
from domain.notifications.ports import NotificationOutbox, NotifierCheckpoint, PreferenceStore
from domain.notifications.preferences import Channel, Preferences, held_until
from domain.orders.order import Order
from domain.orders.ports import OrderRepository
from outbound.senders import DeliveryFailed, Sender
from outbound.templates import render

_TRACER = trace.get_tracer("orderwire.notifier")
log = logging.getLogger("orderwire.notifier")


@dataclass(frozen=True, slots=True)
class Delivery:
    """How hard the workers try."""

    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease: timedelta = timedelta(minutes=2)
    concurrency: int = 8
    batch: int = 200


class Notifier:
    def __init__(
        self,
        *,
        checkpoint: NotifierCheckpoint,
        log: EventLog,
        orders: OrderRepository,
        preferences: PreferenceStore,
        outbox: NotificationOutbox,
        senders: Mapping[Channel, Sender],
        clock: Clock,
        delivery: Delivery = Delivery(),
        order_url: str | None = None,
        jitter: random.Random | None = None,
    ) -> None:
        self._checkpoint = checkpoint
        self._log = log
        self._orders = orders
        self._preferences = preferences
        self._outbox = outbox
        self._senders = senders
        self._clock = clock
        self._delivery = delivery
        self._order_url = order_url
        self._jitter = jitter or random.Random()
        self._stopping = asyncio.Event()

    # -- events to messages ----------------------------------------------------------------

    async def prepare(self) -> int:
        """Turn every order event not yet notified into outbox messages; how many were stored."""
        stored = 0
        while not self._stopping.is_set() and (
            batch := await self._checkpoint.unnotified(limit=self._delivery.batch)
        ):
            orders = await self._orders.get_many(list({r.aggregate_id for r, _, _ in batch}))
            for recorded, buyer_id, seller_id in batch:
                order = orders[recorded.aggregate_id]
                seller_ships = order.channel is not FulfillmentChannel.FBA
                notices = notices_for(recorded, buyer_id, seller_id, seller_ships=seller_ships)
                people = await self._preferences.get_many([n.recipient for n in notices])
                messages = [
                    message
                    for notice in notices
                    if notice.recipient in people
                    for message in self._messages(recorded, order, notice, people[notice.recipient])
                ]
                # Stored before the event is ticked off: a crash in between replays the event,
                # and the outbox's unique key drops the repeats.
                stored += await self._outbox.add(messages, now=self._clock())
                await self._checkpoint.mark_notified(recorded.aggregate_id, recorded.sequence)
            if len(batch) < self._delivery.batch:
                break
        return stored

    def _messages(
        self, recorded: RecordedEvent, order: Order, notice: Notice, person: Preferences
    ) -> list[Outgoing]:
        rendered = render(
            notice.category,
            recorded,
            order,
            role=person.role,
            time_zone=person.time_zone,
            order_url=self._order_url,
        )
        event = f"{recorded.aggregate_id}:{recorded.sequence}"
        messages = []
        for channel in person.channels_for(notice.category):
            due = held_until(person.quiet_hours, person.time_zone, channel, notice.not_before)
            messages.append(
                Outgoing(
                    event=event + ("#reminder" if notice.reminder_for else ""),
                    recipient=notice.recipient,
                    channel=channel,
                    category=notice.category,
                    order_id=recorded.aggregate_id,
                    sequence=recorded.sequence,
                    to=person.address(channel) or "",
                    subject=rendered.subject,
                    text=rendered.text,
                    html=rendered.html,
                    short=rendered.short,
                    due_at=due,
                    held=due > notice.not_before and notice.reminder_for is None,
                    time_zone=person.time_zone,
                    quiet_hours=person.quiet_hours,
                    reminder_for=notice.reminder_for,
                )
            )
        return messages

    # -- delivery ----------------------------------------------------------------------------

    async def deliver(self) -> int:
        """Send every message that is due, with a few workers; how many went out."""
        # A task group, not gather: cancelled, it waits until every worker has handed back
        # what it held, before the caller goes on (and closes the database).
        async with asyncio.TaskGroup() as group:
            workers = [group.create_task(self._worker()) for _ in range(self._delivery.concurrency)]
        return sum(worker.result() for worker in workers)

    async def _worker(self) -> int:
        sent = 0
        while not self._stopping.is_set():  # a stopping notifier takes nothing new
            lease = await self._outbox.claim_due(self._clock(), self._delivery.lease)
            if lease is None:
                break
            try:
                sent += await self._attempt(lease)
            except asyncio.CancelledError:  # stopped past its bound: the next one sends it
                await asyncio.shield(self._hand_back(lease))
                raise
        return sent

    async def _hand_back(self, lease: Lease) -> None:
        try:
            await self._outbox.hand_back(lease)
        except Exception:  # its lease runs out by itself
            log.exception("could not hand notification %s back; its lease will lapse", lease.id)
        else:
            log.info("handed notification %s back: stopping", lease.id)

    async def _attempt(self, lease: Lease) -> int:
        message = lease.message
        if message.reminder_for is not None:
            later = await self._log.events_after(message.order_id, message.sequence)
            if settled(message.reminder_for, later):
                await self._outbox.give_up(
                    lease, "settled before the reminder was due", NotificationStatus.SKIPPED
                )
                return 0
        sender = self._senders.get(message.channel)
        if sender is None:
            reason = f"no {message.channel.value} provider is configured"
            await self._outbox.give_up(lease, reason, NotificationStatus.SKIPPED)
            return 0
        try:
            with _TRACER.start_as_current_span("orderwire notification") as span:
                span.set_attribute("orderwire.channel", message.channel.value)
                span.set_attribute("orderwire.category", message.category.value)
                await sender.send(lease.id, message)
        except DeliveryFailed as error:
            await self._failed(lease, error)
            return 0
        if not await self._outbox.sent(lease, self._clock()):
            log.warning("notification %s was sent after its lease ran out", lease.id)
        log.info("sent %s %s to %s", message.channel.value, message.category.value, lease.id)
        return 1

    async def _failed(self, lease: Lease, error: DeliveryFailed) -> None:
        d = self._delivery
        if error.permanent or lease.attempts >= d.max_attempts:
            log.warning(
                "notification %s dead after %d attempts: %s", lease.id, lease.attempts, error
            )
            await self._outbox.give_up(lease, str(error), NotificationStatus.DEAD)
            return
        delay = retry_delay(
            lease.attempts,
            base=d.retry_base_seconds,
            cap=d.retry_max_seconds,
            jitter=self._jitter.random(),
        )
        message = lease.message
        retry_at = self._clock() + delay
        due = held_until(message.quiet_hours, message.time_zone, message.channel, retry_at)
        log.info("notification %s failed (%s); next attempt at %s", lease.id, error, due)
        await self._outbox.retry(lease, due, str(error), held=due > retry_at)

    async def run_once(self) -> tuple[int, int]:
        """One pass: store the messages of new events, then send what is due."""
        return await self.prepare(), await self.deliver()

    async def close(self) -> None:
        for sender in self._senders.values():
            await sender.close()

    async def run(self, poll_seconds: float, stop: asyncio.Event | None = None) -> None:
        """Pass after pass until `stop` is set; a failing pass is logged and tried again.

        Stopping takes no new message: what is being sent is finished, and the rest waits
        for the next notifier. A caller that cannot wait (a bounded stop) cancels the task:
        a message still being sent is then handed back, due at once for the next one.
        """
        stop = self._stopping = stop or asyncio.Event()
        log.info("notifier running: every %ss", poll_seconds)
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("notifier pass failed; trying again in %ss", poll_seconds)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
