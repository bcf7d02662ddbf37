"""Idempotency keys: the first request with a key runs, repeats get its result back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.kernel.ports import StoredKey
from storage.codec import encode
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
                    await self._keys.insert_one(
                        {"_id": scope, "fingerprint": fingerprint, "at": encode(at)}
                    )
            except DuplicateKeyError:
                found: Document | None = await self._keys.find_one({"_id": scope})
                if found is not None:
                    return StoredKey(found["fingerprint"], found.get("result_id"))
                continue
            return None
        raise RuntimeError(f"idempotency key {scope} keeps vanishing")

    async def complete(self, scope: str, result_id: str) -> None:
        async with self._database.outside_transactions():
            await self._keys.update_one({"_id": scope}, {"$set": {"result_id": result_id}})

    async def release(self, scope: str) -> None:
        """Forget a key whose request failed, so that a retry can run."""
        async with self._database.outside_transactions():
            await self._keys.delete_one({"_id": scope, "result_id": {"$exists": False}})
