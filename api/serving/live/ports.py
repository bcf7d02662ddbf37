"""What the live runtime needs of the updates it fans out, and of where they come from.

An update is one committed event of one aggregate, with whatever the schema shows beside it;
events of an aggregate are numbered 1, 2, 3… with no gaps, which is how a gap is noticed and
a repeat dropped. The schema's side says how to read the log and how to make an update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar


class Event(Protocol):
    """One committed event of one aggregate."""

    @property
    def aggregate_id(self) -> str: ...

    @property
    def sequence(self) -> int: ...


class Update(Protocol):
    """One update a subscription sends: the event, and what the schema shows with it."""

    @property
    def event(self) -> Event: ...


U = TypeVar("U", bound=Update)
U_co = TypeVar("U_co", bound=Update, covariant=True)


class LiveSource(Protocol[U]):
    """The log behind the live channel: what fills a gap and what a replay reads."""

    async def events_after(self, aggregate_id: str, sequence: int) -> Sequence[Event]:
        """The aggregate's events after `sequence`, in order."""
        ...

    async def current(self, events: Sequence[Event]) -> list[U]:
        """One update per event, each with its aggregate as it stands now (a replay)."""
        ...

    def beside(self, update: U, event: Event) -> U:
        """An update for `event`, a missed one, with what `update` shows beside it."""
        ...


class LiveFeed(Protocol[U_co]):
    async def next(self) -> U_co:
        """The next update; TooSlow or Interrupted (live/failures.py) when the feed has ended."""
        ...


class LiveChannels(Protocol[U_co]):
    """Committed updates as they happen, on every instance, for the channels asked for."""

    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> AbstractContextManager[LiveFeed[U_co]]: ...
