"""The seller's order queue through `orders`: soonest ship-by first, narrowed by speed,
ship-by range and a one-word search, paged both ways without repeats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.client import ADDRESS, OTHER_SELLER, SELLER, Api

QUEUE = """query($filter: OrderFilter, $sort: OrderSort!, $first: Int, $after: String) {
  orders(filter: $filter, orderBy: $sort, first: $first, after: $after) {
    nodes { id shipBy shippingSpeed }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""


async def _queue(api: Api, sort: str = "SOONEST_SHIP_BY", **filter: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"filter": filter, "sort": sort, "first": 3, "after": after}
        body = await api.gql(QUEUE, variables, as_=SELLER)
        assert "errors" not in body, body
        page = body["data"]["orders"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(seen)
            return seen
        after = page["pageInfo"]["endCursor"]


async def test_the_queue_is_soonest_ship_by_first_and_unpaid_orders_last(api: Api) -> None:
    standard = await api.order_in("UNSHIPPED")  # ships within 2 days
    api.clock.advance(timedelta(minutes=1))
    same_day = await api.order_in("UNSHIPPED", shippingSpeed="SAME_DAY")  # within 4 hours
    one_day = await api.order_in("UNSHIPPED", shippingSpeed="ONE_DAY")  # within 12 hours
    unpaid = await api.place()
    await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)  # another shop's: never listed
    queue = await _queue(api)
    assert [o["id"] for o in queue] == [same_day["id"], one_day["id"], standard["id"], unpaid["id"]]
    assert queue[-1]["shipBy"] is None
    newest = await _queue(api, sort="NEWEST_PLACED")
    assert [o["id"] for o in newest] == [
        unpaid["id"],
        one_day["id"],
        same_day["id"],
        standard["id"],
    ]

    soon = (api.clock() + timedelta(hours=6)).isoformat()
    urgent = await _queue(api, shipByBefore=soon)
    assert [o["id"] for o in urgent] == [same_day["id"]]
    later = await _queue(api, shipByFrom=soon, statuses=["UNSHIPPED"])
    assert [o["id"] for o in later] == [one_day["id"], standard["id"]]
    fast = await _queue(api, shippingSpeeds=["SAME_DAY", "ONE_DAY"])
    assert {o["shippingSpeed"] for o in fast} == {"SAME_DAY", "ONE_DAY"}


async def test_a_one_word_search_finds_an_order_by_id_sku_tracking_or_name(api: Api) -> None:
    shipped = await api.order_in("SHIPPED", tracking="1ZFINDME")
    other = await api.order_in("UNSHIPPED")
    for word, expected in (
        ("1zfindme", {shipped["id"]}),
        (shipped["id"].upper(), {shipped["id"]}),
        ("lamp-7", {shipped["id"], other["id"]}),
        ("LIMA", {shipped["id"], other["id"]}),  # the name it ships to: "Ana Lima"
        ("nothing-like-it", set()),
    ):
        found = await _queue(api, sort="NEWEST_PLACED", search=word)
        assert {o["id"] for o in found} == expected, word


async def test_a_search_takes_several_words_their_beginnings_and_no_accents(api: Api) -> None:
    """The review's cases: "Hiro Tanaka" (two words), "goran" for "Göran", a city, the start of
    an order id or its last eight characters, as a seller types them."""
    hiro = await api.order_in(
        "UNSHIPPED", shippingAddress={**ADDRESS, "name": "Hiro Tanaka", "city": "Ōsaka"}
    )
    goran = await api.order_in("UNSHIPPED", shippingAddress={**ADDRESS, "name": "Göran Lind"})
    ana = await api.order_in("UNSHIPPED")  # Ana Lima, Lisbon
    bare = hiro["id"].removeprefix("ord_")
    for words, expected in (
        ("Hiro Tanaka", {hiro["id"]}),
        ("tanaka hiro", {hiro["id"]}),
        ("hiro lima", set()),  # every word must match
        ("goran", {goran["id"]}),
        ("GÖRAN lind", {goran["id"]}),
        ("osaka", {hiro["id"]}),  # the city, accents aside
        ("lis", {goran["id"], ana["id"]}),  # the beginning of a word: Lisbon
        ("ta", {hiro["id"]}),
        ("t", set()),  # one letter is too little to go on
        # Ids made in one second in one process begin alike: the start finds them all.
        (bare[:6], {hiro["id"], goran["id"], ana["id"]}),
        (f"ord_{bare[:8]}", {hiro["id"], goran["id"], ana["id"]}),
        (hiro["id"], {hiro["id"]}),
        (bare[-8:].upper(), {hiro["id"]}),
        (bare[2:10], set()),  # the middle of an id is not a beginning or an end
    ):
        found = await _queue(api, sort="NEWEST_PLACED", search=words)
        assert {o["id"] for o in found} == expected, words
    body = await api.gql(
        QUEUE,
        {"filter": {"search": "a b c d e f"}, "sort": "NEWEST_PLACED", "first": 3, "after": None},
        as_=SELLER,
    )
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "search"}


async def test_pages_of_the_queue_never_repeat_or_skip(api: Api) -> None:
    placed = []
    for n in range(10):
        placed.append((await api.order_in("UNSHIPPED"))["id"])
        api.clock.advance(timedelta(milliseconds=n))  # some a millisecond apart, some not
    queue = [o["id"] for o in await _queue(api)]
    assert sorted(queue) == sorted(placed)
    assert len(set(queue)) == len(queue)
