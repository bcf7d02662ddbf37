"""Lists whose items come milliseconds apart, one of them on a whole second, page one item at a
time, forward (`first/after`) and backward (`last/before`), without repeating or skipping any.
The keysets compare to the millisecond on every server: the embedded one orders a date on a
whole second after later ones in that second."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, SELLER, Api

MS = timedelta(milliseconds=1)


PAGE = "edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"


async def _walk(
    api: Api, field: str, call: str, as_: Actor, *, backward: bool, **variables: Any
) -> list[str]:
    """Every id of the list, one page of one item at a time, in the list's own order."""
    params = "".join(f", ${name}: ID!" for name in variables)
    way = "last: 1, before: $at" if backward else "first: 1, after: $at"
    document = f"query($at: String{params}) {{ {field}: {call.format(way)} {{ {PAGE} }} }}"
    seen: list[str] = []
    at = None
    for _ in range(20):
        body = await api.gql(document, {**variables, "at": at}, as_=as_)
        assert "errors" not in body, body
        page = body["data"][field]
        ids = [e["node"]["id"] for e in page["edges"]]
        seen = ids + seen if backward else seen + ids
        info = page["pageInfo"]
        if not info["hasPreviousPage" if backward else "hasNextPage"]:
            assert page["totalCount"] == len(seen)  # the whole list, whichever page counts it
            return seen
        at = info["startCursor" if backward else "endCursor"]
    raise AssertionError(f"{field} never ended: {seen}")


async def _one_by_one(api: Api, field: str, call: str, as_: Actor, **variables: Any) -> list[str]:
    """The list walked forward, having checked that walking it backward finds the same."""
    forward = await _walk(api, field, call, as_, backward=False, **variables)
    assert await _walk(api, field, call, as_, backward=True, **variables) == forward
    return forward


async def test_orders_placed_milliseconds_apart(api: Api) -> None:
    placed = []
    for _ in range(4):
        placed.append((await api.place())["id"])
        api.clock.advance(MS)
    assert await _one_by_one(api, "orders", "orders({})", OPERATOR) == placed[::-1]


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
    call = "thread(orderId: $o, {})"
    assert await _one_by_one(api, "thread", call, BUYER, o=order["id"]) == sent


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
    listed = await _one_by_one(api, "sellers", "sellers({})", BUYER)
    assert [s for s in listed if s in added] == added[::-1]
    assert len(listed) == len(set(listed))


async def test_pages_neither_repeat_nor_skip_while_orders_are_placed(api: Api) -> None:
    """Backward from the oldest end, orders placed meanwhile come last; forward from the newest,
    they stay before the first page and are not seen. Either way each order comes once."""
    placed = [(await api.place())["id"] for _ in range(3)]
    forward = f"query($at: String) {{ orders(first: 2, after: $at) {{ {PAGE} }} }}"
    backward = f"query($at: String) {{ orders(last: 2, before: $at) {{ {PAGE} }} }}"
    ahead = (await api.gql(forward, {"at": None}, as_=OPERATOR))["data"]["orders"]
    behind = (await api.gql(backward, {"at": None}, as_=OPERATOR))["data"]["orders"]
    api.clock.advance(MS)
    newer = [(await api.place())["id"] for _ in range(2)]
    ahead_rest = await api.gql(forward, {"at": ahead["pageInfo"]["endCursor"]}, as_=OPERATOR)
    behind_rest = await api.gql(backward, {"at": behind["pageInfo"]["startCursor"]}, as_=OPERATOR)
    walked_forward = [
        e["node"]["id"] for e in ahead["edges"] + ahead_rest["data"]["orders"]["edges"]
    ]
    assert walked_forward == placed[::-1]
    assert not ahead_rest["data"]["orders"]["pageInfo"]["hasNextPage"]
    # Backward pages come oldest-end first: [placed[1], placed[0]], then what precedes them.
    assert [e["node"]["id"] for e in behind["edges"]] == placed[1::-1]
    assert behind["pageInfo"] == {
        **behind["pageInfo"],
        "hasPreviousPage": True,
        "hasNextPage": False,
    }
    rest = behind_rest["data"]["orders"]
    assert rest["totalCount"] == 5
    assert [e["node"]["id"] for e in rest["edges"]] == [newer[0], placed[2]]
    assert rest["pageInfo"]["hasPreviousPage"]
    assert rest["pageInfo"]["hasNextPage"]


async def test_paging_arguments_are_checked(api: Api) -> None:
    cases = {
        "orders(first: 2, last: 2)": ("VALIDATION", "last"),
        "orders(last: 101)": ("VALIDATION", "last"),
        "orders(first: 0)": ("VALIDATION", "first"),
        'orders(before: "bm90LWEtY3Vyc29y")': ("BAD_USER_INPUT", "before"),
        'sellers(after: "bm90LWEtY3Vyc29y")': ("BAD_USER_INPUT", "after"),
    }
    for call, (code, field) in cases.items():
        body = await api.gql(f"{{ {call} {{ edges {{ cursor }} }} }}", as_=OPERATOR)
        assert body["errors"][0]["extensions"] == {"code": code, "field": field}, call
        assert body["data"] is None


async def test_an_orders_events_page_both_ways_by_sequence(api: Api) -> None:
    order = await api.order_in("DELIVERED")
    read = (
        "query($id: ID!, $a: String, $b: String, $f: Int, $l: Int) { order(id: $id) { "
        "timeline { id } events(first: $f, after: $a, last: $l, before: $b) { "
        f"{PAGE} }} }} }}"
    )
    whole = (await api.gql(read, {"id": order["id"]}, as_=BUYER))["data"]["order"]
    expected = [e["id"] for e in whole["timeline"]]
    assert whole["events"]["totalCount"] == len(expected) > 4
    forward: list[str] = []
    at = None
    while True:
        page = (await api.gql(read, {"id": order["id"], "f": 2, "a": at}, as_=BUYER))["data"]
        events = page["order"]["events"]
        forward += [e["node"]["id"] for e in events["edges"]]
        if not events["pageInfo"]["hasNextPage"]:
            break
        at = events["pageInfo"]["endCursor"]
    backward: list[str] = []
    at = None
    while True:
        page = (await api.gql(read, {"id": order["id"], "l": 3, "b": at}, as_=BUYER))["data"]
        events = page["order"]["events"]
        backward = [e["node"]["id"] for e in events["edges"]] + backward
        if not events["pageInfo"]["hasPreviousPage"]:
            break
        at = events["pageInfo"]["startCursor"]
    assert forward == backward == expected
