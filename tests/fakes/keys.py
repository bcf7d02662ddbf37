"""Fakes of the idempotency store and the id generator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.kernel import policies
from domain.kernel.ports import StoredKey


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.keys: dict[str, StoredKey] = {}
        self.reserved_at: dict[str, datetime] = {}

    async def reserve(self, scope: str, fingerprint: str, at: datetime) -> StoredKey | None:
        held = self.keys.get(scope)
        lapsed = at - self.reserved_at.get(scope, at) > policies.RESERVATION_LEASE
        if held is not None and (held.result_id is not None or not lapsed):
            return held
        self.keys[scope] = StoredKey(fingerprint, None)
        self.reserved_at[scope] = at
        return None

    async def complete(self, scope: str, result_id: str) -> None:
        self.keys[scope] = StoredKey(self.keys[scope].fingerprint, result_id)

    async def release(self, scope: str) -> None:
        if scope in self.keys and self.keys[scope].result_id is None:
            del self.keys[scope]

    async def reserve_many(
        self, keys: Sequence[tuple[str, str]], at: datetime
    ) -> dict[str, StoredKey | None]:
        return {scope: await self.reserve(scope, fingerprint, at) for scope, fingerprint in keys}

    async def complete_many(self, results: dict[str, str]) -> None:
        for scope, result_id in results.items():
            await self.complete(scope, result_id)

    async def release_many(self, scopes: Sequence[str]) -> None:
        for scope in scopes:
            await self.release(scope)


class SequentialIds:
    def __init__(self) -> None:
        self._count = 0

    def __call__(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"
