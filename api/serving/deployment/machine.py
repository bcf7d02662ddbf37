"""The workers of one machine (`orderwire serve --workers N`) share their limits and counts
through a coordinator the supervisor runs on a Unix socket, beside the live-update relay.

One JSON object per line each way. A request that wants an answer carries `r`, and its answer
the same `r`. The coordinator holds every bucket, every socket slot (remembered per worker
connection, and given back when a worker's connection ends: a worker that dies frees its
slots), each worker's last report, and the persisted queries any worker was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections import Counter
from typing import Any

from api.serving.deployment.shared import (
    SHARED_DOCUMENTS_KEPT,
    LocalSlots,
    WorkerCounts,
    worker_name,
)
from api.serving.deployment.shares import Shares
from api.serving.memory import Memory
from api.serving.ratelimit import Loan, MemoryBuckets, Throttle

log = logging.getLogger("orderwire.deployment")

# How long a worker waits for the coordinator before it counts alone for that request.
ANSWER_WITHIN = 2.0
RECONNECT_EVERY = 1.0


async def run_coordinator(
    path: str, started: threading.Event, *, capacity: int, rate: float
) -> None:
    """Serve the buckets, slots and reports of every worker connected to `path`."""
    buckets = MemoryBuckets(capacity, rate)
    slots: Counter[str] = Counter()
    reports: dict[int, WorkerCounts] = {}
    documents: Memory[str, str] = Memory(SHARED_DOCUMENTS_KEPT)

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mine: Counter[str] = Counter()
        key = id(writer)
        try:
            while line := await reader.readline():
                ask = json.loads(line)
                if ask["op"] in ("keep", "find"):
                    answer = _document(ask, documents)
                else:
                    answer = await _answer(ask, buckets, slots, mine, reports, key)
                if answer is not None:
                    writer.write(json.dumps({"r": ask["r"], **answer}).encode() + b"\n")
                    await writer.drain()
        except (ConnectionError, ValueError, KeyError):
            pass
        finally:
            slots.subtract(mine)
            for caller in [c for c, n in slots.items() if n <= 0]:
                del slots[caller]
            reports.pop(key, None)
            writer.close()

    server = await asyncio.start_unix_server(peer, path)
    async with server:
        started.set()
        await server.serve_forever()


async def _answer(
    ask: dict[str, Any],
    buckets: MemoryBuckets,
    slots: Counter[str],
    mine: Counter[str],
    reports: dict[int, WorkerCounts],
    key: int,
) -> dict[str, Any] | None:
    match ask["op"]:
        case "lend":
            loan = await buckets.lend(ask["id"], int(ask["least"]), int(ask["most"]))
            return {"p": loan.points, "w": loan.retry_after, "v": loan.available}
        case "give":
            await buckets.give_back(ask["id"], float(ask["points"]))
        case "drain":
            await buckets.drain(ask["id"], int(ask["points"]))
        case "open":
            caller = ask["caller"]
            allowed = slots[caller] < int(ask["limit"])
            if allowed:
                slots[caller] += 1
                mine[caller] += 1
            return {"ok": allowed}
        case "hold":  # a worker back after losing the coordinator: the sockets it kept open
            for caller, count in ask["held"].items():
                slots[caller] += int(count)
                mine[caller] += int(count)
        case "close":
            caller = ask["caller"]
            if mine[caller] > 0:
                mine[caller] -= 1
                slots[caller] -= 1
        case "report":
            reports[key] = WorkerCounts.from_json(ask["counts"])
        case "workers":
            return {"w": [counts.as_json() for counts in reports.values()]}
    return None


def _document(ask: dict[str, Any], documents: Memory[str, str]) -> dict[str, Any] | None:
    if ask["op"] == "keep":
        documents.keep(str(ask["d"]), str(ask["q"]))
        return None
    return {"q": documents.find(str(ask["d"]))}


def start_coordinator(path: str, *, capacity: int, rate: float) -> threading.Thread:
    """Run the coordinator on a thread of this (the supervising) process; ready on return."""
    started = threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(run_coordinator(path, started, capacity=capacity, rate=rate)),
        name="orderwire-coordinator",
        daemon=True,
    )
    thread.start()
    if not started.wait(10):
        raise RuntimeError(f"the coordinator did not start on {path}")
    return thread


class MachineDeployment:
    """A worker's side: ask the coordinator; count alone while it cannot be reached."""

    def __init__(self, path: str, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._path = path
        self._writer: asyncio.StreamWriter | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._alone = MemoryBuckets(capacity, rate)  # while the coordinator is away
        self.shares = Shares(self, capacity, rate)  # requests spend these, not a round trip
        self._held = LocalSlots()  # this worker's open sockets, wherever they were counted
        self.name = worker_name()
        self._counts = WorkerCounts(self.name)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def scope(self) -> str:
        return "machine" if self._writer is not None else "per-process"

    async def start(self) -> None:
        if not await self._connect():
            self._background(self._reconnect())

    async def close(self) -> None:
        await self.shares.give_back_all()
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def take(self, identity: str, points: int) -> Throttle:
        return await self.shares.take(identity, points)

    async def lend(self, identity: str, least: int, most: int) -> Loan:
        answer = await self._ask({"op": "lend", "id": identity, "least": least, "most": most})
        if answer is None:
            return await self._alone.lend(identity, least, most)
        return Loan(float(answer["p"]), float(answer["w"]), float(answer["v"]))

    async def give_back(self, identity: str, points: float) -> None:
        if not await self._tell({"op": "give", "id": identity, "points": points}):
            await self._alone.give_back(identity, points)

    async def drain(self, identity: str, points: int) -> None:
        if not await self._tell({"op": "drain", "id": identity, "points": points}):
            await self._alone.drain(identity, points)

    async def open_socket(self, caller: str, limit: int) -> bool:
        answer = await self._ask({"op": "open", "caller": caller, "limit": limit})
        if answer is None:
            return self._held.open(caller, limit)
        if answer["ok"]:
            self._held.held[caller] += 1
        return bool(answer["ok"])

    async def close_socket(self, caller: str) -> None:
        self._held.close(caller)
        await self._tell({"op": "close", "caller": caller})

    async def report(self, counts: WorkerCounts) -> None:
        self._counts = counts
        await self._tell({"op": "report", "counts": counts.as_json()})

    async def keep_document(self, digest: str, document: str) -> None:
        await self._tell({"op": "keep", "d": digest, "q": document})

    async def find_document(self, digest: str) -> str | None:
        answer = await self._ask({"op": "find", "d": digest})
        found = None if answer is None else answer.get("q")
        return found if isinstance(found, str) else None

    async def workers(self) -> list[WorkerCounts]:
        answer = await self._ask({"op": "workers"})
        if answer is None:
            return [self._counts]
        return [WorkerCounts.from_json(raw) for raw in answer["w"]]

    # -- the connection --------------------------------------------------------------------

    async def _connect(self) -> bool:
        try:
            reader, writer = await asyncio.open_unix_connection(self._path)
        except OSError:
            return False
        self._writer = writer
        self._background(self._read(reader, writer))
        # What this worker held while away, and what it holds now, counted there again.
        await self._tell({"op": "hold", "held": dict(self._held.held)})
        await self._tell({"op": "report", "counts": self._counts.as_json()})
        return True

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                answer = json.loads(line)
                waiting = self._waiting.pop(int(answer["r"]), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(answer)
        except (ConnectionError, ValueError):
            pass
        finally:
            if self._writer is writer:
                self._lost("its connection ended")

    def _lost(self, why: str) -> None:
        self._writer = None
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError(why))
        self._waiting.clear()
        if not self._closing:
            log.warning("limits are per process until the coordinator is back: %s", why)
            self._background(self._reconnect())

    async def _reconnect(self) -> None:
        while not self._closing:
            if await self._connect():
                log.info("limits are shared by the workers again")
                return
            await asyncio.sleep(RECONNECT_EVERY)

    async def _tell(self, message: dict[str, Any]) -> bool:
        writer = self._writer
        if writer is None:
            return False
        try:
            writer.write(json.dumps(message).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, RuntimeError) as error:
            if self._writer is writer:
                self._lost(str(error))
            return False
        return True

    async def _ask(self, message: dict[str, Any]) -> dict[str, Any] | None:
        if self._writer is None:
            return None
        rid = next(self._ids)
        answered: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = answered
        if not await self._tell({**message, "r": rid}):
            self._waiting.pop(rid, None)
            return None
        try:
            async with asyncio.timeout(ANSWER_WITHIN):
                return await answered
        except (TimeoutError, ConnectionError):
            self._waiting.pop(rid, None)
            return None

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if (error := task.exception()) is not None:
            log.error("deployment coordination failed", exc_info=error)
