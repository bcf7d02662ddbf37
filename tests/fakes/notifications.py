"""Fakes of notification preferences and the notification outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from domain.kernel.errors import Conflict
from domain.kernel.identity import Actor
from domain.kernel.moments import truncate_to_millis
from domain.kernel.ports import Page, PageWindow
from domain.notifications.deliveries import (
    CLAIMABLE,
    Lease,
    NotificationRecord,
    NotificationStatus,
    Outgoing,
    after_failure,
    handed_back,
    queued,
    settle,
)
from domain.notifications.ports import NEWEST_NOTIFIED
from domain.notifications.preferences import Preferences
from tests.fake_pages import listed
from tests.fakes.keys import SequentialIds


class FakePreferences:
    def __init__(self) -> None:
        self.saved: dict[Actor, Preferences] = {}

    async def get(self, actor: Actor) -> Preferences | None:
        return self.saved.get(actor)

    async def get_many(self, actors: Sequence[Actor]) -> dict[Actor, Preferences]:
        return {a: self.saved[a] for a in actors if a in self.saved}

    async def save(self, preferences: Preferences, *, expected_version: int) -> None:
        actor = Actor(preferences.person_id, preferences.role)
        current = self.saved.get(actor)
        if (current.version if current else 0) != expected_version:
            raise Conflict("your notification preferences changed meanwhile; reload them")
        self.saved[actor] = preferences


class FakeNotificationOutbox:
    """Messages by id with the history a person reads of them; a worker's lease is a token that
    lapses, as in the real outbox."""

    def __init__(self) -> None:
        self.messages: dict[str, Outgoing] = {}
        self.records: dict[str, NotificationRecord] = {}
        self._tokens = SequentialIds()
        self._leases: dict[str, tuple[str, datetime]] = {}  # id -> (token, lapses at)

    @property
    def status(self) -> dict[str, NotificationStatus]:
        return {i: r.status for i, r in self.records.items()}

    async def add(self, messages: Sequence[Outgoing], *, now: datetime) -> int:
        new = [m for m in messages if m.id not in self.messages]
        for m in new:
            self.messages[m.id] = m
            self.records[m.id] = NotificationRecord(
                id=m.id,
                category=m.category,
                channel=m.channel,
                status=queued(held=m.held),
                order_id=m.order_id,
                to=m.to,
                subject=m.subject,
                attempts=0,
                last_error=None,
                created_at=truncate_to_millis(now),
                next_attempt_at=truncate_to_millis(m.due_at),
                sent_at=None,
            )
        return len(new)

    async def claim_due(self, now: datetime, lease: timedelta) -> Lease | None:
        def due(r: NotificationRecord) -> bool:
            if r.status is NotificationStatus.SENDING:
                return self._leases[r.id][1] <= now
            at = r.next_attempt_at
            return r.status in CLAIMABLE and at is not None and at <= now

        waiting = [r for r in self.records.values() if due(r)]
        if not waiting:
            return None
        chosen = min(waiting, key=lambda r: r.next_attempt_at or r.created_at)
        token = self._tokens("lease")
        self._leases[chosen.id] = (token, now + lease)
        attempts = chosen.attempts + 1
        self.records[chosen.id] = replace(
            chosen, status=NotificationStatus.SENDING, attempts=attempts
        )
        return Lease(chosen.id, token, attempts, self.messages[chosen.id])

    def _settle(self, lease: Lease, status: NotificationStatus, **changes: Any) -> bool:
        final = settle(status)  # an impossible status is refused whoever holds the lease
        held = self._leases.get(lease.id)
        if held is None or held[0] != lease.token:
            return False
        del self._leases[lease.id]
        record = self.records[lease.id]
        self.records[lease.id] = replace(record, status=final, **changes)
        return True

    async def sent(self, lease: Lease, at: datetime) -> bool:
        return self._settle(
            lease, NotificationStatus.SENT, sent_at=truncate_to_millis(at), next_attempt_at=None
        )

    async def retry(self, lease: Lease, at: datetime, error: str, *, held: bool) -> bool:
        return self._settle(
            lease,
            after_failure(held=held),
            next_attempt_at=truncate_to_millis(at),
            last_error=error[:500],
        )

    async def give_up(self, lease: Lease, error: str, status: NotificationStatus) -> bool:
        return self._settle(lease, status, next_attempt_at=None, last_error=error[:500])

    async def hand_back(self, lease: Lease) -> bool:
        attempts = self.records[lease.id].attempts - 1
        return self._settle(lease, handed_back(), attempts=attempts)

    async def one_for(self, actor: Actor, notification_id: str) -> NotificationRecord | None:
        message = self.messages.get(notification_id)
        return None if message is None or message.recipient != actor else self.records[message.id]

    async def page_for(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        window: PageWindow,
    ) -> Page[NotificationRecord]:
        mine = [
            r
            for i, r in self.records.items()
            if self.messages[i].recipient == actor and status in (None, r.status)
        ]
        return listed(NEWEST_NOTIFIED, mine, window)
