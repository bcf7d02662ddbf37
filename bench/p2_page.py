"""P2: a page of 100 orders through GraphQL against the bare endpoint's page, and the peer
(bench/peer.py) sent the same POST; wrk drives all three, each request paging another of 100
shops (only the document text repeats)."""

import json

import httpx

from bench.common import OPERATOR, Row, Sizes, auth
from bench.data import page_seller
from bench.p1_read import same_json
from bench.server import ORDER_FIELDS
from bench.wrk import Target, alternate

TARGET_RATIO = 1.2  # the target (#46)


EXPECT = '"nodes":[{'  # a page with orders in it


def shops(sizes: Sizes) -> int:
    """How many shops of 100 orders P2 pages through: 100 (10,000 orders) at full size."""
    return max(1, min(100, sizes.reads // 100))


async def p2(http: httpx.AsyncClient, sizes: Sizes, weigh: dict[str, int]) -> Row:
    query = f"query Page($seller: ID!) {{ orders(first: 100, filter: {{sellerId: $seller}}) {{ nodes {{ {ORDER_FIELDS} }} }} }}"
    headers = auth(OPERATOR)
    cycle = shops(sizes)
    shop = page_seller(cycle - 1)
    same = await http.post(
        "/graphql", json={"query": query, "variables": {"seller": shop}}, headers=headers
    )
    bare = await http.get(f"/bare/orders?seller={shop}&first=100")
    same_json(same, bare, "bare")
    peer = await http.post("/peer/graphql", json={"query": query, "variables": {"seller": shop}})
    same_json(same, peer, "peer")
    assert len(bare.json()["data"]["orders"]["nodes"]) == 100
    numbered = page_seller(0)[:-9] + "@N@"
    sides = {
        "bare": Target(
            f"/bare/orders?seller={numbered}&first=100", expect=EXPECT, first=0, cycle=cycle
        ),
        "graphql": Target(
            "/graphql",
            "POST",
            json.dumps({"query": query, "variables": {"seller": numbered}}),
            {"content-type": "application/json", **headers},
            expect=EXPECT,
            first=0,
            cycle=cycle,
        ),
        "peer": Target(
            "/peer/graphql",
            "POST",
            json.dumps({"query": query, "variables": {"seller": numbered}}),
            {"content-type": "application/json"},
            expect=EXPECT,
            first=0,
            cycle=cycle,
        ),
    }
    best = alternate(str(http.base_url).rstrip("/"), sides, sizes.load, weigh)
    g, b, p = best["graphql"].rps, best["bare"].rps, best["peer"].rps
    ratio = b / g
    return Row(
        "P2 page of 100",
        f"{g:,.1f} req/s",
        f"{b:,.1f} req/s bare; peer {p:,.1f} req/s (orderwire {g / p:.2f}x it)",
        ratio,
        f"<= {TARGET_RATIO:g}",
        ratio <= TARGET_RATIO,
        {name: vars(m) for name, m in best.items()},
    )
