"""P1: `order(id)` through GraphQL against a bare Starlette endpoint doing the same read."""

import httpx

from bench.common import (
    OPERATOR,
    Row,
    Sizes,
    auth,
    compare,
    get_call,
    gql_call,
)
from bench.data import PAGE_SELLER, order_id
from bench.server import ORDER_FIELDS


async def p1(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    target = order_id(PAGE_SELLER, 7)
    query = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
    graphql = gql_call(http, query, {"id": target}, ("order",))
    same = (
        await http.post(
            "/graphql", json={"query": query, "variables": {"id": target}}, headers=auth(OPERATOR)
        )
    ).json()
    assert same["data"] == (await http.get(f"/bare/order/{target}")).json()["data"], (
        "not the same JSON"
    )
    g, b = await compare(graphql, get_call(http, f"/bare/order/{target}"), sizes)
    ratio = b / g
    return Row(
        "P1 order(id)",
        f"{g:,.0f} req/s",
        f"{b:,.0f} req/s bare",
        ratio,
        "<= 1.25",
        ratio <= 1.25,
        {"graphql_rps": g, "bare_rps": b},
    )
