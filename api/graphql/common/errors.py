"""Errors clients act on (typed, with a stable code) and the masking of everything else."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

from api.graphql.common.enums import ErrorCode
from api.serving.codes import RequestCode
from api.serving.live.failures import BadCursor, Interrupted, LiveFailure, StaleCursor, TooSlow
from api.serving.live.members import LiveErrors
from domain.kernel.errors import (
    CursorExpired,
    DomainError,
    NotFound,
    SubscriberTooSlow,
    UpdatesInterrupted,
    ValidationFailed,
)

FoundT = TypeVar("FoundT")

log = logging.getLogger("orderwire.errors")


@strawberry.type(description="Something the caller can fix or act on.")
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


def error_extensions(error: DomainError) -> dict[str, object]:
    """A DomainError's `extensions`: its code, and the field at fault if there is one."""
    extensions: dict[str, object] = {"code": error.code.value}
    if error.field:
        extensions["field"] = error.field
    return extensions


def graphql_error(error: DomainError, located: GraphQLError | None = None) -> GraphQLError:
    """The one place a DomainError becomes a GraphQL error, with the code payloads carry too."""
    extensions = error_extensions(error)
    if located is None:
        return GraphQLError(error.message, extensions=extensions)
    return relocated(located, error.message, extensions)


def relocated(located: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    """A new error at the same place in the document and the result as `located`."""
    return GraphQLError(
        message,
        nodes=located.nodes,
        source=located.source,
        positions=located.positions,
        path=located.path,
        extensions=extensions,
    )


async def by_id(lookup: Awaitable[FoundT]) -> FoundT:
    """Root lookups take `id`: a NotFound names that argument, whatever the use case called it."""
    try:
        return await lookup
    except NotFound as missing:
        raise NotFound(missing.message, field="id") from missing


def is_unexpected(error: GraphQLError) -> bool:
    """Parse and validation errors and our own GraphQL errors are for the client; the rest is not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | DomainError)


def _rewritten(error: GraphQLError) -> bool:
    uncoded = not (error.extensions or {}).get("code")
    return is_unexpected(error) or isinstance(error.original_error, DomainError) or uncoded


# What graphql-core and Strawberry's limiters say, and the code a client can switch on.
_REFUSALS: tuple[tuple[re.Pattern[str], RequestCode], ...] = (
    (re.compile(r"more than \d+ tokens"), RequestCode.TOO_MANY_TOKENS),
    (re.compile(r"exceeds maximum operation depth"), RequestCode.QUERY_TOO_DEEP),
    (re.compile(r"aliases found\. Allowed"), RequestCode.TOO_MANY_ALIASES),
    (re.compile(r"^Variable '\$"), RequestCode.BAD_USER_INPUT),
    (re.compile(r"^Syntax Error"), RequestCode.GRAPHQL_PARSE_FAILED),
)


def refusal_code(error: GraphQLError) -> str:
    """The stable code of an error raised before execution, by what raised it."""
    for pattern, code in _REFUSALS:
        if pattern.search(error.message):
            return code.value
    if isinstance(error, GraphQLSyntaxError):
        return RequestCode.GRAPHQL_PARSE_FAILED.value
    return RequestCode.GRAPHQL_VALIDATION_FAILED.value


class MaskInternalErrors(MaskErrors):
    """Resolvers raise DomainError freely: it gets its code here. Anything unexpected is
    replaced with a generic message and the request id, and logged in full."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_rewritten)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "unknown")
        return client_error(error, request_id)


_LIVE_FAILURES: dict[type[LiveFailure], type[DomainError]] = {
    TooSlow: SubscriberTooSlow,
    Interrupted: UpdatesInterrupted,
    BadCursor: ValidationFailed,
    StaleCursor: CursorExpired,
}


def live_failure(failure: LiveFailure) -> DomainError:
    """Why a live stream was refused or ended, as the error (and code) clients know."""
    kind = _LIVE_FAILURES.get(type(failure), UpdatesInterrupted)
    return kind(failure.message, field=failure.field)


def live_errors() -> LiveErrors:
    """The same wording for errors a live group writes to sockets itself."""
    return LiveErrors(
        ending=lambda failure: dict(graphql_error(live_failure(failure)).formatted),
        executing=lambda error, request_id: dict(client_error(error, request_id).formatted),
    )


def client_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """An error as a client sees it: a DomainError with its code, anything unexpected masked
    (and logged in full), a coded GraphQL error as it is."""
    if not _rewritten(error):
        return error
    if isinstance(error.original_error, DomainError):
        return graphql_error(error.original_error, error)
    if not is_unexpected(error):
        coded = {**(error.extensions or {}), "code": refusal_code(error)}
        return relocated(error, error.message, coded)
    log.error(
        "internal error in request %s at %s", request_id, error.path, exc_info=error.original_error
    )
    masked = f"Internal server error (request id {request_id})."
    return relocated(error, masked, {"code": "INTERNAL", "requestId": request_id})
