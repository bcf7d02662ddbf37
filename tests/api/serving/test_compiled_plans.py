"""Plans and generated object functions (api/serving/plans.py, compiled.py) answer exactly as
graphql-core does, errors included, on a small schema made to meet every case: attributes,
aliases, enums, lists of objects, a resolver of its own (with and without a failure), a null
where the schema says non-null, a value a scalar refuses, an object of another type, and an
inline fragment that selects nothing of the object's type."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from api.serving.plans import PlanExecutor


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Part(Named):
    count: int
    colour: Colour
    note: str | None = None

    @strawberry.field
    def label(self, info: Info) -> str:
        if self.count < 0:
            raise ValueError("a part cannot be counted below zero")
        return f"{self.name} x{self.count} for {info.context['who']}"


@strawberry.type
class Other(Named):
    size: int


@strawberry.type
class Box:
    id: strawberry.ID
    parts: list[Part]
    first: Named
    weight: float


def box(**change: Any) -> Box:
    parts = [Part(name="bolt", count=3, colour=Colour.RED), Part(name="nut", count=1, colour=Colour.BLUE, note="m4")]  # fmt: skip
    values: dict[str, Any] = {"id": "b1", "parts": parts, "first": parts[0], "weight": 1.5}
    return Box(**(values | change))


class Lookalike:
    """Every attribute of a Part, and not a Part: its type check must refuse it."""

    name, count, colour, note = "bolt", 1, Colour.RED, None


@strawberry.type
class Query:
    @strawberry.field
    def box(self, info: Info) -> Box:
        return info.context["box"]  # type: ignore[no-any-return]


SCHEMA = strawberry.Schema(query=Query, types=[Other])
PLANNED = strawberry.Schema(query=Query, types=[Other], execution_context_class=PlanExecutor)

DOCUMENT = """{ box { id heavy: weight
  parts { name count colour note label __typename }
  first { name ... on Part { colour } ... on Other { size } } } }"""


async def both(value: Box, document: str = DOCUMENT) -> dict[str, Any]:
    """The answer with plans, checked equal to graphql-core's own, as JSON-ready data."""
    context = {"box": value, "who": "ana"}
    plain = await SCHEMA.execute(document, context_value=context)
    for _ in range(2):  # the second run uses the plans kept from the first
        planned = await PLANNED.execute(document, context_value=context)
        assert planned.data == plain.data
        assert list(planned.data or {}) == list(plain.data or {})
        assert [e.formatted for e in planned.errors or []] == [
            e.formatted for e in plain.errors or []
        ]
    return {"data": plain.data, "errors": [e.formatted for e in plain.errors or []]}


async def test_plain_objects_answer_as_graphql_core_does() -> None:
    answer = await both(box())
    assert answer["errors"] == []
    assert answer["data"]["box"]["parts"][1] == {
        "name": "nut",
        "count": 1,
        "colour": "BLUE",
        "note": "m4",
        "label": "nut x1 for ana",
        "__typename": "Part",
    }
    assert list(answer["data"]["box"]) == ["id", "heavy", "parts", "first"]  # in the asked order


@pytest.mark.parametrize(
    "change",
    [
        {"parts": [Part(name="bolt", count=-1, colour=Colour.RED)]},  # the resolver raises
        {"parts": [Part(name=None, count=1, colour=Colour.RED)]},  # type: ignore[arg-type]
        {"parts": [Part(name="bolt", count="many", colour=Colour.RED)]},  # type: ignore[arg-type]
        {"parts": [Part(name="bolt", count=1, colour="GREEN")]},  # type: ignore[arg-type]
        {"parts": "not a list"},
        {"parts": [Other(name="crate", size=4)]},  # a Named that is no Part: no `count`
        {"parts": [Lookalike()]},
        {"first": Other(name="crate", size=4)},  # the fragment on Part selects nothing
        {"first": "not a part"},
    ],
)
async def test_every_surprise_is_graphql_cores_to_answer(change: dict[str, Any]) -> None:
    answer = await both(box(**change))
    assert answer["data"] is not None or answer["errors"]  # it ran: an answer or its error
