"""P6: server memory while 100,000 orders are read through `orders` pages.

The pages walk a seller's orders again and again (the same 10 pages of 100), and every request
is a document the server has not seen (another alias), so the parse, validation and cost
memories (512 documents each) are full before halfway and must let go from then on. RSS is
read after start and warm-up, halfway, and at the end: the second half must not grow."""

import asyncio

import httpx

from bench.common import OPERATOR, Row, Sizes, auth, rss_kb
from bench.data import ensure_orders
from bench.server import ORDER_FIELDS
from storage.database import Database

MEMORY_SELLER = "bench-memory-seller"
ORDERS = 1_000  # the seller's orders; pages of 100 walk them in 10 requests
SECOND_HALF_KB = 2_048  # growth in the second half allowed for the allocator's own noise


def page_query(alias: str) -> str:
    return (
        f"query Page($after: String) {{ {alias}: orders(first: 100, after: $after, "
        f'filter: {{sellerId: "{MEMORY_SELLER}"}}) {{ nodes {{ {ORDER_FIELDS} }} '
        "pageInfo { endCursor hasNextPage } } }"
    )


async def p6(http: httpx.AsyncClient, database: Database, server_pid: int, sizes: Sizes) -> Row:
    await ensure_orders(database, MEMORY_SELLER, ORDERS)
    headers = auth(OPERATOR)

    async def page(alias: str, after: str | None) -> dict[str, object]:
        body = (
            await http.post(
                "/graphql",
                json={"query": page_query(alias), "variables": {"after": after}},
                headers=headers,
            )
        ).json()
        assert "errors" not in body, body
        found: dict[str, object] = body["data"][alias]
        return found

    cursors: list[str | None] = [None]
    while True:  # one walk: the cursors of every page, and the warm-up
        info = (await page("page", cursors[-1]))["pageInfo"]
        assert isinstance(info, dict)
        if not info["hasNextPage"]:
            break
        cursors.append(info["endCursor"])
    requests = max(2, sizes.read // sizes.page)
    start = rss_kb(server_pid)
    half = start
    read = 0
    for i in range(requests):
        alias = f"page{i}"
        nodes = (await page(alias, cursors[i % len(cursors)]))["nodes"]
        assert isinstance(nodes, list)
        read += len(nodes)
        if i == requests // 2 - 1:
            await asyncio.sleep(0.5)
            half = rss_kb(server_pid)
    await asyncio.sleep(0.5)
    end = rss_kb(server_pid)
    second_half = end - half
    return Row(
        "P6 memory",
        f"+{end - start:,} KB after {read:,} orders read (+{half - start:,} KB at half, "
        f"{second_half:+,} KB in the second half)",
        f"{start:,} KB RSS after start and warm-up",
        end / start,
        f"second half <= +{SECOND_HALF_KB:,} KB",
        second_half <= SECOND_HALF_KB,
        {"rss_start_kb": start, "rss_half_kb": half, "rss_end_kb": end, "orders_read": read},
    )
