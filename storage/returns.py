"""Returns in MongoDB, written together with their order in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from domain.after_sale.ports import RETURNS_NEWEST_REQUESTED, ReturnQuery
from domain.after_sale.returns import Return
from domain.kernel import policies
from domain.kernel.ports import Page, PageWindow
from domain.kernel.vocabulary import ReturnStatus
from storage.codec import decode_dataclass, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]


def return_document(ret: Return) -> Document:
    doc: Document = encode(ret)
    doc["_id"] = doc.pop("id")
    doc["requested_ms"] = epoch_ms(ret.requested_at)
    return doc


def return_from_document(doc: Document) -> Return:
    return decode_dataclass(Return, {**doc, "id": doc["_id"]})


# The list's order is the domain's; the field holding its moment is storage's.
NEWEST_REQUESTED = Keyset("requested_ms", RETURNS_NEWEST_REQUESTED.descending)


def _query_conditions(query: ReturnQuery, now: datetime) -> list[Document]:
    conditions: list[Document] = []
    if query.statuses is not None:
        conditions.append({"status": {"$in": sorted(s.value for s in query.statuses)}})
    for field in ("order_id", "buyer_id", "seller_id"):
        if (value := getattr(query, field)) is not None:
            conditions.append({field: value})
    if query.reason is not None:
        conditions.append({"reason": query.reason.value})
    if query.overdue is not None:
        late = {
            "status": ReturnStatus.PENDING_SELLER.value,
            "requested_ms": {"$lte": epoch_ms(now - policies.SELLER_RETURN_RESPONSE)},
        }
        conditions.append(late if query.overdue else {"$nor": [late]})
    return conditions


class MongoReturnRepository:
    def __init__(self, database: Database) -> None:
        self._returns = database.db["returns"]

    async def get(self, return_id: str) -> Return | None:
        doc = await self._returns.find_one({"_id": return_id})
        return None if doc is None else return_from_document(doc)

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]:
        found: dict[str, list[Return]] = {order_id: [] for order_id in order_ids}
        cursor = self._returns.find({"order_id": {"$in": list(order_ids)}}).sort(
            "requested_ms", ASCENDING
        )
        async for doc in cursor:
            found[doc["order_id"]].append(return_from_document(doc))
        return found

    async def page(self, query: ReturnQuery, window: PageWindow, *, now: datetime) -> Page[Return]:
        """Newest first, by keyset on (requested_ms, _id)."""
        return await NEWEST_REQUESTED.page(
            self._returns, _query_conditions(query, now), window, return_from_document
        )
