"""Plans live as long as their document: the guard keeps 512 documents, and the plans the
server holds do not grow with the number of distinct documents it has run."""

from __future__ import annotations

import gc

from api.serving import plans, root_plans
from api.serving.memory import DOCUMENTS_KEPT
from tests.api.client import OPERATOR, Api


async def test_plans_go_with_the_documents_the_guard_lets_go(api: Api) -> None:
    order = await api.place()

    async def read(n: int) -> None:  # each another document (another alias)
        answer = await api.post(
            f"query Read($id: ID!) {{ o{n}: order(id: $id) {{ id status }} }}",
            {"id": order["id"]},
            as_=OPERATOR,
        )
        assert answer.json()["data"][f"o{n}"]["id"] == order["id"]

    for n in range(DOCUMENTS_KEPT):
        await read(n)
    gc.collect()
    held, roots = len(plans._plans), len(root_plans._kept)
    assert held >= DOCUMENTS_KEPT // 2  # they were planned
    for n in range(DOCUMENTS_KEPT, 2 * DOCUMENTS_KEPT):
        await read(n)
    gc.collect()
    # As many as before: the second 512 documents' plans took the first ones' place.
    assert len(plans._plans) <= held + 8
    assert len(root_plans._kept) <= roots + 8
