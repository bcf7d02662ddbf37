"""What an operator asks of the database: is it there, and how much work is waiting."""

from __future__ import annotations

from dataclasses import dataclass

from domain.notifications.deliveries import NotificationStatus
from storage.database import Database
from storage.keyset import count_matching

WAITING = [
    NotificationStatus.PENDING.value,
    NotificationStatus.HELD.value,
    NotificationStatus.RETRYING.value,
    NotificationStatus.SENDING.value,
]


@dataclass(frozen=True, slots=True)
class Backlogs:
    unpublished_events: int  # committed, not yet broadcast (the outbox)
    waiting_notifications: int  # queued, held for quiet hours, retrying or being sent
    dead_notifications: int  # given up on


async def reachable(database: Database) -> bool:
    try:
        await database.client.admin.command("ping")
    except Exception:
        return False
    return True


async def server_time(database: Database) -> float:
    """The database's clock, in seconds since 1970 (the `localTime` of its `hello`)."""
    hello = await database.client.admin.command("hello")
    return float(hello["localTime"].timestamp())


async def backlogs(database: Database) -> Backlogs:
    db = database.db
    return Backlogs(
        unpublished_events=await count_matching(db["events"], {"published": False}),
        waiting_notifications=await count_matching(
            db["notifications"], {"status": {"$in": WAITING}}
        ),
        dead_notifications=await count_matching(
            db["notifications"], {"status": NotificationStatus.DEAD.value}
        ),
    )
