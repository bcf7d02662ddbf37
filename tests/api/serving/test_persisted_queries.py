"""Automatic persisted queries, as Apollo Client sends them: a hash first, the document once."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, Api

READ = "query Read($id: ID!) { order(id: $id) { id status buyerId } }"
CANCEL = 'mutation Cancel($id: ID!) { cancelOrder(orderId: $id, reason: "x") { errors { code } } }'


def persisted(document: str) -> dict[str, Any]:
    digest = hashlib.sha256(document.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def post(api: Api, body: dict[str, Any], as_: Any = OPERATOR) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.token(as_)}"}
    return await api.http.post("/graphql", json=body, headers=headers)


async def get(api: Api, params: dict[str, Any], as_: Any = OPERATOR) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.token(as_)}"}
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.http.get("/graphql", params=encoded, headers=headers)


async def test_a_hash_the_server_has_not_seen_asks_for_the_document(api: Api) -> None:
    order = (await api.place())["id"]
    answer = await post(api, {"variables": {"id": order}, "extensions": persisted(READ)})
    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }


async def test_the_document_once_then_the_hash_alone_over_post_and_get(api: Api) -> None:
    order = (await api.place())["id"]
    first = await post(
        api, {"query": READ, "variables": {"id": order}, "extensions": persisted(READ)}
    )
    assert first.json()["data"]["order"]["id"] == order
    by_hash = await post(api, {"variables": {"id": order}, "extensions": persisted(READ)})
    assert by_hash.json()["data"] == first.json()["data"]
    over_get = await get(api, {"variables": {"id": order}, "extensions": persisted(READ)})
    assert over_get.status_code == 200
    assert over_get.json()["data"] == first.json()["data"]


async def test_a_hash_that_does_not_match_its_document_is_refused_and_not_kept(
    api: Api,
) -> None:
    order = (await api.place())["id"]
    lying = persisted("query { somethingElse }")
    refused = await post(api, {"query": READ, "variables": {"id": order}, "extensions": lying})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    again = await post(api, {"variables": {"id": order}, "extensions": lying})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_long_document_runs_but_is_not_remembered(api: Api) -> None:
    order = (await api.place())["id"]
    long = "# " + "a long comment " * 1_500 + "\n" + READ  # over 20,000 characters
    ran = await post(
        api, {"query": long, "variables": {"id": order}, "extensions": persisted(long)}
    )
    assert ran.json()["data"]["order"]["id"] == order
    again = await post(api, {"variables": {"id": order}, "extensions": persisted(long)})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_malformed_persisted_query_extensions_are_bad_requests(api: Api) -> None:
    for extensions in (
        {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "short"}},
        {"persistedQuery": "yes"},
    ):
        answer = await post(api, {"query": READ, "extensions": extensions})
        assert answer.status_code == 400, extensions
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_persisted_document_runs_as_whoever_sends_the_hash(api: Api) -> None:
    order = (await api.place(as_=BUYER))["id"]
    stored = await post(
        api,
        {"query": READ, "variables": {"id": order}, "extensions": persisted(READ)},
        as_=BUYER,
    )
    assert stored.json()["data"]["order"]["buyerId"] == BUYER.id
    foreign = await post(
        api, {"variables": {"id": order}, "extensions": persisted(READ)}, as_=OTHER_BUYER
    )
    assert foreign.json()["data"] == {"order": None}
    assert foreign.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_persisted_mutation_does_not_run_over_get(api: Api) -> None:
    order = (await api.place(as_=BUYER))["id"]
    # The buyer's client stores the mutation's document by running it on another order...
    other = (await api.place(as_=BUYER))["id"]
    stored = await post(
        api,
        {"query": CANCEL, "variables": {"id": other}, "extensions": persisted(CANCEL)},
        as_=BUYER,
    )
    assert stored.json()["data"]["cancelOrder"]["errors"] == []
    # ...and a link (GET, the hash alone) cannot make it run.
    answer = await get(
        api, {"variables": {"id": order}, "extensions": persisted(CANCEL)}, as_=BUYER
    )
    assert answer.status_code >= 400
    assert (await api.read(order))["status"] == "PENDING"


async def test_a_get_whose_extensions_are_not_json_is_a_bad_request(api: Api) -> None:
    answer = await get(api, {"query": READ, "extensions": "{not json"})
    assert answer.status_code == 400
