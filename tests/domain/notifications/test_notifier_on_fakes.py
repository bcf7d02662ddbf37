"""The notifier over in-memory ports: order events become messages, workers deliver them."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta

import pytest

from domain.kernel.shipping import DeliveryWindow
from domain.notifications.deliveries import NotificationStatus, Outgoing
from domain.notifications.preferences import Channel, Preferences, PreferencesChange
from domain.orders.commands import PlaceOrder
from outbound.notifier import Delivery, Notifier
from outbound.senders import DeliveryFailed, Sender
from tests.data import BUYER, HOME, OPERATOR, SELLER, T0, line_items
from tests.fakes import FakeNotificationOutbox, FakeOrders, World, fake_world


class Recorder:
    """A sender that keeps what it was given, or refuses it while `failing` is set."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []
        self.failing = False

    async def send(self, notification_id: str, message: Outgoing) -> None:
        if self.failing:
            raise DeliveryFailed("provider down")
        self.sent.append((notification_id, message))

    async def close(self) -> None:
        """Nothing is held open."""


@pytest.fixture
def world() -> World:
    return fake_world(T0)


def _notifier(
    world: World, outbox: FakeNotificationOutbox, senders: Mapping[Channel, Sender]
) -> Notifier:
    return Notifier(
        checkpoint=world.log,
        log=world.log,
        orders=FakeOrders(world.market),
        preferences=world.preferences,
        outbox=outbox,
        senders=senders,
        clock=world.clock,
        delivery=Delivery(retry_base_seconds=60, concurrency=2),
        jitter=random.Random(7),
    )


async def _reachable(world: World) -> None:
    for actor, email in ((BUYER, "ana@example.com"), (SELLER, "shop@example.com")):
        await world.notifications.update_preferences(actor, PreferencesChange(email=email))


async def test_each_event_is_told_once_to_whom_it_concerns(world: World) -> None:
    await _reachable(world)
    order = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    await world.orders.verify_payment(OPERATOR, order.id)
    outbox, email = FakeNotificationOutbox(), Recorder()
    notifier = _notifier(world, outbox, {Channel.EMAIL: email})
    # Four stored, three sent: the seller's ship-by reminder waits for its time.
    assert await notifier.run_once() == (4, 3)
    assert await notifier.run_once() == (0, 0)  # ticked off: a second pass tells nobody again
    told = sorted((m.recipient.role.value, m.category.value) for _, m in email.sent)
    assert told == [
        ("BUYER", "DELIVERY_ESTIMATE"),
        ("BUYER", "ORDER_CONFIRMATION"),
        ("SELLER", "NEW_ORDER"),
    ]


async def test_a_failed_send_is_retried_after_its_backoff_and_then_sent(world: World) -> None:
    await _reachable(world)
    await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    outbox, email = FakeNotificationOutbox(), Recorder()
    notifier = _notifier(world, outbox, {Channel.EMAIL: email})
    email.failing = True
    assert await notifier.run_once() == (1, 0)
    [message_id] = outbox.messages
    assert outbox.status[message_id] is NotificationStatus.RETRYING
    email.failing = False
    assert await notifier.deliver() == 0  # not due yet
    world.clock.advance(timedelta(seconds=60))
    assert await notifier.deliver() == 1
    record = outbox.records[message_id]
    assert (record.status, record.attempts) == (NotificationStatus.SENT, 2)


async def test_a_channel_without_a_sender_is_skipped_not_retried(world: World) -> None:
    await world.preferences.save(
        Preferences.default_for(BUYER).changed(PreferencesChange(phone="+351912345678")),
        expected_version=0,
    )
    order = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    paid = await world.orders.verify_payment(OPERATOR, order.id)
    assert paid.estimated_delivery is not None
    later = DeliveryWindow(
        paid.estimated_delivery.earliest, paid.estimated_delivery.latest + timedelta(days=2)
    )
    await world.orders.report_delay(SELLER, order.id, later, "storm")  # DELAY goes out by SMS
    outbox = FakeNotificationOutbox()
    await _notifier(world, outbox, {}).run_once()
    assert [(m.channel, m.category.value) for m in outbox.messages.values()] == [
        (Channel.SMS, "DELAY")
    ]
    assert list(outbox.status.values()) == [NotificationStatus.SKIPPED]
