"""What an operator asks of the database: is it there, and how much work is waiting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.notifications.deliveries import NotificationStatus
from domain.webhooks.messages import MessageState
from storage.codec import epoch_ms
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
    # Per webhook endpoint: messages waiting, those of them that failed at least once, and
    # how long the oldest has waited, in seconds.
    webhooks: dict[str, WebhookBacklog] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookBacklog:
    waiting: int
    failing: int
    lag_seconds: float


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


async def backlogs(database: Database, now: datetime) -> Backlogs:
    db = database.db
    return Backlogs(
        webhooks=await webhook_backlogs(database, now),
        unpublished_events=await count_matching(db["events"], {"published": False}),
        waiting_notifications=await count_matching(
            db["notifications"], {"status": {"$in": WAITING}}
        ),
        dead_notifications=await count_matching(
            db["notifications"], {"status": NotificationStatus.DEAD.value}
        ),
    )


async def webhook_backlogs(database: Database, now: datetime) -> dict[str, WebhookBacklog]:
    messages = database.db["webhook_messages"]
    pending = {"state": MessageState.PENDING.value}
    waiting = await messages.aggregate(
        [
            {"$match": pending},
            {
                "$group": {
                    "_id": "$endpoint_id",
                    "n": {"$sum": 1},
                    "oldest": {"$min": "$created_ms"},
                }
            },
        ]
    )
    failing = await messages.aggregate(
        [
            # Its last attempt failed: waiting for the next one.
            {"$match": {**pending, "failed": True}},
            {"$group": {"_id": "$endpoint_id", "n": {"$sum": 1}}},
        ]
    )
    failed = {doc["_id"]: int(doc["n"]) async for doc in failing}
    at = epoch_ms(now)
    return {
        doc["_id"]: WebhookBacklog(
            waiting=int(doc["n"]),
            failing=failed.get(doc["_id"], 0),
            lag_seconds=max(0, at - int(doc["oldest"])) / 1000,
        )
        async for doc in waiting
    }
