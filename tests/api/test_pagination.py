"""Keyset pages over orders: newest first, every order once, filters that narrow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.client import OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, Api

PAGE = """query($first: Int!, $after: String, $f: OrderFilter) {
  orders(first: $first, after: $after, filter: $f) {
    edges { cursor node { id status placedAt } } pageInfo { hasNextPage endCursor }
  }
}"""


async def _all_pages(api: Api, first: int, filter: dict[str, Any] | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    after = None
    while True:
        body = await api.gql(PAGE, {"first": first, "after": after, "f": filter}, as_=OPERATOR)
        assert "errors" not in body, body
        conn = body["data"]["orders"]
        pages.append([e["node"]["id"] for e in conn["edges"]])
        if not conn["pageInfo"]["hasNextPage"]:
            assert conn["pageInfo"]["endCursor"] == (
                conn["edges"][-1]["cursor"] if conn["edges"] else None
            )
            return pages
        after = conn["pageInfo"]["endCursor"]


async def test_pages_cover_every_order_once_newest_first(api: Api) -> None:
    ids = []
    for n in range(23):
        # Several orders share a timestamp, so the id must break ties without losing any.
        if n % 3 == 0:
            api.clock.advance(timedelta(minutes=1))
        ids.append((await api.place())["id"])
    pages = await _all_pages(api, 10)
    assert [len(p) for p in pages] == [10, 10, 3]
    flat = [i for p in pages for i in p]
    assert sorted(flat) == sorted(ids)
    assert len(set(flat)) == len(flat)
    assert flat[0] == ids[-1]
    assert flat[-1] == ids[0]


async def test_filters_narrow_the_list(api: Api) -> None:
    first = await api.place()
    api.clock.advance(timedelta(hours=1))
    fba = await api.place(fulfillmentChannel="FBA")
    await api.verify(fba["id"])
    api.clock.advance(timedelta(hours=1))
    other = await api.place(as_=OTHER_BUYER, sellerId=OTHER_SELLER.id)

    async def ids(filter: dict[str, Any]) -> list[str]:
        return [i for p in await _all_pages(api, 100, filter) for i in p]

    assert await ids({"statuses": ["UNSHIPPED"]}) == [fba["id"]]
    assert await ids({"statuses": ["PENDING", "UNSHIPPED"]}) == [
        other["id"],
        fba["id"],
        first["id"],
    ]
    assert await ids({"fulfillmentChannel": "FBA"}) == [fba["id"]]
    assert await ids({"sellerId": SELLER.id}) == [fba["id"], first["id"]]
    assert await ids({"buyerId": OTHER_BUYER.id}) == [other["id"]]
    placed = first["placedAt"]
    assert await ids({"placedFrom": placed, "placedBefore": fba["placedAt"]}) == [first["id"]]
    assert await ids({"placedFrom": fba["placedAt"]}) == [other["id"], fba["id"]]
    assert await ids({"statuses": ["DELIVERED"]}) == []
