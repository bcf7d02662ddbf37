"""A GraphQL request's parts as the endpoint reads them: its operation's name for the
account, the parts checked as Strawberry's view checks them, a GET's parameters and their
JSON."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from cross_web import HTTPException
from strawberry.http import GraphQLRequestData

_OPERATION_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
_NAMED = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,99})")


def operation_name(given: object, query: object) -> str | None:
    """The operation's name for its account: `operationName`, else the name the document
    starts with; nothing for an anonymous one, or anything that is not a GraphQL name."""
    if isinstance(given, str):
        return given if _OPERATION_NAME.match(given) else None
    found = _NAMED.match(query) if isinstance(query, str) else None
    return found.group(1) if found else None


@dataclass(frozen=True, slots=True)
class Method:
    """All of a request that the view's `execute_single` reads: its method."""

    method: str


def request_data(data: dict[str, Any]) -> GraphQLRequestData:
    """A request's parts, refused as Strawberry's view refuses them (HTTP 400)."""
    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
    if not isinstance(query, str | None):
        raise HTTPException(
            400, "The GraphQL operation's `query` must be a string or null, if provided."
        )
    if not isinstance(variables, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `variables` must be an object or null, if provided."
        )
    if not isinstance(extensions, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `extensions` must be an object or null, if provided."
        )
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=data.get("operationName"),
        extensions=extensions,
        protocol="http",
    )


def json_or_none(text: str | None) -> object:
    """A query parameter's JSON, or None; Strawberry reports malformed JSON itself."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def query_parameters(query_string: bytes) -> dict[str, str]:
    """A GET's parameters as Starlette reads them (`parse_qsl`, blank values kept, the last of
    a repeated name winning), each `name=value` pair's decoding remembered: a client sends
    the same operation name and extensions with every request, only its variables differ,
    and percent-decoding a JSON text in Python costs more than the rest of the lookup."""
    params: dict[str, str] = {}
    for part in query_string.decode("latin-1").split("&"):
        if part:
            pair = _remembered(part) if len(part) <= _REMEMBERED_LENGTH else _pair(part)
            if pair is not None:
                params[pair[0]] = pair[1]
    return params


# Pairs up to this long are remembered (1,024 of them, at most 2 MB): a document sent whole
# in `query=` is decoded each time, so that distinct long ones cannot fill the memory.
_REMEMBERED_LENGTH = 2048


def _pair(part: str) -> tuple[str, str] | None:
    """One `name=value` part decoded as `parse_qsl` decodes it (it too splits at `&` first)."""
    found = parse_qsl(part, keep_blank_values=True)
    return found[0] if found else None


_remembered = lru_cache(maxsize=1024)(_pair)
