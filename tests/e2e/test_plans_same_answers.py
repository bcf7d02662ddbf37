"""Every README/docs example and every page operation answers the same, byte for byte, on the short way (compiled plans,
api/serving/plans.py; the HTTP lane, api/serving/lane.py; direct execution,
api/serving/direct.py) and on the long one (every field through graphql-core, every request
through Starlette's middleware, Strawberry's HTTP view and its per-request wrapper).

Two demo servers on two databases, one with `ORDERWIRE_GRAPHQL_PLANS` and
`ORDERWIRE_GRAPHQL_LANE` off, each with its own
marketplace clock from the same moment; each example is prepared and run on both in step. The ids the servers make
(orders, returns, shipments, cursors) differ between the two databases, so those values are
named by their place before the answers are compared; everything else, the keys' order
included, must be the same bytes. Errors too: a carrier's refusal, a null in a non-null field.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.clock import ManualClock
from api.settings import Settings
from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, SELLER, UPS
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.test_doc_examples import _prepared
from tests.operations import EXAMPLES, page_operations

# Values a server makes up (ids, cursors), which differ between the two databases.
MADE_UP = {
    "id",
    "orderId",
    "returnId",
    "claimId",
    "shipmentId",
    "cursor",
    "startCursor",
    "endCursor",
    "updatesCursor",
    "handle",
    "trackingId",  # the tests make it from the order id
    "secret",  # a webhook endpoint's, random
}


@pytest.fixture
async def both(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    plain = settings.model_copy(
        update={
            "graphql_plans": False,
            "graphql_lane": False,
            "mongodb_db": f"{settings.mongodb_db}_plain",
        }
    )
    async with (
        serving(settings, clock, demo=True) as planned,
        serving(plain, ManualClock(clock()), demo=True) as unplanned,
    ):
        yield planned, unplanned


def named(answer: Any, names: dict[str, str]) -> Any:
    """The answer with made-up values named by the order they first appear in."""
    if isinstance(answer, dict):
        return {
            key: (
                names.setdefault(value, f"<{len(names)}>")
                if key in MADE_UP and isinstance(value, str)
                else named(value, names)
            )
            for key, value in answer.items()
        }
    if isinstance(answer, list):
        return [named(item, names) for item in answer]
    return answer


# What both ways must say alike about an answer, besides its body.
HEADERS = ("content-type", "x-content-type-options", "referrer-policy", "content-encoding")


async def ask(
    server: LiveServer, actor: Actor | None, document: str, variables: dict[str, Any]
) -> tuple[int, dict[str, str | None], str, object]:
    """Status, headers, named body (without the bucket's level) and cost of one request.
    The document is sent anonymously first: refused before it runs, it is parsed and
    validated, so the real request runs the way a document seen before does."""
    warm = await server.api.http.post("/graphql", json={"query": document, "variables": variables})
    assert warm.status_code == 200
    headers = {"accept-encoding": "gzip"}
    if actor is not None:
        headers["authorization"] = f"Bearer {server.api.token(actor)}"
    response = await server.api.http.post(
        "/graphql", json={"query": document, "variables": variables}, headers=headers
    )
    assert response.headers["x-request-id"]
    body = response.json()
    cost = (body.pop("extensions", None) or {}).get("cost", {}).get("requestedQueryCost")
    marks = {name: response.headers.get(name) for name in HEADERS}
    return response.status_code, marks, json.dumps(named(body, {})), cost


async def test_every_example_answers_the_same_both_ways(
    both: tuple[LiveServer, LiveServer],
) -> None:
    short, long = both
    compared = 0
    for spec, document in EXAMPLES:
        if document.lstrip().startswith("subscription"):
            continue  # the live path executes with the same executor: test_live_updates
        actor, mine = await _prepared(short.api, spec)
        _, theirs = await _prepared(long.api, spec)
        one = await ask(short, actor, document, mine)
        other = await ask(long, actor, document, theirs)
        assert one == other, spec
        compared += 1
    assert compared >= 10


async def test_refusals_and_nulls_answer_the_same_both_ways(
    both: tuple[LiveServer, LiveServer],
) -> None:
    """What a plan gives back to graphql-core, and what is refused before anything runs:
    errors come out the same way."""
    documents = [
        (UPS, "query { orders(first: 2) { nodes { id status total { amount } } } }"),
        (OPERATOR, 'query { order(id: "ord_missing") { id status items { sku } } }'),
        (
            OPERATOR,
            "query { orders(first: 3) { nodes { id ...F } } } fragment F on Order { status shippingAddress { city } deliveredAt cancelReason }",
        ),
        (
            OPERATOR,
            "query($s: Boolean!) { orders(first: 2) { nodes { id items @skip(if: $s) { sku } } } }",
        ),
        (None, "query { orders(first: 1) { nodes { id } } }"),  # not signed in
        (
            OPERATOR,
            "query { orders(first: 100) { nodes { timeline(first: 100) { totalCount } } } }",
        ),
        (OPERATOR, "query Two { viewer { id } } query Other { viewer { role } }"),
        (OPERATOR, "query($n: Int!) { orders(first: $n) { nodes { id } } }"),  # $n missing
        (OPERATOR, 'subscription { orderUpdates(orderId: "x") { status } }'),
    ]
    short, long = both
    for actor, document in documents:
        variables = {"s": True}
        assert await ask(short, actor, document, variables) == await ask(
            long, actor, document, variables
        ), document


async def _page_variables(server: LiveServer) -> dict[str, tuple[Actor, dict[str, Any]]]:
    """Who sends each page operation, and with what, on this server (orders made for it)."""
    api = server.api
    shipped = await api.order_in("IN_TRANSIT")
    waiting, asked = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    now = api.clock().isoformat()
    board = {"filter": {"statuses": ["UNSHIPPED", "PARTIALLY_SHIPPED"]}, "sort": "SOONEST_SHIP_BY"}
    return {
        "health.HEALTH": (SELLER, {"sellerId": SELLER.id}),
        "seller.PAGE": (SELLER, {**board, "first": 25}),
        "seller.VIEWER": (SELLER, {}),
        "seller.TOTALS": (SELLER, {"today": now, "now": now}),
        "seller.IDS": (SELLER, board),
        "seller.SHIP": (
            SELLER,
            {
                "inputs": [
                    {
                        "orderId": waiting["id"],
                        "carrier": "UPS",
                        "shippingMethod": "Ground",
                        "trackingId": f"1ZPAGE{waiting['id'][-8:]}",
                        "shipDate": now,
                    }
                ]
            },
        ),
        "seller.CANCEL": (
            SELLER,
            {"inputs": [{"orderId": asked["id"], "reason": "Out of stock"}]},
        ),
        "track.READ": (BUYER, {"id": shipped["id"]}),
        "track.SELLER": (BUYER, {"id": SELLER.id}),
        "track.THREAD": (BUYER, {"id": shipped["id"]}),
        "track.CANCEL": (BUYER, {"id": shipped["id"], "reason": "Ordered twice"}),
        "track.RETURN": (
            BUYER,
            {"input": {"orderId": shipped["id"], "reason": "NO_LONGER_NEEDED", "items": []}},
        ),
        "track.MESSAGE": (BUYER, {"id": shipped["id"], "body": "Where is it?"}),
    }


async def test_every_page_operation_answers_the_same_both_ways(
    both: tuple[LiveServer, LiveServer],
) -> None:
    """The pages' own documents (api/web/pages), as the pages send them: reads, and writes
    whose refusals (a parcel in transit cannot be cancelled or returned) say the same too."""
    short, long = both
    operations = page_operations()
    mine, theirs = await _page_variables(short), await _page_variables(long)
    for name, document in operations.items():
        if document.lstrip().startswith("subscription"):
            continue  # the live path executes with the same executor: test_live_updates
        actor, variables = mine[name]
        one = await ask(short, actor, document, variables)
        other = await ask(long, actor, document, theirs[name][1])
        assert one == other, name
        assert one[0] == 200, (name, one)
        if document.lstrip().startswith("query"):
            assert '"errors"' not in one[2], (name, one)  # a read that ran, not a refusal
    assert set(mine) == {n for n, d in operations.items() if "subscription" not in d.split("(")[0]}
