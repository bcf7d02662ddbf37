"""What the notifier needs from outside: preferences, history, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.paging import ListOrder
from domain.kernel.ports import Page, PageWindow
from domain.notifications.deliveries import Lease, NotificationRecord, NotificationStatus, Outgoing
from domain.notifications.preferences import Preferences


class PreferenceStore(Protocol):
    async def get(self, actor: Actor) -> Preferences | None: ...

    async def get_many(self, actors: Sequence[Actor]) -> dict[Actor, Preferences]:
        """Those of `actors` who saved preferences, in one round trip."""

    async def save(self, preferences: Preferences, *, expected_version: int) -> None:
        """Store them only if nobody saved since `expected_version`; else Conflict."""


# How a person's notification history is read, for every store and the API's cursors.
NEWEST_NOTIFIED: ListOrder[NotificationRecord] = ListOrder(lambda r: r.created_at, descending=True)


class NotificationHistory(Protocol):
    async def page_for(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        window: PageWindow,
    ) -> Page[NotificationRecord]:
        """The actor's notifications, newest first."""

    async def one_for(self, actor: Actor, notification_id: str) -> NotificationRecord | None:
        """The actor's own notification with this id; None for anyone else's."""


class NotifierCheckpoint(Protocol):
    """Order events the notifier has yet to turn into messages, ticked off one by one."""

    async def unnotified(self, *, limit: int) -> list[tuple[RecordedEvent, str, str]]:
        """Oldest first, each with its order's buyer and seller ids."""

    async def mark_notified(self, aggregate_id: str, sequence: int) -> None: ...


class NotificationOutbox(Protocol):
    """Messages waiting to be sent; workers take them one at a time under a lease."""

    async def add(self, messages: Sequence[Outgoing], *, now: datetime) -> int:
        """Store new messages, leaving ones already stored as they are; how many were new."""

    async def claim_due(self, now: datetime, lease: timedelta) -> Lease | None: ...

    async def sent(self, lease: Lease, at: datetime) -> bool: ...

    async def retry(self, lease: Lease, at: datetime, error: str, *, held: bool) -> bool: ...

    async def give_up(self, lease: Lease, error: str, status: NotificationStatus) -> bool: ...

    async def hand_back(self, lease: Lease) -> bool:
        """Let go of a message this worker will not finish (it is stopping): due at once for
        the next worker, the attempt not counted."""
