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
from graphql import parse
from strawberry.types import Info

from api.serving.plans import PlanExecutor
from api.serving.root_plans import planned_answer


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
# Without the interface field, whose type graphql-core resolves: every field has a plan.
PLANNABLE = """{ box { id heavy: weight parts { name count colour note label __typename } } }"""


async def root_planned(value: Box, document: str = DOCUMENT) -> dict[str, Any] | None:
    """The answer made with no graphql-core execution (api/serving/root_plans.py), or None."""
    built = PlanExecutor.build(
        PLANNED._schema, parse(document), context_value={"box": value, "who": "ana"}
    )
    assert isinstance(built, PlanExecutor)
    return await planned_answer(built)


async def both(value: Box, document: str = DOCUMENT) -> dict[str, Any]:
    """The answer with plans, checked equal to graphql-core's own, as JSON-ready data; and
    made without graphql-core's execution, the same or not at all."""
    context = {"box": value, "who": "ana"}
    plain = await SCHEMA.execute(document, context_value=context)
    for _ in range(2):
        without = await root_planned(value, document)
        assert without is None or (without == plain.data and not plain.errors)
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
    assert await root_planned(box()) is None  # `first` is an interface: graphql-core's
    plannable = await both(box(), PLANNABLE)
    assert await root_planned(box(), PLANNABLE) == plannable["data"]  # no graphql-core at all
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
        {"first": "not a part"},
    ],
)
async def test_every_surprise_is_graphql_cores_to_answer(change: dict[str, Any]) -> None:
    answer = await both(box(**change))
    assert answer["errors"]  # graphql-core's error, word for word, both ways
    if "parts" in change:  # PLANNABLE selects the parts only
        assert (await both(box(**change), PLANNABLE))["errors"]
        assert await root_planned(box(**change), PLANNABLE) is None  # left to graphql-core


async def test_an_inline_fragment_selecting_nothing_of_the_objects_type() -> None:
    answer = await both(box(first=Other(name="crate", size=4)))
    assert answer["data"]["box"]["first"] == {"name": "crate", "size": 4}
