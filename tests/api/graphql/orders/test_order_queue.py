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
    made = {hiro["id"], goran["id"], ana["id"]}
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
        # Ids made close together begin alike (their first eight characters are the second
        # they were made in): the start finds every one that begins so.
        (bare[:6], {i for i in made if i.startswith(f"ord_{bare[:6]}")}),
        (f"ord_{bare[:8]}", {i for i in made if i.startswith(f"ord_{bare[:8]}")}),
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


SORTED = """query($sort: OrderSort!, $first: Int, $after: String, $last: Int, $before: String) {
  orders(orderBy: $sort, first: $first, after: $after, last: $last, before: $before) {
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _sorted(api: Api, sort: str, *, backward: bool = False) -> list[str]:
    """Every order in `sort` order, read two at a time from the start or from the end."""
    seen: list[str] = []
    cursor = None
    while True:
        if backward:
            variables = {"sort": sort, "last": 2, "before": cursor}
        else:
            variables = {"sort": sort, "first": 2, "after": cursor}
        body = await api.gql(SORTED, variables, as_=SELLER)
        assert "errors" not in body, body
        page = body["data"]["orders"]
        ids = [o["id"] for o in page["nodes"]]
        info = page["pageInfo"]
        if backward:
            seen = ids + seen
            if not info["hasPreviousPage"]:
                return seen
            cursor = info["startCursor"]
        else:
            seen += ids
            if not info["hasNextPage"]:
                return seen
            cursor = info["endCursor"]


async def test_the_queue_sorts_by_every_column_either_way_and_pages_both_ways(api: Api) -> None:
    # name, city, country, speed, mugs (the total), status; folded keys written by hand.
    rows = [
        ("Zoë Adams", "Reno", "US", "STANDARD", 3, "PENDING"),
        ("anna Berg", "Évry", "FR", "SAME_DAY", 5, "UNSHIPPED"),
        ("Émile Chen", "austin", "US", "ONE_DAY", 1, "SHIPPED"),
        ("Bob Diaz", "Zurich", "CH", "EXPEDITED", 4, "DELIVERED"),
        ("Carla Ek", "Boston", "US", "STANDARD", 2, "CANCELED"),
    ]
    made = []
    for name, city, country, speed, mugs, status in rows:
        to = {**ADDRESS, "name": name, "city": city, "countryCode": country}
        items = [{"sku": "MUG-01", "title": "Mug", "quantity": mugs,
                  "unitPrice": {"amount": 1299, "currency": "USD"}}]  # fmt: skip
        order = await api.order_in(status, shippingAddress=to, shippingSpeed=speed, items=items)
        made.append(order["id"])
        api.clock.advance(timedelta(minutes=1))
    a, b, c, d, e = made
    by_id = sorted(made)
    expected = {
        "OLDEST_PLACED": [a, b, c, d, e],
        "NEWEST_PLACED": [e, d, c, b, a],
        "ORDER_ID_A_TO_Z": by_id,
        "ORDER_ID_Z_TO_A": by_id[::-1],
        "BUYER_A_TO_Z": [b, d, e, c, a],  # anna, bob, carla, emile, zoe
        "BUYER_Z_TO_A": [a, c, e, d, b],
        "SHIP_TO_A_TO_Z": [c, e, b, a, d],  # austin, boston, evry, reno, zurich
        "SHIP_TO_Z_TO_A": [d, a, b, e, c],
        "HIGHEST_TOTAL": [b, d, a, e, c],
        "LOWEST_TOTAL": [c, e, a, d, b],
        "STATUS_FIRST_STEP": [a, b, c, d, e],
        "STATUS_LAST_STEP": [e, d, c, b, a],
        # Two STANDARD orders: the tie is broken by id, the same way as the sort.
        "FASTEST_SPEED": [b, c, d, *sorted([a, e], reverse=True)],
        "SLOWEST_SPEED": [*sorted([a, e]), d, c, b],
    }
    for sort, ids in expected.items():
        assert await _sorted(api, sort) == ids, sort
        assert await _sorted(api, sort, backward=True) == ids, sort


async def test_a_cursor_read_in_a_list_by_name_is_refused_in_a_list_by_moment(api: Api) -> None:
    for _ in range(3):
        await api.order_in("UNSHIPPED")
    body = await api.gql(SORTED, {"sort": "BUYER_A_TO_Z", "first": 1}, as_=SELLER)
    cursor = body["data"]["orders"]["pageInfo"]["endCursor"]
    for sort in ("NEWEST_PLACED", "HIGHEST_TOTAL"):
        body = await api.gql(SORTED, {"sort": sort, "first": 1, "after": cursor}, as_=SELLER)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    # In a list by name it reads on.
    body = await api.gql(
        SORTED, {"sort": "SHIP_TO_A_TO_Z", "first": 5, "after": cursor}, as_=SELLER
    )
    assert "errors" not in body
