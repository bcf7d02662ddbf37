"""The GraphQL timeline's event kinds are exactly the domain's order events, in their order."""

from __future__ import annotations

from api.graphql.timeline import OrderEventKind
from domain.kernel.events import ORDER_EVENTS


def test_every_order_event_has_a_graphql_kind_and_nothing_else_does() -> None:
    assert [kind.value for kind in OrderEventKind] == [cls.__name__ for cls in ORDER_EVENTS]


def test_kind_names_are_the_event_names_in_screaming_case() -> None:
    for kind in OrderEventKind:
        spaced = "".join(f"_{c}" if c.isupper() else c for c in kind.value).lstrip("_")
        assert kind.name == spaced.upper()
