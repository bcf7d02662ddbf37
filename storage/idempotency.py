"""Idempotency keys: the first request with a key runs, repeats get its result back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.kernel import policies
from domain.kernel.ports import StoredKey
from storage.codec import encode, epoch_ms
from storage.database import Database

Document = dict[str, Any]


class IdempotencyKeys:
    def __init__(self, database: Database, collection: str = "idempotency_keys") -> None:
        self._database = database
        self._keys = database.db[collection]

    async def reserve(self, scope: str, fingerprint: str, at: datetime) -> StoredKey | None:
        """None when this key is new (now reserved); else what is stored under it."""
        for _ in range(3):  # a key may expire between our insert and our read
            try:
                async with self._database.outside_transactions():
                    await self._keys.insert_one(_reservation(scope, fingerprint, at))
            except DuplicateKeyError:
                if await self._take_over(scope, fingerprint, at):
                    return None
                found: Document | None = await self._keys.find_one({"_id": scope})
                if found is not None:
                    return StoredKey(found["fingerprint"], found.get("result_id"))
                continue
            return None
        raise RuntimeError(f"idempotency key {scope} keeps vanishing")

    async def _take_over(self, scope: str, fingerprint: str, at: datetime) -> bool:
        """Reserve `scope` anew if its reservation lapsed without a result: a request that
        died mid-way (policies.RESERVATION_LEASE) does not hold the key until it expires."""
        async with self._database.outside_transactions():
            taken = await self._keys.update_one(
                {
                    "_id": scope,
                    "result_id": {"$exists": False},
                    "at_ms": {"$lt": epoch_ms(at - policies.RESERVATION_LEASE)},
                },
                {"$set": {"fingerprint": fingerprint, "at": encode(at), "at_ms": epoch_ms(at)}},
            )
        return taken.modified_count == 1

    async def complete(self, scope: str, result_id: str) -> None:
        async with self._database.outside_transactions():
            await self._keys.update_one({"_id": scope}, {"$set": {"result_id": result_id}})

    async def release(self, scope: str) -> None:
        """Forget a key whose request failed, so that a retry can run."""
        async with self._database.outside_transactions():
            await self._keys.delete_one({"_id": scope, "result_id": {"$exists": False}})

    async def reserve_many(
        self, keys: Sequence[tuple[str, str]], at: datetime
    ) -> dict[str, StoredKey | None]:
        """Every key in one insert; the ones held already are read back in one query."""
        unique = dict(keys)  # each scope once
        docs = [_reservation(s, f, at) for s, f in unique.items()]
        taken: set[str] = set()
        try:
            async with self._database.outside_transactions():
                await self._keys.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            for problem in error.details["writeErrors"]:
                if problem["code"] != DUPLICATE_KEY:
                    raise
                taken.add(docs[problem["index"]]["_id"])
        answers: dict[str, StoredKey | None] = {
            scope: None for scope in unique if scope not in taken
        }
        if taken:
            async for found in self._keys.find({"_id": {"$in": sorted(taken)}}):
                scope = found["_id"]
                if _lapsed(found, at) and await self._take_over(scope, unique[scope], at):
                    answers[scope] = None  # a reservation left by a crash: ours now
                else:
                    answers[scope] = StoredKey(found["fingerprint"], found.get("result_id"))
        for scope in taken - answers.keys():  # expired between the insert and the read
            answers[scope] = await self.reserve(scope, unique[scope], at)
        return answers

    async def complete_many(self, results: dict[str, str]) -> None:
        updates = [UpdateOne({"_id": s}, {"$set": {"result_id": r}}) for s, r in results.items()]
        async with self._database.outside_transactions():
            await self._keys.bulk_write(updates, ordered=False)

    async def release_many(self, scopes: Sequence[str]) -> None:
        async with self._database.outside_transactions():
            await self._keys.delete_many(
                {"_id": {"$in": list(scopes)}, "result_id": {"$exists": False}}
            )


DUPLICATE_KEY = 11000


def _reservation(scope: str, fingerprint: str, at: datetime) -> Document:
    # `at` for the TTL index; `at_ms` to compare (the embedded server compares dates coarsely).
    return {"_id": scope, "fingerprint": fingerprint, "at": encode(at), "at_ms": epoch_ms(at)}


def _lapsed(found: Document, at: datetime) -> bool:
    stamp = found.get("at_ms")
    if "result_id" in found or not isinstance(stamp, int):
        return False
    return stamp < epoch_ms(at - policies.RESERVATION_LEASE)
