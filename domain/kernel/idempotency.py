"""Run a request once per key: the first runs, a repeat gets the first result, a failure or a
refusal leaves the key free for a retry. Shared by GraphQL mutations (Idempotency-Key) and the
carrier webhook (a receipt per scan), over the IdempotencyStore port."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from domain.kernel.errors import Conflict, DomainError, IdempotencyKeyReused
from domain.kernel.ports import IdempotencyStore

ResultT = TypeVar("ResultT")


def fingerprint(request: object) -> str:
    """What makes two requests the same request, whatever objects carry them: the SHA-256 of
    its canonical JSON (a dataclass by its fields; times and enums as text). A mutation's
    idempotency key and a scan's receipt are both checked against it."""
    plain = dataclasses.asdict(request) if dataclasses.is_dataclass(request) else request  # type: ignore[arg-type]
    canonical = json.dumps(plain, default=str, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Repeated(Generic[ResultT]):
    """A repeat of a request that already ran: its first result, as stored."""

    result_id: str


@dataclass(frozen=True, slots=True)
class KeyInUse:
    """The key is held: by another request (IdempotencyKeyReused), or by this one still
    running (Conflict). Nothing ran."""

    error: DomainError


async def once(
    store: IdempotencyStore,
    scope: str,
    fingerprint: str,
    now: datetime,
    *,
    run: Callable[[], Awaitable[ResultT]],
    result_id: Callable[[ResultT], str | None],
) -> ResultT | Repeated[ResultT] | KeyInUse:
    """Run under `scope` once; a repeat gets the stored result's id. A result whose
    `result_id` is None (a refusal) or an exception frees the key for a retry."""
    stored = await store.reserve(scope, fingerprint, now)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            reused = IdempotencyKeyReused("this idempotency key was used for a different request")
            return KeyInUse(reused)
        if stored.result_id is None:
            return KeyInUse(Conflict("a request with this idempotency key is still running"))
        return Repeated(stored.result_id)
    try:
        result = await run()
    except BaseException:
        await store.release(scope)
        raise
    done = result_id(result)
    if done is None:
        await store.release(scope)
    else:
        await store.complete(scope, done)
    return result
