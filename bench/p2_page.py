"""P2: a page of 100 orders through GraphQL against the bare endpoint's page; wrk drives both."""

import json

import httpx

from bench.common import OPERATOR, Row, Sizes, auth
from bench.data import PAGE_SELLER
from bench.server import ORDER_FIELDS
from bench.wrk import Target, alternate

TARGET_RATIO = 2.0


async def p2(http: httpx.AsyncClient, sizes: Sizes, weigh: dict[str, int]) -> Row:
    query = f'query {{ orders(first: 100, filter: {{sellerId: "{PAGE_SELLER}"}}) {{ nodes {{ {ORDER_FIELDS} }} }} }}'
    bare_url = f"/bare/orders?seller={PAGE_SELLER}&first=100"
    headers = auth(OPERATOR)
    same = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
    assert same["data"] == (await http.get(bare_url)).json()["data"], "not the same JSON"
    sides = {
        "bare": Target(bare_url),
        "graphql": Target(
            "/graphql",
            "POST",
            json.dumps({"query": query}),
            {"content-type": "application/json", **headers},
        ),
    }
    best = alternate(str(http.base_url).rstrip("/"), sides, sizes.load, weigh)
    g, b = best["graphql"].rps, best["bare"].rps
    ratio = b / g
    return Row(
        "P2 page of 100",
        f"{g:,.1f} req/s",
        f"{b:,.1f} req/s bare",
        ratio,
        f"<= {TARGET_RATIO:g}",
        ratio <= TARGET_RATIO,
        {name: vars(m) for name, m in best.items()},
    )
