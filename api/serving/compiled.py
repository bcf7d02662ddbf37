"""An object's plan as one generated Python function (api/serving/plans.py plans the fields).

For an object whose every selected field is planned, the plans are written out as the body of
one function: each plain attribute read, its null check and its scalar's or enum's
`serialize` inline, and the other fields (lists, nested objects, resolvers of their own)
called through their plans. So a field costs an attribute read and one call, not the five
calls of the plan closures. The generated function keeps the plans' promise: anything it does
not expect raises `Bail`, and graphql-core completes the object instead.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql.pyutils import Undefined


class Bail(Exception):
    """A plan met a value it does not complete; graphql-core completes the field instead."""


BAIL = Bail()

# A plan: the answer for one field (or object) from its source, in the execution given.
Plan = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Attribute:
    """A field read straight from an attribute and completed by a scalar's or enum's
    `serialize` (None for a list or object, completed by `then`)."""

    key: str
    attribute: str
    non_null: bool
    serialize: Callable[[Any], Any] | None = None
    then: Plan | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """A field completed by its plan."""

    key: str
    plan: Plan


Entry = Attribute | Planned


def readable(attribute: str) -> bool:
    """Whether `attribute` can be written as `value.attribute` in generated code."""
    return attribute.isidentifier() and not keyword.iskeyword(attribute)


def object_function(check: Callable[[Any, Any], bool] | None, entries: list[Entry]) -> Plan:
    """The plan of an object with these fields, `check` its `is_type_of` (or None)."""
    names: dict[str, Any] = {"BAIL": BAIL, "Bail": Bail, "UNDEFINED": Undefined, "check": check}
    lines = ["def complete(v, ex):", "    if v is None:", "        return None"]
    if check is not None:
        # Strawberry's check (an isinstance against the type and its interfaces) reads no
        # resolve info.
        lines += ["    if not check(v, None):", "        raise BAIL"]
    lines += ["    try:", "        pass"]  # an object may select no field of its type
    answer = []
    for n, entry in enumerate(entries):
        if isinstance(entry, Planned):
            names[f"p{n}"] = entry.plan
            lines.append(f"        a{n} = p{n}(v, ex)")
        else:
            assert readable(entry.attribute)
            lines.append(f"        a{n} = v.{entry.attribute}")
            lines += _completed(n, entry, names)
        answer.append(f"{entry.key!r}: a{n}")
    lines += [
        "    except Bail:",
        "        raise",
        "    except Exception as error:",
        "        raise BAIL from error",
        "    return {" + ", ".join(answer) + "}",
    ]
    exec("\n".join(lines), names)
    return names["complete"]  # type: ignore[no-any-return]


def _completed(n: int, entry: Attribute, names: dict[str, Any]) -> list[str]:
    """The lines that complete `a{n}`, read from its attribute."""
    if entry.serialize is not None:
        names[f"s{n}"] = entry.serialize
        step = [
            f"a{n} = s{n}(a{n})",
            f"if a{n} is None or a{n} is UNDEFINED:",
            "    raise BAIL",
        ]
    else:
        assert entry.then is not None
        names[f"t{n}"] = entry.then
        step = [f"a{n} = t{n}(a{n}, ex)"]
    if entry.non_null:
        return [f"        if a{n} is None:", "            raise BAIL"] + [
            "        " + line for line in step
        ]
    return [f"        if a{n} is not None:"] + ["            " + line for line in step]
