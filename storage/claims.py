"""Claims in MongoDB, written with their order and the seller's ledger in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from domain.after_sale.claims import Claim
from domain.after_sale.ports import ClaimQuery
from domain.kernel.ports import PageCursor
from domain.kernel.vocabulary import ClaimStatus
from storage.codec import decode_dataclass, encode
from storage.database import Database

Document = dict[str, Any]


def claim_document(claim: Claim) -> Document:
    doc: Document = encode(claim)
    doc["_id"] = doc.pop("id")
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
            "filed_at", ASCENDING
        )
        async for doc in cursor:
            found[doc["order_id"]].append(claim_from_document(doc))
        return found

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        cursor = (
            self._claims.find(
                {"status": ClaimStatus.OPEN.value, "filed_at": {"$lte": encode(moment)}}
            )
            .sort("filed_at", ASCENDING)
            .limit(limit)
        )
        return [doc["_id"] async for doc in cursor]

    async def page(
        self, query: ClaimQuery, *, first: int, after: PageCursor | None
    ) -> tuple[list[Claim], bool]:
        conditions: list[Document] = []
        if query.statuses is not None:
            conditions.append({"status": {"$in": sorted(s.value for s in query.statuses)}})
        if query.reason is not None:
            conditions.append({"reason": query.reason.value})
        for field in ("order_id", "buyer_id", "seller_id"):
            if (value := getattr(query, field)) is not None:
                conditions.append({field: value})
        if after is not None:
            at = encode(after.at)
            conditions.append(
                {"$or": [{"filed_at": {"$gt": at}}, {"filed_at": at, "_id": {"$gt": after.id}}]}
            )
        filter_ = {"$and": conditions} if conditions else {}
        cursor = (
            self._claims.find(filter_)
            .sort([("filed_at", ASCENDING), ("_id", ASCENDING)])
            .limit(first + 1)
        )
        found = [claim_from_document(doc) async for doc in cursor]
        return found[:first], len(found) > first
