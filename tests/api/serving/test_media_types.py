"""GraphQL over HTTP as the spec has it: media types, status codes, and coded transport errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.serving.streaming import asks_for_stream
from tests.api.client import BUYER, Api

SPEC = "application/graphql-response+json"


async def post(api: Api, body: Any, accept: str | None, **headers: str) -> httpx.Response:
    sent = {"content-type": "application/json", **headers}
    if accept is not None:
        sent["accept"] = accept
    return await api.http.post("/graphql", json=body, headers=sent)


async def test_the_specs_media_type_answers_a_request_that_never_ran_with_4xx_and_no_data(
    api: Api,
) -> None:
    broken = await post(api, {"query": "{ viewer { id "}, SPEC)
    assert broken.status_code == 400
    assert broken.headers["content-type"].startswith(SPEC)
    assert "data" not in broken.json()
    assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    invalid = await post(api, {"query": "{ nosuchfield }"}, SPEC)
    assert (invalid.status_code, "data" in invalid.json()) == (400, False)
    anonymous = await post(api, {"query": "{ orders { nodes { id } } }"}, SPEC)
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A request that ran answers 200, with its data, field errors included.
    ran = await post(
        api,
        {"query": "query($id: ID!) { order(id: $id) { id } }", "variables": {"id": "ord_none"}},
        SPEC,
        authorization=f"Bearer {api.token(BUYER)}",
    )
    assert ran.status_code == 200
    assert ran.headers["content-type"].startswith(SPEC)
    assert "data" in ran.json()


async def test_application_json_keeps_200_for_older_clients(api: Api) -> None:
    for accept in ("application/json", None, "*/*"):
        broken = await post(api, {"query": "{ viewer { id "}, accept)
        assert broken.status_code == 200
        assert broken.headers["content-type"].startswith("application/json")
        assert broken.json()["data"] is None
    # Both accepted: the most preferred wins, the spec's type on a tie.
    both = await post(api, {"query": "{ __typename }"}, f"application/json;q=0.9, {SPEC}")
    assert both.headers["content-type"].startswith(SPEC)
    older = await post(api, {"query": "{ __typename }"}, f"application/json, {SPEC};q=0.5")
    assert older.headers["content-type"].startswith("application/json")


async def test_a_media_type_we_cannot_speak_is_406(api: Api) -> None:
    refused = await post(api, {"query": "{ __typename }"}, "text/xml")
    assert refused.status_code == 406
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_a_mutation_over_get_is_405_with_allow(api: Api) -> None:
    answer = await api.http.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_several_operations_need_an_operation_name(api: Api) -> None:
    document = "query A { __typename } mutation B { __typename }"
    unnamed = await post(api, {"query": document}, "application/json")
    assert unnamed.json()["data"] is None
    assert unnamed.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    named = await post(api, {"query": document, "operationName": "A"}, "application/json")
    assert named.json()["data"] == {"__typename": "Query"}


async def test_transport_errors_are_graphql_json_with_a_code(api: Api) -> None:
    for body, headers in (
        (b"{not json", {"content-type": "application/json"}),
        (b"[]", {"content-type": "application/json"}),
        (b"x", {"content-type": "text/plain"}),
    ):
        answer = await api.http.post("/graphql", content=body, headers=headers)
        assert answer.status_code == 400, answer.text
        error = answer.json()["errors"][0]
        assert error["message"]
        assert error["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("accept", "stream"),
    [
        ("text/event-stream", True),  # graphql-sse's client
        (
            'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
            True,
        ),  # Apollo
        # urql lists the streams after JSON on every request: it asks for JSON.
        (
            "application/graphql-response+json, application/json, text/event-stream, multipart/mixed",
            False,
        ),
        ("application/json", False),
        ("", False),
    ],
)
def test_a_stream_is_what_the_client_asks_for_first(accept: str, stream: bool) -> None:
    assert asks_for_stream(accept) is stream
