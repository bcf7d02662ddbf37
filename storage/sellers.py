"""The seller directory in MongoDB: one document per seller, `_id` its id."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.kernel.errors import ValidationFailed
from domain.kernel.ports import PageCursor
from domain.kernel.shipping import Address
from domain.sellers.directory import Seller
from storage.codec import decode_dataclass, encode
from storage.database import Database

Document = dict[str, Any]


class MongoSellerDirectory:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._sellers = database.db["sellers"]

    async def get(self, seller_id: str) -> Seller | None:
        doc = await self._sellers.find_one({"_id": seller_id})
        return None if doc is None else _seller(doc)

    async def add(self, seller: Seller) -> None:
        doc: Document = encode(seller)
        doc["_id"] = doc.pop("id")
        try:
            async with self._database.outside_transactions():
                await self._sellers.insert_one(doc)
        except DuplicateKeyError as error:
            raise ValidationFailed(f"seller {seller.id} exists already", field="id") from error

    async def set_ship_from(self, seller_id: str, address: Address) -> Seller | None:
        async with self._database.outside_transactions():
            doc = await self._sellers.find_one_and_update(
                {"_id": seller_id},
                {"$set": {"ship_from": encode(address)}},
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else _seller(doc)

    async def page(self, *, first: int, after: PageCursor | None) -> tuple[list[Seller], bool]:
        query: Document = {}
        if after is not None:
            at = encode(after.at)
            query = {
                "$or": [{"joined_at": {"$lt": at}}, {"joined_at": at, "_id": {"$lt": after.id}}]
            }
        cursor = (
            self._sellers.find(query)
            .sort([("joined_at", DESCENDING), ("_id", DESCENDING)])
            .limit(first + 1)
        )
        found = [_seller(doc) async for doc in cursor]
        return found[:first], len(found) > first


def _seller(doc: Document) -> Seller:
    return decode_dataclass(Seller, {**doc, "id": doc["_id"]})
