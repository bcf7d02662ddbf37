"""One refusal body for every route outside /graphql (files, uploads, webhooks): the GraphQL
error shape, `{"errors": [{"message", "extensions": {"code", "field"?}}]}`, with its status."""

from __future__ import annotations

from starlette.responses import JSONResponse

from api.graphql.common.errors import error_extensions
from api.http.auth import challenge
from api.serving.codes import error_body
from domain.kernel.errors import DomainError, ErrorCode, Unauthenticated

STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.VALIDATION: 400,
}


def refusal(error: DomainError, status: int | None = None) -> JSONResponse:
    """A refused request as a client of /graphql would read it; 401s say why in
    WWW-Authenticate too (RFC 6750). The status follows the code unless given."""
    body = error_body(error.message, error_extensions(error))
    headers = challenge(error) if isinstance(error, Unauthenticated) else None
    return JSONResponse(body, status_code=status or STATUS.get(error.code, 409), headers=headers)
