"""Why a live stream was refused or ended. The schema words each for its clients (api/graphql/
common/errors.py gives each its error code)."""

from __future__ import annotations


class LiveFailure(Exception):
    """A live stream refused or ended; `field` names the argument at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TooSlow(LiveFailure):
    """A subscriber's buffer filled up: it reads slower than updates arrive."""


class Interrupted(LiveFailure):
    """The broadcast channel was lost: updates may have been missed; resume by cursor."""


class BadCursor(LiveFailure):
    """A cursor this server never issued, or one from another stream."""


class StaleCursor(LiveFailure):
    """A cursor an earlier version issued: read the current state again, then subscribe."""
