"""The seller directory in MongoDB: one document per seller, `_id` its id."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.kernel.errors import ValidationFailed
from domain.kernel.ports import Page, PageWindow
from domain.kernel.shipping import Address
from domain.kernel.shipping_calendar import ShippingCalendar
from domain.sellers.directory import Seller
from domain.sellers.ports import SELLERS_NEWEST_JOINED
from storage.codec import decode_dataclass, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]


# The list's order is the domain's; the field holding its moment is storage's.
NEWEST_JOINED = Keyset("joined_ms", SELLERS_NEWEST_JOINED.descending)


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
        doc["joined_ms"] = epoch_ms(seller.joined_at)
        try:
            async with self._database.outside_transactions():
                await self._sellers.insert_one(doc)
        except DuplicateKeyError as error:
            raise ValidationFailed(f"seller {seller.id} exists already", field="id") from error

    async def update(
        self,
        seller_id: str,
        *,
        ship_from: Address | None = None,
        shipping: ShippingCalendar | None = None,
    ) -> Seller | None:
        given = {"ship_from": ship_from, "shipping": shipping}
        changes = {name: encode(value) for name, value in given.items() if value is not None}
        async with self._database.outside_transactions():
            doc = await self._sellers.find_one_and_update(
                {"_id": seller_id}, {"$set": changes}, return_document=ReturnDocument.AFTER
            )
        return None if doc is None else _seller(doc)

    async def page(self, window: PageWindow) -> Page[Seller]:
        """Newest first, by keyset on (joined_ms, _id)."""
        return await NEWEST_JOINED.page(self._sellers, [], window, _seller)


def _seller(doc: Document) -> Seller:
    return decode_dataclass(Seller, {**doc, "id": doc["_id"]})
