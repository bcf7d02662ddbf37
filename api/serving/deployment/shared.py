"""The deployment interface, and its in-process kind."""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from api.serving.ratelimit import MemoryBuckets, Throttle

# Persisted-query documents the shared place keeps (least recently used out first); a
# document is at most 20,000 characters (api/serving/persisted.py), so this bounds it near 80 MB.
SHARED_DOCUMENTS_KEPT = 4096


def worker_name() -> str:
    """This process, as /status names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class WorkerCounts:
    """What one worker holds right now."""

    worker: str
    sockets: int = 0
    subscriptions: int = 0
    selections: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> WorkerCounts:
        return cls(
            str(raw["worker"]),
            int(raw["sockets"]),
            int(raw["subscriptions"]),
            int(raw["selections"]),
        )


def totals(workers: list[WorkerCounts]) -> dict[str, int]:
    return {
        "workers": len(workers),
        "sockets": sum(w.sockets for w in workers),
        "subscriptions": sum(w.subscriptions for w in workers),
        "selections": sum(w.selections for w in workers),
    }


class Deployment(Protocol):
    """Rate-limit buckets (the GraphQL guard's `Buckets`), socket slots and worker counts."""

    capacity: int
    rate: float
    name: str  # this worker, as its reports name it

    @property
    def scope(self) -> str:
        """Where the limits hold right now: "process", "machine" or "redis"; "per-process"
        when the shared place is unreachable and this process counts alone."""

    async def take(self, identity: str, points: int) -> Throttle: ...

    async def drain(self, identity: str, points: int) -> None: ...

    async def open_socket(self, caller: str, limit: int) -> bool:
        """Hold one of the caller's `limit` socket slots; False when all are taken."""

    async def close_socket(self, caller: str) -> None: ...

    async def report(self, counts: WorkerCounts) -> None:
        """Tell the deployment what this worker holds now."""

    async def keep_document(self, digest: str, document: str) -> None:
        """Remember a persisted query's document for every worker and instance."""

    async def find_document(self, digest: str) -> str | None:
        """A persisted query's document another worker or instance was sent; None if unknown
        or while the shared place cannot be reached."""

    async def workers(self) -> list[WorkerCounts]:
        """Every live worker's last report, this one's included."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LocalSlots:
    """Socket slots counted in this process."""

    def __init__(self) -> None:
        self.held: Counter[str] = Counter()

    def open(self, caller: str, limit: int) -> bool:
        if self.held[caller] >= limit:
            return False
        self.held[caller] += 1
        return True

    def close(self, caller: str) -> None:
        self.held[caller] -= 1
        if self.held[caller] <= 0:
            del self.held[caller]


class LocalDeployment:
    """One process is the whole deployment: everything is counted here."""

    scope = "process"

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._buckets = MemoryBuckets(capacity, rate)
        self._slots = LocalSlots()
        self.name = worker_name()
        self._counts: WorkerCounts | None = None

    async def take(self, identity: str, points: int) -> Throttle:
        return await self._buckets.take(identity, points)

    async def drain(self, identity: str, points: int) -> None:
        await self._buckets.drain(identity, points)

    async def open_socket(self, caller: str, limit: int) -> bool:
        return self._slots.open(caller, limit)

    async def close_socket(self, caller: str) -> None:
        self._slots.close(caller)

    async def report(self, counts: WorkerCounts) -> None:
        self._counts = counts

    async def keep_document(self, digest: str, document: str) -> None:
        """The process's own memory of persisted queries is the deployment's."""

    async def find_document(self, digest: str) -> str | None:
        return None

    async def workers(self) -> list[WorkerCounts]:
        return [self._counts or WorkerCounts(self.name)]

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to let go of."""
