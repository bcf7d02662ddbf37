"""Order threads in MongoDB: each message written with its note on the order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.after_sale.messaging import Message
from domain.after_sale.ports import MESSAGES_OLDEST_SENT
from domain.kernel.identity import Role
from domain.kernel.ports import Page, PageWindow
from storage.codec import decode_dataclass, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]


# The list's order is the domain's; the field holding its moment is storage's.
OLDEST_SENT = Keyset("sent_ms", MESSAGES_OLDEST_SENT.descending)


def message_document(message: Message) -> Document:
    doc: Document = encode(message)
    doc["_id"] = doc.pop("id")
    doc["sent_ms"] = epoch_ms(message.sent_at)
    doc["version"] = 1  # messages never change but for their read receipt
    return doc


def message_from_document(doc: Document) -> Message:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "version", "sent_ms")}
    return decode_dataclass(Message, {**fields, "id": doc["_id"]})


class MongoMessageRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._messages = database.db["messages"]

    async def get(self, message_id: str) -> Message | None:
        doc = await self._messages.find_one({"_id": message_id})
        return None if doc is None else message_from_document(doc)

    async def thread(self, order_id: str, window: PageWindow) -> Page[Message]:
        """Oldest first, by keyset on (sent_ms, _id)."""
        return await OLDEST_SENT.page(
            self._messages, [{"order_id": order_id}], window, message_from_document
        )

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        async with self._database.outside_transactions():
            result = await self._messages.update_many(
                {"order_id": order_id, "sender_role": {"$ne": reader.value}, "read_at": None},
                {"$set": {"read_at": encode(now)}},
            )
        return result.modified_count
