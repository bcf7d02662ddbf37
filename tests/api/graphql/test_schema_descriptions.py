"""Every type, field, argument and enum value of the schema says what it is: in introspection
(what GraphiQL and code generators show) and in schema.graphql."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
)

from api.graphql.schema import schema
from tests.api.client import Api

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def _undescribed(graph: object) -> list[str]:
    missing = []
    for name, type_ in graph.type_map.items():  # type: ignore[attr-defined]
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not type_.description:
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in type_.values.items() if not value.description]
        assert not isinstance(type_, GraphQLScalarType) or type_.description, name
    return missing


def test_everything_in_the_schema_is_described() -> None:
    assert _undescribed(schema._schema) == []


def test_the_printed_schema_carries_the_descriptions() -> None:
    assert _undescribed(build_schema(str(schema))) == []


async def test_introspection_shows_them(api: Api) -> None:
    body = await api.gql(
        '{ __type(name: "HealthMetric") { enumValues { name description } } }', as_=None
    )
    values = body["data"]["__type"]["enumValues"]
    assert all(v["description"] for v in values), values
