"""Order threads in MongoDB: each message written with its note on the order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from domain.after_sale.messaging import Message
from domain.kernel.identity import Role
from domain.kernel.ports import PageCursor
from storage.codec import decode_dataclass, encode
from storage.database import Database

Document = dict[str, Any]


def message_document(message: Message) -> Document:
    doc: Document = encode(message)
    doc["_id"] = doc.pop("id")
    doc["version"] = 1  # messages never change but for their read receipt
    return doc


def message_from_document(doc: Document) -> Message:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "version")}
    return decode_dataclass(Message, {**fields, "id": doc["_id"]})


class MongoMessageRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._messages = database.db["messages"]

    async def get(self, message_id: str) -> Message | None:
        doc = await self._messages.find_one({"_id": message_id})
        return None if doc is None else message_from_document(doc)

    async def thread(
        self, order_id: str, *, first: int, after: PageCursor | None
    ) -> tuple[list[Message], bool]:
        query: Document = {"order_id": order_id}
        if after is not None:
            at = encode(after.at)
            query["$or"] = [{"sent_at": {"$gt": at}}, {"sent_at": at, "_id": {"$gt": after.id}}]
        cursor = (
            self._messages.find(query)
            .sort([("sent_at", ASCENDING), ("_id", ASCENDING)])
            .limit(first + 1)
        )
        found = [message_from_document(doc) async for doc in cursor]
        return found[:first], len(found) > first

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        async with self._database.outside_transactions():
            result = await self._messages.update_many(
                {"order_id": order_id, "sender_role": {"$ne": reader.value}, "read_at": None},
                {"$set": {"read_at": encode(now)}},
            )
        return result.modified_count
