"""Keyset pages over orders: newest first, every order once, filters that narrow."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from api.graphql.common.pagination import Cursors
from domain.kernel.ports import PageCursor
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


async def test_cursors_cannot_be_read_built_or_altered(api: Api) -> None:
    for _ in range(3):
        await api.place()
    page = "query($after: String) { orders(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    first = (await api.gql(page, {"after": None}, as_=OPERATOR))["data"]["orders"]
    info = first["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]
    # Nothing of the position shows through: no id, no time.
    cursor = info["endCursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert first["edges"][-1]["node"]["id"].encode() not in raw
    second = (await api.gql(page, {"after": cursor}, as_=OPERATOR))["data"]["orders"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert len(second["edges"]) == 1
    # One bit changed, or a cursor sealed with another secret: refused on `after`.
    flipped = bytearray(raw)
    flipped[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
    foreign = Cursors("another-secret-of-at-least-32-bytes!!").encode(
        PageCursor(datetime.now(UTC), first["edges"][0]["node"]["id"])
    )
    for bad in (tampered, foreign):
        refused = await api.gql(page, {"after": bad}, as_=OPERATOR)
        assert refused["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
