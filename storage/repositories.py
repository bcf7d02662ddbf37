"""Every repository on one database, built in one place."""

from __future__ import annotations

from dataclasses import dataclass

from storage.claims import MongoClaimRepository
from storage.database import Database
from storage.event_log import MongoEventLog
from storage.messages import MongoMessageRepository
from storage.orders import MongoOrderRepository
from storage.returns import MongoReturnRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    events: MongoEventLog
    orders: MongoOrderRepository
    returns: MongoReturnRepository
    messages: MongoMessageRepository
    claims: MongoClaimRepository

    @classmethod
    def on(cls, database: Database) -> Repositories:
        events = MongoEventLog(database.db["events"])
        orders = MongoOrderRepository(database, events)
        return cls(
            events=events,
            orders=orders,
            returns=MongoReturnRepository(database, orders),
            messages=MongoMessageRepository(database, orders),
            claims=MongoClaimRepository(database, orders),
        )
