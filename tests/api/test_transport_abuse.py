"""Malformed transport gets a GraphQL JSON refusal with a code, never a 500 or a traceback."""

from __future__ import annotations

import logging

import pytest

from tests.api.client import BUYER, Api


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(BUYER)}"}


async def test_a_subscription_over_http_is_refused_quietly(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    query = "subscription { myOrderUpdates { cursor } }"
    with caplog.at_level(logging.ERROR):
        posted = await api.http.post("/graphql", json={"query": query}, headers=_auth(api))
        got = await api.http.get("/graphql", params={"query": query}, headers=_auth(api))
    for response in (posted, got):
        assert response.status_code in (200, 400), response.text
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
        assert "WebSocket" in body["errors"][0]["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "raw",
    [
        b'"hello"',
        b"null",
        b"42",
        b"[1, 2]",
        b'{"query": "{ viewer { id } }", "variables": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b"{not json",
    ],
)
async def test_bodies_that_are_not_a_graphql_request_get_a_400_with_a_code(
    api: Api, raw: bytes
) -> None:
    response = await api.http.post(
        "/graphql", content=raw, headers={**_auth(api), "content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
