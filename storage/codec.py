"""Turn domain dataclasses into BSON documents and back, driven by their type hints."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any, TypeVar, cast

from domain.kernel.moments import truncate_to_millis

T = TypeVar("T")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def epoch_ms(moment: datetime) -> int:
    """A moment as whole milliseconds since 1970, for fields a query compares or sorts by.

    Integers compare exactly on every server; the embedded one compares dates (and text
    that reads like a date) to the second inside `$and`/`$or` and in `find`.
    """
    return (moment.astimezone(UTC) - _EPOCH) // _MS


def to_json(document: Any) -> str:
    """JSON for a document made by `encode`; times become ISO 8601 strings."""
    return json.dumps(document, default=_iso, separators=(",", ":"))


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode(value: Any) -> Any:
    """A BSON-ready form of a dataclass, enum, date, tuple or plain value."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder_for(kind)
    return encoder(value)


# Values stored as they are; anything else goes through an encoder made once per type.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None), dict})
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _encoder_for(kind: type) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))

        def fields(value: Any) -> dict[str, Any]:
            out = {}
            for name in names:
                item = getattr(value, name)
                out[name] = item if type(item) in _PLAIN else encode(item)
            return out

        return fields
    if issubclass(kind, Enum):
        return lambda value: value.value
    if issubclass(kind, datetime):
        return lambda value: truncate_to_millis(value.astimezone(UTC))
    if issubclass(kind, date):
        return lambda value: value.isoformat()
    if issubclass(kind, list | tuple):
        return lambda value: [encode(item) for item in value]
    return _same


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(hint: Any, raw: Any) -> Any:
    """Rebuild a value of type `hint` from its BSON form."""
    return _decoder(hint)(raw)


def decode_dataclass(cls: type[T], raw: dict[str, Any]) -> T:
    """Rebuild dataclass `cls` from a document produced by `encode`."""
    built: T = _decoder(cast(Any, cls))(raw)
    return built


def _moment(raw: Any) -> datetime:
    moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same(raw: Any) -> Any:
    return raw


@cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that decodes `hint` from BSON, worked out once per type from its hints.

    Reading a page of orders decodes thousands of fields; asking `typing` about each one every
    time cost more than the database read.
    """
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner_hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _decoder(inner_hint)
        return lambda raw: None if raw is None else inner(raw)
    if origin is tuple:
        item = _decoder(typing.get_args(hint)[0])
        return lambda raw: tuple([item(v) for v in raw])
    if origin is list:
        item = _decoder(typing.get_args(hint)[0])
        return lambda raw: [item(v) for v in raw]
    if origin is frozenset:
        item = _decoder(typing.get_args(hint)[0])
        return lambda raw: frozenset(item(v) for v in raw)
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return _dataclass_decoder(hint)
        if issubclass(hint, Enum):
            return hint
        if issubclass(hint, datetime):
            return _moment
        if issubclass(hint, date):
            return date.fromisoformat
    return _same


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    """A decoder written for `cls` that rehydrates without running `__post_init__`.

    What is stored was validated when it was made (every write goes through the domain's
    constructors), so reading it back does not check it again: a page of 100 orders spent
    most of its decoding in address and line-item validation. Each field gets its own
    decoder only where the stored form differs from the value; a field missing from an
    older document takes the dataclass's default.
    """
    hints = _hints(cls)
    env: dict[str, Any] = {"new": object.__new__, "put": object.__setattr__, "cls": cls}
    lines = ["def build(raw):", "    obj = new(cls)"]
    for i, f in enumerate(dataclasses.fields(cls)):
        decoder = _decoder(hints[f.name])
        read = f"raw[{f.name!r}]"
        if decoder is not _same:
            env[f"decode_{i}"] = decoder
            read = f"decode_{i}({read})"
        if f.default is not dataclasses.MISSING:
            env[f"default_{i}"] = f.default
            read = f"{read} if {f.name!r} in raw else default_{i}"
        elif f.default_factory is not dataclasses.MISSING:
            env[f"factory_{i}"] = f.default_factory
            read = f"{read} if {f.name!r} in raw else factory_{i}()"
        lines.append(f"    put(obj, {f.name!r}, {read})")
    lines.append("    return obj")
    exec("\n".join(lines), env)  # the source is made above from the class's own fields
    built: Callable[[Any], Any] = env["build"]
    return built
