"""Run a mutation once per idempotency key (header `Idempotency-Key` or argument)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from strawberry.types import Info

from api.graphql.common.context import Context
from domain.kernel.errors import DomainError, ValidationFailed
from domain.kernel.idempotency import KeyInUse, Repeated, fingerprint
from domain.kernel.idempotency import once as run_once

PayloadT = TypeVar("PayloadT")

MAX_KEY = 200


async def once(
    info: Info[Context, None],
    operation: str,
    argument: str | None,
    request: object,
    *,
    run: Callable[[], Awaitable[PayloadT]],
    replay: Callable[[str], Awaitable[PayloadT]],
    result_id: Callable[[PayloadT], str | None],
    refuse: Callable[[DomainError], PayloadT],
) -> PayloadT:
    """The first request with a key runs; a repeat gets the first result; a failure can retry."""
    ctx = info.context
    headers = getattr(ctx.request, "headers", {})
    key = argument or headers.get("idempotency-key")
    if not key:
        return await run()
    if len(key) > MAX_KEY:
        return refuse(
            ValidationFailed(f"idempotency key longer than {MAX_KEY}", field="idempotencyKey")
        )
    actor = ctx.require_actor()
    scope = f"{actor.role.value}:{actor.id}:{operation}:{key}"
    # Keys expire by the wall clock (a TTL index), whatever time the marketplace runs on.
    done = await run_once(
        ctx.idempotency,
        scope,
        fingerprint(request),
        datetime.now(UTC),
        run=run,
        result_id=result_id,
    )
    if isinstance(done, KeyInUse):
        return refuse(done.error)
    return await replay(done.result_id) if isinstance(done, Repeated) else done
