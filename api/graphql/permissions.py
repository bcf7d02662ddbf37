"""Field permissions below the root (the root needs a signed-in caller: api/graphql/guard.py)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.kernel.identity import Role


class NotForCarriers(BasePermission):
    """Money and line items: a carrier sees of an order what its label shows, no more."""

    message = "A carrier sees an order's parcels, ship-to and status; not its money or items."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (a base-class attribute)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        return actor is None or actor.role is not Role.CARRIER
