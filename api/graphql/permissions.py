"""Field permissions: every root field but `viewer` needs a signed-in caller."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info


class IsAuthenticated(BasePermission):
    message = "Sign in: send 'Authorization: Bearer <token>'."
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 (a base-class attribute)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.actor is not None
