"""Execution without per-field overhead where it buys nothing.

graphql-core resolves every field the same way: a resolve-info object, argument coercion, the
resolver through the middleware, then completion by the field's type. For most of an order's
fields the resolver is a plain attribute read (Strawberry's basic fields) and the completion
a scalar's or an enum's `serialize`. `PlanExecutor` compiles, once per selection of a
document, a plan for each field it can fill straight from the domain values: a plain
attribute; a resolver of its own that takes no arguments and is not async (called with the
resolve info graphql-core would give it, so its access checks run as always); a scalar, an
enum, a list, or an object (its `is_type_of` check included) made only of such fields. An
object whose whole selection has a plan is completed in one call, with no graphql-core work
for any field under it. Every other field (a resolver with arguments or an async one, an
interface or a union) goes through graphql-core as before. A plan that meets anything it does
not expect (a null where the schema says non-null, a value a scalar refuses, a resolver that
raises, an object of another type) gives that field or object back to graphql-core, which
then answers with the same data and the same error it always did: what a plan runs reads and
changes nothing, so running it again is safe.

Plans are kept per selection (the parsed document's nodes, which the guard keeps per document
text), so a document seen before runs without compiling anything; they take the execution
they serve as an argument, never keep one. A document that uses `@skip` or `@include` is
planned per request, since its selections depend on variables.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, cast
from weakref import ref

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.serving.compiled import (
    BAIL,
    Attribute,
    Bail,
    Entry,
    Plan,
    Planned,
    object_function,
    readable,
)
from api.serving.memory import DOCUMENTS_KEPT, Memory

# Selections planned, per operation, kept with the type and nodes their key is made of (so
# the ids stay theirs: a schema built again, in tests, has types of its own). Held through a
# weak reference to the operation, by its identity (an AST node hashes its whole tree): its
# plans go when the guard's memory lets its document go (P6 grew by 23 MB a run when plans
# outlived 1,000 documents); no plan refers to the operation itself.
_Kept = dict[tuple[int, ...], tuple[list[Any], "Plan | None"]]
_plans: dict[int, tuple[ref[OperationDefinitionNode], _Kept]] = {}


def _plans_of(operation: OperationDefinitionNode) -> _Kept:
    """The plans made for `operation`'s selections, dropped with the operation."""
    key = id(operation)
    found = _plans.get(key)
    if found is not None and found[0]() is operation:
        return found[1]

    def gone(dead: ref[OperationDefinitionNode]) -> None:
        entry = _plans.get(key)
        if entry is not None and entry[0] is dead:
            del _plans[key]

    planned: _Kept = {}
    _plans[key] = (ref(operation, gone), planned)
    return planned


# Per operation, as many as the documents the guard keeps: each holds its operation's tree.
_conditional: Memory[int, tuple[OperationDefinitionNode, bool]] = Memory(DOCUMENTS_KEPT)
_FIELD, _OBJECT = 0, 1  # what a kept plan fills: one field of a parent, or a whole object


