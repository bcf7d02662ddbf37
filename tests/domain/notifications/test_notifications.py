"""Notification rules in memory: quiet hours, who hears what, reminders, backoff, preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.kernel import events as ev
from domain.kernel.errors import Forbidden, ValidationFailed
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import DeliveryWindow
from domain.kernel.vocabulary import ClaimReason, ClaimStatus, OrderStatus
from domain.notifications.deliveries import retry_delay
from domain.notifications.notices import notices_for, settled
from domain.notifications.preferences import (
    Category,
    Channel,
    Preferences,
    PreferencesChange,
    QuietHours,
    held_until,
)
from outbound.templates import render
from tests.data import order_in

NIGHT = QuietHours(time(22, 0), time(7, 0))
BUYER = Actor("b1", Role.BUYER)
SELLER = Actor("s1", Role.SELLER)
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("21:59", "21:59"),  # not yet quiet
        ("22:00", "07:00+1"),
        ("23:30", "07:00+1"),
        ("03:00", "07:00"),  # after midnight: the same morning
        ("06:59", "07:00"),
        ("07:00", "07:00"),  # quiet hours are over
    ],
)
def test_sms_waits_out_quiet_hours_that_cross_midnight(local: str, expected: str) -> None:
    day = datetime(2026, 11, 2, tzinfo=UTC)  # Lisbon is on UTC in November
    clock = time.fromisoformat(local)
    at = day.replace(hour=clock.hour, minute=clock.minute)
    hours, _, plus = expected.partition("+")
    end = time.fromisoformat(hours)
    want = (day + timedelta(days=int(plus or 0))).replace(hour=end.hour, minute=end.minute)
    assert held_until(NIGHT, "Europe/Lisbon", Channel.SMS, at) == want


def test_quiet_hours_follow_the_persons_time_zone() -> None:
    # 04:00 UTC is 23:00 in New York (EST): quiet there until 07:00 EST = 12:00 UTC.
    at = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)
    assert held_until(NIGHT, "America/New_York", Channel.PUSH, at) == datetime(
        2026, 11, 3, 12, 0, tzinfo=UTC
    )


def test_email_is_never_held() -> None:
    at = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    assert held_until(NIGHT, "Europe/Lisbon", Channel.EMAIL, at) == at


def test_a_daytime_span_does_not_wrap() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(time(12, 30))
    assert not lunch.contains(time(13, 0))
    assert not lunch.contains(time(23, 0))


def _recorded(event: ev.Event, sequence: int = 1) -> RecordedEvent:
    return RecordedEvent("o1", sequence, "X", event)


def test_payment_verified_tells_the_buyer_the_estimate_and_the_seller_to_ship() -> None:
    window = DeliveryWindow(AT.date(), AT.date())
    notices = notices_for(
        _recorded(ev.PaymentVerified(occurred_at=AT, actor=BUYER, estimated_delivery=window)),
        "b1",
        "s1",
    )
    assert [(n.recipient, n.category) for n in notices] == [
        (BUYER, Category.DELIVERY_ESTIMATE),
        (SELLER, Category.NEW_ORDER),
    ]


def test_a_claim_brings_a_deadline_reminder_six_hours_before_the_48_hours_end() -> None:
    filed = ev.ClaimFiled(
        occurred_at=AT, actor=BUYER, claim_id="c1", reason=ClaimReason.NOT_RECEIVED
    )
    claim, reminder = notices_for(_recorded(filed), "b1", "s1")
    assert (claim.category, claim.not_before) == (Category.CLAIM, AT)
    assert (reminder.category, reminder.reminder_for) == (Category.DEADLINE, "c1")
    assert reminder.not_before == AT + timedelta(hours=42)


def test_nobody_is_told_of_their_own_claim_answer() -> None:
    answered = ev.ClaimProgressed(
        occurred_at=AT, actor=SELLER, claim_id="c1", claim_status=ClaimStatus.SELLER_RESPONDED
    )
    assert [n.recipient for n in notices_for(_recorded(answered), "b1", "s1")] == [BUYER]


def test_messages_go_to_the_other_side() -> None:
    sent = ev.MessageSent(occurred_at=AT, actor=BUYER, message_id="m1", sender_role=Role.BUYER)
    assert [(n.recipient, n.category) for n in notices_for(_recorded(sent), "b1", "s1")] == [
        (SELLER, Category.MESSAGE)
    ]


def test_a_reminder_is_settled_by_progress_on_its_own_claim_only() -> None:
    other = ev.ClaimProgressed(
        occurred_at=AT, actor=SELLER, claim_id="c2", claim_status=ClaimStatus.UNDER_REVIEW
    )
    own = ev.ClaimProgressed(
        occurred_at=AT, actor=SELLER, claim_id="c1", claim_status=ClaimStatus.UNDER_REVIEW
    )
    assert not settled("c1", [_recorded(other, 2)])
    assert settled("c1", [_recorded(other, 2), _recorded(own, 3)])


def test_backoff_doubles_up_to_the_cap_and_jitter_trims_at_most_half() -> None:
    delays = [retry_delay(n, base=30, cap=300, jitter=0.0) for n in range(1, 7)]
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 240, 300, 300]
    assert retry_delay(2, base=30, cap=300, jitter=0.999).total_seconds() == pytest.approx(30.03)


def test_preferences_keep_what_a_change_leaves_out() -> None:
    prefs = Preferences.default_for(BUYER).changed(
        PreferencesChange(email="a@example.com", phone="+14155550123")
    )
    changed = prefs.changed(PreferencesChange(categories=[(Category.SHIPPING, [Channel.SMS])]))
    assert (changed.email, changed.phone, changed.version) == ("a@example.com", "+14155550123", 2)
    assert changed.channels_for(Category.SHIPPING) == [Channel.SMS]
    assert changed.channels_for(Category.DELIVERED) == [Channel.EMAIL, Channel.SMS]


def test_a_seller_category_is_refused_for_a_buyer() -> None:
    with pytest.raises(ValidationFailed, match="not a buyer category"):
        Preferences.default_for(BUYER).changed(
            PreferencesChange(categories=[(Category.NEW_ORDER, [Channel.EMAIL])])
        )


def test_operators_and_carriers_have_no_preferences() -> None:
    with pytest.raises(Forbidden):
        Preferences.default_for(Actor("op", Role.OPERATOR))


def test_a_parcel_at_risk_and_back_on_track_tell_the_shipper_only() -> None:
    order = order_in(OrderStatus.IN_TRANSIT).order
    kinds = (ev.DeliveryAtRisk, ev.DeliveryBackOnTrack)
    subjects = ("may miss its delivery promise", "is back on track")
    for kind, chance, subject in zip(kinds, (0.2, 0.75), subjects, strict=True):
        event = kind(
            occurred_at=AT,
            actor=Actor("forecast", Role.OPERATOR),
            shipment_id="shp_1",
            on_time_probability=chance,
            predicted=date(2026, 11, 9),
            deliver_by=date(2026, 11, 7),
        )
        told = notices_for(_recorded(event), "b1", "s1")
        assert [(n.recipient, n.category) for n in told] == [(SELLER, Category.DEADLINE)]
        assert notices_for(_recorded(event), "b1", "s1", seller_ships=False) == []
        said = render(
            Category.DEADLINE,
            _recorded(event),
            order,
            role=Role.SELLER,
            time_zone="UTC",
            order_url=None,
        )
        assert subject in said.subject
        assert f"{chance:.0%}" in said.text
