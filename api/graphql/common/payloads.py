"""One way every mutation answers: its result in the payload, or the refusal as typed errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.errors import UserError
from api.graphql.common.idempotency import once
from domain.kernel.errors import DomainError
from domain.kernel.identity import Actor

log = logging.getLogger("orderwire.mutations")

ResultT = TypeVar("ResultT")
PayloadT = TypeVar("PayloadT")

# Builds a mutation's payload from its result, or from None and the errors that refused it.
Answer = Callable[[ResultT | None, list[UserError]], PayloadT]


async def attempt(
    info: Info[Context, None],
    name: str,
    change: Callable[[Actor], Awaitable[ResultT]],
    answer: Answer[ResultT, PayloadT],
) -> PayloadT:
    """Run one use case as the caller; a DomainError becomes the payload's typed errors."""
    actor = info.context.require_actor()
    try:
        result = await change(actor)
    except DomainError as error:
        log.info("%s by %s %s refused: %s", name, actor.role.value, actor.id, error.code.value)
        return refused(answer, error)
    log.info("%s by %s %s: %s", name, actor.role.value, actor.id, _outcome(result))
    return answer(result, [])


class Identified(Protocol):
    @property
    def id(self) -> str: ...


IdentifiedT = TypeVar("IdentifiedT", bound=Identified)


async def attempt_once(
    info: Info[Context, None],
    name: str,
    key: str | None,
    request: object,
    *,
    change: Callable[[Actor], Awaitable[IdentifiedT]],
    read: Callable[[Actor, str], Awaitable[IdentifiedT]],
    answer: Answer[IdentifiedT, PayloadT],
) -> PayloadT:
    """`attempt`, once per idempotency key (argument or header): a repeat of the same request
    answers with its first result as it reads now; a refusal leaves the key free."""
    done: list[str] = []

    async def changed(actor: Actor) -> IdentifiedT:
        result = await change(actor)
        done.append(str(result.id))
        return result

    return await once(
        info,
        name,
        key,
        request,
        run=lambda: attempt(info, name, changed, answer),
        replay=lambda result_id: attempt(info, name, lambda a: read(a, result_id), answer),
        result_id=lambda _: done[0] if done else None,
        refuse=lambda error: refused(answer, error),
    )


def refused(answer: Answer[ResultT, PayloadT], error: DomainError) -> PayloadT:
    """The payload that carries `error` and no result."""
    return answer(None, [UserError.from_domain(error)])


def _outcome(result: object) -> str:
    """A short log phrase for a result: `<id> is <status>` for aggregates."""
    ident, status = getattr(result, "id", None), getattr(result, "status", None)
    if ident is None:
        return "done"
    return f"{ident} is {status.value}" if status is not None else f"{ident}"
