"""Every repository on one database, built in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from storage.claims import MongoClaimRepository
from storage.database import Database
from storage.event_log import MongoEventLog
from storage.figures import MongoSellerFigures
from storage.messages import MongoMessageRepository
from storage.orders import MongoOrderRepository
from storage.returns import MongoReturnRepository
from storage.sellers import MongoSellerDirectory
from storage.unit_of_work import MongoUnitOfWork


@dataclass(frozen=True, slots=True)
class Repositories:
    events: MongoEventLog
    orders: MongoOrderRepository
    returns: MongoReturnRepository
    messages: MongoMessageRepository
    claims: MongoClaimRepository
    figures: MongoSellerFigures
    sellers: MongoSellerDirectory
    begin: Callable[[], MongoUnitOfWork]

    @classmethod
    def on(cls, database: Database) -> Repositories:
        return cls(
            events=MongoEventLog(database),
            orders=MongoOrderRepository(database),
            returns=MongoReturnRepository(database),
            messages=MongoMessageRepository(database),
            claims=MongoClaimRepository(database),
            figures=MongoSellerFigures(database),
            sellers=MongoSellerDirectory(database),
            begin=partial(MongoUnitOfWork, database),
        )
