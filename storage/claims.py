"""Claims in MongoDB, written with their order and the seller's ledger in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from domain.after_sale.claims import Claim
from domain.after_sale.ports import CLAIMS_OLDEST_FILED, ClaimQuery
from domain.kernel.ports import Page, PageWindow
from domain.kernel.vocabulary import ClaimStatus
from storage.codec import decode_dataclass, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]


# The list's order is the domain's; the field holding its moment is storage's.
OLDEST_FILED = Keyset("filed_ms", CLAIMS_OLDEST_FILED.descending)


def claim_document(claim: Claim) -> Document:
    doc: Document = encode(claim)
    doc["_id"] = doc.pop("id")
    doc["filed_ms"] = epoch_ms(claim.filed_at)
    return doc


def claim_from_document(doc: Document) -> Claim:
    return decode_dataclass(Claim, {**doc, "id": doc["_id"]})


class MongoClaimRepository:
    def __init__(self, database: Database) -> None:
        self._claims = database.db["claims"]

    async def get(self, claim_id: str) -> Claim | None:
        doc = await self._claims.find_one({"_id": claim_id})
        return None if doc is None else claim_from_document(doc)

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]:
        found: dict[str, list[Claim]] = {order_id: [] for order_id in order_ids}
        cursor = self._claims.find({"order_id": {"$in": list(order_ids)}}).sort(
            "filed_ms", ASCENDING
        )
        async for doc in cursor:
            found[doc["order_id"]].append(claim_from_document(doc))
        return found

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        cursor = (
            self._claims.find(
                {"status": ClaimStatus.OPEN.value, "filed_ms": {"$lte": epoch_ms(moment)}}
            )
            .sort("filed_ms", ASCENDING)
            .limit(limit)
        )
        return [doc["_id"] async for doc in cursor]

    async def page(self, query: ClaimQuery, window: PageWindow) -> Page[Claim]:
        """Oldest first, by keyset on (filed_ms, _id)."""
        conditions: list[Document] = []
        if query.statuses is not None:
            conditions.append({"status": {"$in": sorted(s.value for s in query.statuses)}})
        if query.reason is not None:
            conditions.append({"reason": query.reason.value})
        for field in ("order_id", "buyer_id", "seller_id"):
            if (value := getattr(query, field)) is not None:
                conditions.append({field: value})
        return await OLDEST_FILED.page(self._claims, conditions, window, claim_from_document)
