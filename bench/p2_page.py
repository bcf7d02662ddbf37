"""P2: a page of 100 orders through GraphQL against the bare endpoint's page."""

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
from bench.data import PAGE_SELLER
from bench.server import ORDER_FIELDS


async def p2(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    query = f'query {{ orders(first: 100, filter: {{sellerId: "{PAGE_SELLER}"}}) {{ nodes {{ {ORDER_FIELDS} }} }} }}'
    graphql = gql_call(http, query, {}, ("orders", "nodes"))
    bare_url = f"/bare/orders?seller={PAGE_SELLER}&first=100"
    same = (await http.post("/graphql", json={"query": query}, headers=auth(OPERATOR))).json()
    assert same["data"] == (await http.get(bare_url)).json()["data"], "not the same JSON"
    g, b = await compare(graphql, get_call(http, bare_url), sizes)
    ratio = b / g
    return Row(
        "P2 page of 100",
        f"{g:,.1f} req/s",
        f"{b:,.1f} req/s bare",
        ratio,
        "<= 2",
        ratio <= 2,
        {"graphql_rps": g, "bare_rps": b},
    )
