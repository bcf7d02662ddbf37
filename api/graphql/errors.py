"""Errors clients act on (typed, with a stable code) and the masking of everything else."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.graphql.enums import ErrorCode
from domain.errors import DomainError

log = logging.getLogger("orderwire.errors")


@strawberry.type(description="Something the caller can fix or act on.")
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


def graphql_error(error: DomainError) -> GraphQLError:
    """A top-level GraphQL error for queries, carrying the same code as payload errors do."""
    extensions: dict[str, object] = {"code": error.code.value}
    if error.field:
        extensions["field"] = error.field
    return GraphQLError(error.message, extensions=extensions)


def is_unexpected(error: GraphQLError) -> bool:
    """Parse and validation errors and our own GraphQL errors are for the client; the rest is not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | DomainError)


class MaskInternalErrors(MaskErrors):
    """Replace unexpected errors with a generic message and the request id, and log them in full."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "unknown")
        log.error(
            "internal error in request %s at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Internal server error (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )
