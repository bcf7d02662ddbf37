"""The codes of refusals around execution (the transport, parsing, validation, the guard's
limits, persisted queries), beside the schema's own ErrorCode; and the one error body every
refusal outside GraphQL's own execution is written in."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RequestCode(StrEnum):
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    THROTTLED = "THROTTLED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"
    BAD_REQUEST = "BAD_REQUEST"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"


C = RequestCode

# Errors raised before execution, and the status they answer with under
# application/graphql-response+json.
BEFORE_EXECUTION_STATUS: dict[str, int] = {
    C.GRAPHQL_PARSE_FAILED: 400,
    C.GRAPHQL_VALIDATION_FAILED: 400,
    C.BAD_USER_INPUT: 400,
    C.TOO_MANY_TOKENS: 400,
    C.QUERY_TOO_DEEP: 400,
    C.TOO_MANY_ALIASES: 400,
    C.QUERY_TOO_COMPLEX: 400,
    C.BAD_REQUEST: 400,
    C.TRUSTED_DOCUMENT_REQUIRED: 400,
    C.UNAUTHENTICATED: 401,
    C.THROTTLED: 429,
}

# The code of a transport refusal, by its HTTP status.
BY_STATUS: dict[int, RequestCode] = {
    400: C.BAD_REQUEST,
    404: C.NOT_FOUND,
    405: C.METHOD_NOT_ALLOWED,
    406: C.NOT_ACCEPTABLE,
    413: C.PAYLOAD_TOO_LARGE,
    415: C.UNSUPPORTED_MEDIA_TYPE,
}


def error_body(message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    """`{"errors": [{"message", "extensions": {"code", …}}]}`: GraphQL's error shape, which
    every refusal takes, whatever route refused."""
    return {"errors": [{"message": message, "extensions": extensions}]}