# Where Strawberry keeps a field's definition on graphql-core's field.
DEFINITION = "strawberry-definition"


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
                results[key] = plan(source_value, self)
            except Bail:
                rest[key] = details
        if not rest:
            return results
        done = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(done):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, results | await done)

            return merged()
        return _in_order(grouped_field_set, results | done)  # type: ignore[operator]

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """An object whose whole selection is planned, in one call."""
        if not self._middleware():
            complete = self._shared(_OBJECT, return_type, field_details_list)
            if complete is not None:
                try:
                    return complete(result, self)  # type: ignore[no-any-return]
                except Bail:
                    pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def planning_off(self) -> bool:
        """Whether this execution plans nothing across requests: middleware wraps every
        resolver, or the document's selections depend on its variables."""
        return self._middleware() or self._conditional()

    def completion(self, type_: GraphQLOutputType, details: FieldDetailsList) -> Plan | None:
        """What completes a value of `type_` selected by `details`, when every part of it
        is planned (api/serving/root_plans.py plans a read's root fields with it)."""
        return self._completion(type_, details)

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
        plan = self._shared(_FIELD, parent_type, details)
        mine[(id(parent_type), id(details))] = (details, plan)
        return plan

    def _shared(
        self, kind: int, type_: GraphQLObjectType, details: FieldDetailsList
    ) -> Plan | None:
        """A field's plan (`_FIELD`, `type_` its parent) or an object's (`_OBJECT`, `type_`
        the object's), kept per document across executions."""
        compile_ = self._compile_field if kind == _FIELD else self._object
        if self._conditional():
            return compile_(type_, details)
        nodes = [d.node for d in details]
        key = (kind, id(type_), *map(id, nodes))
        planned = _plans_of(self.operation)
        kept = planned.get(key)
        if kept is not None and kept[0][0] is type_:
            return kept[1]
        plan = compile_(type_, details)
        planned[key] = ([type_, *nodes], plan)
        return plan

    def _conditional(self) -> bool:
        """Whether the document uses @skip or @include (its selections depend on values)."""
        operation = self.operation
        known = _conditional.find(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        loc = operation.loc
        body = "" if loc is None else loc.source.body
        found = loc is None or "@skip" in body or "@include" in body
        _conditional.keep(id(operation), (operation, found))
        return found

    def _compile_field(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> Plan | None:
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            type_name = parent_type.name
            return lambda _source, _execution: type_name
        field = parent_type.fields.get(name)
        if field is None or field.args or node.arguments or details[0].fragment_variable_values:
            return None
        resolve = field.resolve
        if resolve is None or inspect.iscoroutinefunction(resolve):
            return None  # graphql-core's default resolver, or an async one: graphql-core runs it
        complete = self._completion(field.type, details)
        if complete is None:
            return None
        if getattr(resolve, "_is_default", False):

            def plan(source: Any, execution: PlanExecutor) -> Any:
                try:
                    value = resolve(source, None)
                except Exception as error:  # an attribute missing: graphql-core's to word
                    raise BAIL from error
                return complete(value, execution)

            return plan
        return _resolved(field, parent_type, details, complete)

    def _object(self, type_: GraphQLObjectType, details: FieldDetailsList) -> Plan | None:
        """What completes an object of `type_` selected by `details`: every field planned,
        written out as one function (api/serving/compiled.py)."""
        check = type_.is_type_of
        if check is not None and inspect.iscoroutinefunction(check):
            return None  # an async check: graphql-core awaits it
        entries: list[Entry] = []
        for key, sub in self.collect_subfields(type_, details)[0].items():
            entry: Entry | None = self._attribute(type_, key, sub)
            if entry is None:
                plan = self._compile_field(type_, sub)
                if plan is None:
                    return None  # not all planned: graphql-core completes this object
                entry = Planned(key, plan)
            entries.append(entry)
        return object_function(cast(Callable[[Any, Any], bool] | None, check), entries)

    def _attribute(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> Attribute | None:
        """A Strawberry field with no resolver, read as `source.attribute` (what its default
        resolver, `getattr`, does); None for any other field."""
        node = details[0].node
        field = parent_type.fields.get(node.name.value)
        if field is None or field.args or node.arguments or details[0].fragment_variable_values:
            return None
        if not getattr(field.resolve, "_is_default", False):
            return None
        defined = field.extensions.get(DEFINITION)
        python_name = getattr(defined, "python_name", None)
        if (
            defined is None
            or getattr(defined, "base_resolver", None) is not None
            or getattr(defined, "default_resolver", None) is not getattr
            or not isinstance(python_name, str)
            or not readable(python_name)
        ):
            return None
        type_ = field.type
        non_null = isinstance(type_, GraphQLNonNull)
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return Attribute(key, python_name, non_null, serialize=type_.serialize)
        then = self._completion(type_, details)
        return None if then is None else Attribute(key, python_name, non_null, then=then)

    def _completion(self, type_: GraphQLOutputType, details: FieldDetailsList) -> Plan | None:
        """What turns a field's value into its answer, for types a plan can complete."""
        if isinstance(type_, GraphQLNonNull):
            inner = self._completion(type_.of_type, details)
            if inner is None:
                return None

            def non_null(value: Any, execution: PlanExecutor) -> Any:
                if value is None:
                    raise BAIL
                return inner(value, execution)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completion(type_.of_type, details)
            if item is None:
                return None

            def listed(value: Any, execution: PlanExecutor) -> Any:
                if value is None:
                    return None
                if not isinstance(value, list | tuple):
                    raise BAIL
                return [item(v, execution) for v in value]

            return listed
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            serialize = type_.serialize

            def leaf(value: Any, _execution: PlanExecutor) -> Any:
                if value is None:
                    return None
                try:
                    serialized = serialize(value)
                except Exception as error:
                    raise BAIL from error
                if serialized is None or serialized is Undefined:
                    raise BAIL  # graphql-core's error to give
                return serialized

            return leaf
        if isinstance(type_, GraphQLObjectType):
            return self._object(type_, details)
        return None


def _resolved(
    field: GraphQLField,
    parent_type: GraphQLObjectType,
    details: FieldDetailsList,
    complete: Plan,
) -> Plan:
    """A field whose resolver is its own (no arguments, not async): called with the resolve
    info graphql-core would build, in the execution the plan serves."""
    resolve = field.resolve
    assert resolve is not None
    nodes = [d.node for d in details]
    node = nodes[0]
    path = Path(None, (node.alias or node.name).value, parent_type.name)

    def plan(source: Any, execution: PlanExecutor) -> Any:
        info = execution.build_resolve_info(field, nodes, parent_type, path)
        try:
            value = resolve(source, info)
        except Exception as error:
            raise BAIL from error  # graphql-core calls it again, and words the error
        if execution.is_awaitable(value):
            close = getattr(value, "close", None)
            if close is not None:
                close()  # a coroutine not started: nothing ran
            raise BAIL
        return complete(value, execution)

    return plan


def _in_order(grouped: GroupedFieldSet, results: dict[str, Any]) -> dict[str, Any]:
    """The answer's keys in the order the document selected them, as graphql-core gives them."""
    return {key: results[key] for key in grouped if key in results}
