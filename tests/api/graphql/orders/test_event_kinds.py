"""The GraphQL timeline's event kinds are exactly the domain's order events, in their order, and
each domain event becomes its own GraphQL type."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from api.graphql.orders.timeline import EVENT_TYPES, OrderEventKind, event_place, order_event
from domain.kernel.events import ORDER_EVENTS, RecordedEvent
from domain.kernel.identity import Actor
from tests.data import BUYER, T0


def test_every_order_event_has_a_graphql_kind_and_nothing_else_does() -> None:
    assert [kind.value for kind in OrderEventKind] == [cls.__name__ for cls in ORDER_EVENTS]


def test_kind_names_are_the_event_names_in_screaming_case() -> None:
    for kind in OrderEventKind:
        spaced = "".join(f"_{c}" if c.isupper() else c for c in kind.value).lstrip("_")
        assert kind.name == spaced.upper()


def _sample(hint: Any, name: str = "") -> Any:
    """A value of type `hint` for a field `name`, made up: enough to build any domain event."""
    if get_origin(hint) in (Union, UnionType):
        return _sample(next(a for a in get_args(hint) if a is not type(None)), name)
    if get_origin(hint) is tuple:
        return ()
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = get_type_hints(hint)
        return hint(**{f.name: _sample(hints[f.name], f.name) for f in dataclasses.fields(hint)})
    if isinstance(hint, type) and issubclass(hint, Enum):
        return next(iter(hint))
    if hint is str:
        return {"currency": "USD", "country_code": "US", "time_zone": "Europe/Lisbon"}.get(
            name, "Lisbon"
        )
    made: dict[Any, Any] = {
        int: 1,
        float: 0.25,
        bool: False,
        datetime: T0,
        date: T0.date(),
        Actor: BUYER,
    }
    return made[hint]


def test_every_order_event_becomes_its_own_type_with_its_kind() -> None:
    made = set()
    for cls in ORDER_EVENTS:
        recorded = RecordedEvent("ord_1", 3, "SHIPPED", _sample(cls))
        entry = order_event(recorded)
        assert entry.type.value == cls.__name__
        assert (entry.id, entry.sequence, entry.status.value) == ("evt_ord_1.3", 3, "SHIPPED")
        assert type(entry) in EVENT_TYPES
        made.add(type(entry))
    assert made == set(EVENT_TYPES)  # one type per event, none left over


def test_an_event_id_names_its_order_and_sequence() -> None:
    assert event_place("evt_ord_6b04.12") == ("ord_6b04", 12)
    for malformed in ("evt_ord_1", "evt_.3", "evt_ord_1.x", "evt_ord_1.-1"):
        assert event_place(malformed) is None
