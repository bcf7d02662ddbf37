"""Turn domain dataclasses into BSON documents and back, driven by their type hints."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(document: Any) -> str:
    """JSON for a document made by `encode`; times become ISO 8601 strings."""
    return json.dumps(document, default=_iso, separators=(",", ":"))


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def truncate_to_millis(moment: datetime) -> datetime:
    """BSON keeps milliseconds; cut the rest so what we hold equals what we read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def encode(value: Any) -> Any:
    """A BSON-ready form of a dataclass, enum, date, tuple or plain value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return truncate_to_millis(value.astimezone(UTC))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(hint: Any, raw: Any) -> Any:
    """Rebuild a value of type `hint` from its BSON form."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return decode(inner, raw)
    if origin in (tuple, list):
        inner = typing.get_args(hint)[0]
        items = [decode(inner, v) for v in raw]
        return tuple(items) if origin is tuple else items
    if origin is frozenset:
        return frozenset(decode(typing.get_args(hint)[0], v) for v in raw)
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return decode_dataclass(hint, raw)
        if issubclass(hint, Enum):
            return hint(raw)
        if issubclass(hint, datetime):
            moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if issubclass(hint, date):
            return date.fromisoformat(raw)
    return raw


def decode_dataclass(cls: type[T], raw: dict[str, Any]) -> T:
    """Rebuild dataclass `cls` from a document produced by `encode`."""
    hints = _hints(cls)  # type: ignore[arg-type]
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    kwargs = {f.name: decode(hints[f.name], raw[f.name]) for f in fields if f.name in raw}
    return cls(**kwargs)
