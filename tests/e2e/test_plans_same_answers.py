"""Every README/docs example answers the same, byte for byte, with the compiled plans
(api/graphql/plans.py) and without them (every field through graphql-core).

Two demo servers on two databases, one with `ORDERWIRE_GRAPHQL_PLANS` off, each with its own
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
from tests.api.client import OPERATOR, UPS
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.test_doc_examples import _prepared
from tests.operations import EXAMPLES

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
}


@pytest.fixture
async def both(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    plain = settings.model_copy(
        update={"graphql_plans": False, "mongodb_db": f"{settings.mongodb_db}_plain"}
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


async def test_every_example_answers_the_same_with_and_without_plans(
    both: tuple[LiveServer, LiveServer],
) -> None:
    planned, unplanned = both
    compared = 0
    for spec, document in EXAMPLES:
        if document.lstrip().startswith("subscription"):
            continue  # the live path executes with the same executor: test_live_updates
        actor, mine = await _prepared(planned.api, spec)
        _, theirs = await _prepared(unplanned.api, spec)
        one = await planned.api.http.post(
            "/graphql",
            json={"query": document, "variables": mine},
            headers={"authorization": f"Bearer {planned.api.token(actor)}"},
        )
        other = await unplanned.api.http.post(
            "/graphql",
            json={"query": document, "variables": theirs},
            headers={"authorization": f"Bearer {unplanned.api.token(actor)}"},
        )
        assert one.status_code == other.status_code, spec
        left, right = one.json(), other.json()
        left.pop("extensions", None)  # the rate limit's bucket, refilled by the wall clock
        right.pop("extensions", None)
        assert json.dumps(named(left, {})) == json.dumps(named(right, {})), spec
        compared += 1
    assert compared >= 10


async def test_refusals_and_nulls_answer_the_same_with_and_without_plans(
    both: tuple[LiveServer, LiveServer],
) -> None:
    """What a plan gives back to graphql-core: errors come out the same way."""
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
    ]
    planned, unplanned = both
    for actor, document in documents:
        answers = []
        for server in (planned, unplanned):
            response = await server.api.http.post(
                "/graphql",
                json={"query": document, "variables": {"s": True}},
                headers={"authorization": f"Bearer {server.api.token(actor)}"},
            )
            body = response.json()
            body.pop("extensions", None)
            answers.append((response.status_code, json.dumps(named(body, {}))))
        assert answers[0] == answers[1], document
