"""Signatures of webhook deliveries already accepted, kept long enough to refuse replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from storage.codec import encode
from storage.database import Database


class WebhookReceipts:
    def __init__(self, database: Database) -> None:
        self._receipts = database.db["webhook_receipts"]

    async def first_time(self, signature: str, at: datetime) -> bool:
        """Record a delivery; False when this exact delivery was accepted before."""
        doc: dict[str, Any] = {"_id": signature, "at": encode(at)}
        try:
            await self._receipts.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True
