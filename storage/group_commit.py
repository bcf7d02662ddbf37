"""Group commit: the units of work ready together are committed together.

One coordinator per database (per process) queues each unit of work, and a flusher commits
what is waiting in one transaction (storage/aggregates.py's apply_group): while one group is
being committed the next one gathers, so a lone write waits for nothing and a busy server
commits many writes per transaction. A unit that cannot be written (its version moved, a
duplicate, a tracking id in use) is answered alone and the group is committed without it.
Each caller is answered once its own changes are committed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from pymongo.errors import ConnectionFailure, OperationFailure

from domain.kernel.errors import Conflict, DomainError, TrackingIdInUse
from storage.aggregates import GuardMissed, UnitRefused, UnitWrites, apply_group
from storage.database import Database

log = logging.getLogger("orderwire.storage.groups")

# Retry delays drawn apart from the global `random` (whose state belongs to the caller).
_JITTER = random.Random()
# Real MongoDB reports two transactions touching one document as WriteConflict (code 112).
_WRITE_CONFLICT = 112
# How often a group that met another transaction is tried again before it answers CONFLICT.
TRANSIENT_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """How units are gathered: for at most `window_ms` after the first is ready (0: only those
    that arrived while the previous group was being committed), and at most `max_units`."""

    window_ms: float = 0.0
    max_units: int = 100
    observe: Callable[[int], None] | None = None  # told each committed group's size


@dataclass(slots=True)
class _Waiting:
    unit: UnitWrites
    done: asyncio.Future[None]


class WriteGroups:
    """The coordinator: `commit` returns once the unit is committed, or raises why not."""

    def __init__(self, database: Database, settings: GroupSettings | None = None) -> None:
        self._database = database
        self.settings = settings or GroupSettings()
        self._queue: list[_Waiting] = []
        self._full = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self.groups = 0  # transactions committed
        self.units = 0  # units committed in them

    async def commit(self, unit: UnitWrites) -> None:
        waiting = _Waiting(unit, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        if len(self._queue) >= self.settings.max_units:
            self._full.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="orderwire-group-commit")
        # A caller canceled before its group is taken is left out; after, its unit commits.
        await waiting.done

    async def settle(self) -> None:
        """Wait until every queued unit is committed or refused (at shutdown)."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._queue:
                if self.settings.window_ms > 0 and len(self._queue) < self.settings.max_units:
                    self._full.clear()
                    try:
                        async with asyncio.timeout(self.settings.window_ms / 1000):
                            await self._full.wait()
                    except TimeoutError:
                        pass
                group = [w for w in self._queue[: self.settings.max_units] if not w.done.done()]
                del self._queue[: self.settings.max_units]
                try:
                    await self._commit_group(group)
                except Exception as error:  # e.g. the read after a missed guard: answer all
                    self._answer_all(group, error)
        finally:
            self._flusher = None

    async def _commit_group(self, group: list[_Waiting]) -> None:
        kept: list[_Waiting] = []
        written: set[tuple[str, object]] = set()
        for waiting in group:
            touched = waiting.unit.touches()
            if touched & written:  # it read what an earlier unit of this group changes
                _answer(waiting, _moved(touched & written))
                continue
            written |= touched
            kept.append(waiting)
        attempt = 0
        while kept:
            try:
                async with self._database.transaction() as session:
                    await apply_group(self._database, [w.unit for w in kept], session)
            except UnitRefused as refused:
                _answer(kept.pop(refused.unit), _refusal(refused))
                continue
            except GuardMissed as missed:
                losers = await self._moved_since(missed)
                for n in sorted(losers, reverse=True):
                    _answer(kept.pop(n), _moved({(missed.collection, losers[n])}))
                if losers:
                    continue
                attempt += 1  # it moved and moved back meanwhile: a transient clash
                if attempt == TRANSIENT_ATTEMPTS:
                    self._answer_all(kept, Conflict("changed by someone else; reload it"))
                    return
                continue
            except OperationFailure as failure:
                transient = failure.code == _WRITE_CONFLICT or failure.has_error_label(
                    "TransientTransactionError"
                )
                attempt += 1
                if not transient and len(kept) > 1:
                    # Something one unit carries, most likely: each alone, so only it fails.
                    for waiting in kept:
                        await self._commit_group([waiting])
                    return
                if not transient or attempt == TRANSIENT_ATTEMPTS:
                    error = (
                        failure if not transient else Conflict("changed by someone else; reload it")
                    )
                    self._answer_all(kept, error)
                    return
                # Another transaction held a document this group writes (a feed counter, most
                # often): try again; a version that moved meanwhile is that unit's Conflict.
                await asyncio.sleep(_JITTER.uniform(0.001, 0.005) * 2**attempt)
                continue
            except Exception as error:  # the database is gone, or worse: nobody is answered ok
                if len(kept) > 1 and not isinstance(error, ConnectionFailure):
                    for waiting in kept:  # each alone, so that only the unit at fault fails
                        await self._commit_group([waiting])
                    return
                self._answer_all(kept, error)
                return
            self.groups += 1
            self.units += len(kept)
            if self.settings.observe is not None:
                self.settings.observe(len(kept))
            self._answer_all(kept, None)
            return

    async def _moved_since(self, missed: GuardMissed) -> dict[int, object]:
        """The group's units whose aggregate in `missed.collection` is no longer at the version
        they read: each unit's index in the group, and that aggregate's `_id`."""
        ids = [w.document["_id"] for _, w in missed.writes]
        found = self._database.db[missed.collection].find({"_id": {"$in": ids}}, {"version": 1})
        now = {doc["_id"]: doc.get("version") async for doc in found}
        return {
            n: w.document["_id"]
            for n, w in missed.writes
            if now.get(w.document["_id"]) != w.expected_version
        }

    @staticmethod
    def _answer_all(group: list[_Waiting], error: BaseException | None) -> None:
        for waiting in group:
            _answer(waiting, error)


def _answer(waiting: _Waiting, error: BaseException | None) -> None:
    if waiting.done.done():
        return
    if error is None:
        waiting.done.set_result(None)
    else:
        waiting.done.set_exception(error)


def _moved(touched: set[tuple[str, object]]) -> Conflict:
    changed = "; ".join(f"{collection} {key}" for collection, key in sorted(touched, key=str))
    return Conflict(f"{changed} was changed by someone else; reload it")


def _refusal(refused: UnitRefused) -> DomainError:
    if refused.reason == "tracking":
        carrier, tracking_id = str(refused.key).split("|", 1)
        return TrackingIdInUse(
            f"{carrier} tracking id {tracking_id} is on a parcel still on its way",
            field="trackingId",
        )
    return Conflict(f"{refused.key} was changed by someone else; reload it")


def groups_of(database: Database) -> WriteGroups:
    """The database's coordinator, made on first use."""
    if not isinstance(database.writer, WriteGroups):
        database.writer = WriteGroups(database)
    return database.writer


def configure(database: Database, settings: GroupSettings) -> None:
    groups_of(database).settings = settings
