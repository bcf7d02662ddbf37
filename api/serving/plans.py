"""Execution without per-field overhead where it buys nothing.

graphql-core resolves every field the same way: a resolve-info object, argument coercion, the
resolver through the middleware, then completion by the field's type. For most of an order's
fields the resolver is a plain attribute read (Strawberry's basic fields) and the completion
a scalar's or an enum's `serialize`. `PlanExecutor` compiles, once per selection of a
document, a plan for each such field, including objects and lists made only of such fields,
and fills it straight from the domain values; every other field (a resolver with arguments
or `info`, an interface, an object with an `is_type_of` check) goes through graphql-core as
before. A plan that meets anything it does not expect (a null where the schema says non-null,
a value a scalar refuses) gives that field back to graphql-core, which then answers with the
same data and the same error it always did: the plans have no side effects to repeat.

Plans are kept per selection (the parsed document's nodes, which the guard keeps per document
text), so a document seen before runs without compiling anything. A document that uses
`@skip` or `@include` is planned per request, since its selections depend on variables.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# A compiled field: the value for its response key from the parent's source, or _Bail.
Plan = Callable[[Any], Any]
# Selections planned, kept with the type and nodes their key is made of (so the ids stay
# theirs: a schema built again, in tests, has types of its own).
PLANS_KEPT = 4096
_plans: OrderedDict[tuple[int, ...], tuple[list[Any], Plan | None]] = OrderedDict()
_conditional: dict[int, tuple[OperationDefinitionNode, bool]] = {}


class _Bail(Exception):
    """A plan met a value it does not complete; graphql-core completes the field instead."""


_BAIL = _Bail()


class PlanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor (graphql-core's, with its resolve info), with planned fields filled straight from their sources."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self._middleware():
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        rest: dict[str, FieldDetailsList] = {}
        for key, details in grouped_field_set.items():
            plan = self._plan_of(parent_type, details)
            if plan is None:
                rest[key] = details
                continue
            try:
                results[key] = plan(source_value)
            except _Bail:
                rest[key] = details
        if not rest:
            return results
        done = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(done):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, results | await done)

            return merged()
        return _in_order(grouped_field_set, results | done)  # type: ignore[operator]

    def _middleware(self) -> bool:
        manager = self.middleware_manager
        return manager is not None and getattr(manager, "_middleware_resolvers", None) is not None

    def _plan_of(self, parent_type: GraphQLObjectType, details: FieldDetailsList) -> Plan | None:
        """The field's plan: found once per execution for each selection (every order of a
        page shares its field lists), and once per document across executions."""
        mine: dict[tuple[int, int], tuple[FieldDetailsList, Plan | None]]
        mine = self.__dict__.setdefault("_planned", {})
        known = mine.get((id(parent_type), id(details)))
        if known is not None and known[0] is details:
            return known[1]
        plan = self._shared_plan(parent_type, details)
        mine[(id(parent_type), id(details))] = (details, plan)
        return plan

    def _shared_plan(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> Plan | None:
        if self._conditional():
            return self._compile_field(parent_type, details)
        nodes = [d.node for d in details]
        key = (id(parent_type), *map(id, nodes))
        kept = _plans.get(key)
        if kept is not None and kept[0][0] is parent_type:
            _plans.move_to_end(key)
            return kept[1]
        plan = self._compile_field(parent_type, details)
        _plans[key] = ([parent_type, *nodes], plan)
        if len(_plans) > PLANS_KEPT:
            _plans.popitem(last=False)
        return plan

    def _conditional(self) -> bool:
        """Whether the document uses @skip or @include (its selections depend on values)."""
        operation = self.operation
        known = _conditional.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        loc = operation.loc
        body = "" if loc is None else loc.source.body
        found = loc is None or "@skip" in body or "@include" in body
        if len(_conditional) > PLANS_KEPT:
            _conditional.clear()
        _conditional[id(operation)] = (operation, found)
        return found

    def _compile_field(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> Plan | None:
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            type_name = parent_type.name
            return lambda _source: type_name
        field = parent_type.fields.get(name)
        if field is None or field.args or node.arguments or details[0].fragment_variable_values:
            return None
        resolve = field.resolve
        if resolve is None or not getattr(resolve, "_is_default", False):
            return None  # a resolver of its own: graphql-core runs it
        complete = self._completion(field.type, details)
        if complete is None:
            return None

        def plan(source: Any) -> Any:
            return complete(resolve(source, None))

        return plan

    def _completion(
        self, type_: GraphQLOutputType, details: FieldDetailsList
    ) -> Callable[[Any], Any] | None:
        """What turns a field's value into its answer, for types a plan can complete."""
        if isinstance(type_, GraphQLNonNull):
            inner = self._completion(type_.of_type, details)
            if inner is None:
                return None

            def non_null(value: Any) -> Any:
                if value is None:
                    raise _BAIL
                return inner(value)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completion(type_.of_type, details)
            if item is None:
                return None

            def listed(value: Any) -> Any:
                if value is None:
                    return None
                if not isinstance(value, list | tuple):
                    raise _BAIL
                return [item(v) for v in value]

            return listed
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            serialize = type_.serialize

            def leaf(value: Any) -> Any:
                if value is None:
                    return None
                try:
                    serialized = serialize(value)
                except Exception as error:
                    raise _BAIL from error
                if serialized is None or serialized is Undefined:
                    raise _BAIL  # graphql-core's error to give
                return serialized

            return leaf
        if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None:
            grouped = self.collect_subfields(type_, details)[0]
            fields: list[tuple[str, Plan]] = []
            for key, sub in grouped.items():
                plan = self._compile_field(type_, sub)
                if plan is None:
                    return None  # not all plain: graphql-core completes this object
                fields.append((key, plan))

            def obj(value: Any) -> Any:
                if value is None:
                    return None
                return {key: plan(value) for key, plan in fields}

            return obj
        return None


def _in_order(grouped: GroupedFieldSet, results: dict[str, Any]) -> dict[str, Any]:
    """The answer's keys in the order the document selected them, as graphql-core gives them."""
    return {key: results[key] for key in grouped if key in results}
