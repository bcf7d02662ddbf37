"""Lists whose items come milliseconds apart, one of them on a whole second, page one item at a
time without repeating or skipping any. The keysets compare to the millisecond on every
server: the embedded one orders a date on a whole second after later ones in that second."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, SELLER, Api

MS = timedelta(milliseconds=1)


async def _one_by_one(
    api: Api, field: str, document: str, as_: Actor, **variables: Any
) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(20):
        body = await api.gql(document, {**variables, "after": after}, as_=as_)
        assert "errors" not in body, body
        page = body["data"][field]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"{field} never ended: {seen}")


async def test_orders_placed_milliseconds_apart(api: Api) -> None:
    placed = []
    for _ in range(4):
        placed.append((await api.place())["id"])
        api.clock.advance(MS)
    page = "query($after: String) { orders(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    assert await _one_by_one(api, "orders", page, OPERATOR) == placed[::-1]


async def test_a_thread_written_milliseconds_apart(api: Api) -> None:
    order = await api.place()
    sent = []
    for n in range(4):  # the first on a whole second, then a millisecond apart
        body = await api.gql(
            "mutation($id: ID!, $b: String!) { sendMessage(orderId: $id, body: $b) { message { id } } }",
            {"id": order["id"], "b": f"note {n}"},
            as_=BUYER if n % 2 else SELLER,
        )
        sent.append(body["data"]["sendMessage"]["message"]["id"])
        api.clock.advance(MS)
    page = "query($o: ID!, $after: String) { thread(orderId: $o, first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    assert await _one_by_one(api, "thread", page, BUYER, o=order["id"]) == sent


async def test_sellers_added_milliseconds_apart(api: Api) -> None:
    added = []
    api.clock.advance(timedelta(seconds=1))  # after the shops the fixture opened, on a whole second
    for n in range(3):
        body = await api.gql(
            'mutation($id: ID!) { addSeller(id: $id, name: "Shop") { seller { id } } }',
            {"id": f"seller-ms-{n}"},
            as_=OPERATOR,
        )
        added.append(body["data"]["addSeller"]["seller"]["id"])
        api.clock.advance(MS)
    page = "query($after: String) { sellers(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    listed = await _one_by_one(api, "sellers", page, BUYER)
    assert [s for s in listed if s in added] == added[::-1]
    assert len(listed) == len(set(listed))
