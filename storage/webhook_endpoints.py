"""Webhook endpoints (domain/webhooks/endpoints.py), their secrets sealed (storage/sealing.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.kernel.errors import Conflict
from domain.kernel.ports import Page, PageWindow
from domain.webhooks.endpoints import Secret, WebhookEndpoint
from domain.webhooks.ports import NEWEST_ENDPOINTS
from storage.codec import decode, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset
from storage.sealing import Sealer

Document = dict[str, Any]
NEWEST_CREATED = Keyset("created_ms", NEWEST_ENDPOINTS.descending)
CHANGED_MEANWHILE = "the webhook endpoint changed meanwhile; read it again"


class MongoWebhookEndpoints:
    def __init__(self, database: Database, sealer: Sealer) -> None:
        self._database = database
        self._sealer = sealer
        self._endpoints = database.db["webhook_endpoints"]
        self._messages = database.db["webhook_messages"]
        self._attempts = database.db["webhook_attempts"]

    async def add(self, endpoint: WebhookEndpoint) -> None:
        try:
            async with self._database.outside_transactions():
                await self._endpoints.insert_one(self._document(endpoint))
        except DuplicateKeyError as error:
            raise Conflict(CHANGED_MEANWHILE) from error

    async def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        doc = await self._endpoints.find_one({"_id": endpoint_id})
        return None if doc is None else self._endpoint(doc)

    async def save(self, endpoint: WebhookEndpoint, *, expected_version: int) -> None:
        async with self._database.outside_transactions():
            result = await self._endpoints.replace_one(
                {"_id": endpoint.id, "version": expected_version}, self._document(endpoint)
            )
        if result.matched_count == 0:
            raise Conflict(CHANGED_MEANWHILE)

    async def delete(self, endpoint_id: str) -> None:
        async with self._database.outside_transactions():
            # The endpoint first: a sender that meets its messages meanwhile finds no endpoint.
            await self._endpoints.delete_one({"_id": endpoint_id})
            await self._messages.delete_many({"endpoint_id": endpoint_id})
            await self._attempts.delete_many({"endpoint_id": endpoint_id})
            await self._database.db["webhook_streams"].delete_many({"endpoint_id": endpoint_id})

    async def page(self, shop_id: str | None, window: PageWindow) -> Page[WebhookEndpoint]:
        conditions = [] if shop_id is None else [{"shop_id": shop_id}]
        return await NEWEST_CREATED.page(self._endpoints, conditions, window, self._endpoint)

    async def enabled(self) -> list[WebhookEndpoint]:
        return [self._endpoint(doc) async for doc in self._endpoints.find({"enabled": True})]

    def _document(self, e: WebhookEndpoint) -> Document:
        return {
            "_id": e.id,
            "shop_id": e.shop_id,
            "url": e.url,
            "description": e.description,
            "event_types": list(e.event_types),
            "enabled": e.enabled,
            "disabled_reason": e.disabled_reason,
            # Sealed: the database holds no secret in the clear.
            "secrets": [
                {"sealed": self._sealer.seal(s.value), "expires_at": encode(s.expires_at)}
                for s in e.secrets
            ],
            "created_at": encode(e.created_at),
            "created_ms": epoch_ms(e.created_at),
            "updated_at": encode(e.updated_at),
            "failing_since": encode(e.failing_since),
            "version": e.version,
        }

    def _endpoint(self, doc: Document) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=doc["_id"],
            shop_id=doc.get("shop_id"),
            url=doc["url"],
            description=doc.get("description", ""),
            event_types=tuple(doc["event_types"]),
            enabled=bool(doc["enabled"]),
            disabled_reason=doc.get("disabled_reason"),
            secrets=tuple(
                Secret(
                    self._sealer.open(s["sealed"]),
                    decode(datetime | None, s.get("expires_at")),
                )
                for s in doc["secrets"]
            ),
            created_at=decode(datetime, doc["created_at"]),
            updated_at=decode(datetime, doc["updated_at"]),
            failing_since=decode(datetime | None, doc.get("failing_since")),
            version=doc["version"],
        )

    async def failed(self, endpoint_id: str, at: datetime) -> datetime | None:
        """Note a failed attempt: the endpoint's first failure since its last success, kept."""
        async with self._database.outside_transactions():
            await self._endpoints.update_one(
                {"_id": endpoint_id, "failing_since": None},
                {"$set": {"failing_since": encode(at)}},
            )
        doc = await self._endpoints.find_one({"_id": endpoint_id}, {"failing_since": 1})
        return None if doc is None else decode(datetime | None, doc.get("failing_since"))

    async def succeeded(self, endpoint_id: str) -> None:
        async with self._database.outside_transactions():
            await self._endpoints.update_one(
                {"_id": endpoint_id, "failing_since": {"$ne": None}},
                {"$set": {"failing_since": None}},
            )

    async def disable(self, endpoint_id: str, reason: str, at: datetime) -> bool:
        """Disabled by the sender (410, or failing for days); False if it was already."""
        async with self._database.outside_transactions():
            result = await self._endpoints.update_one(
                {"_id": endpoint_id, "enabled": True},
                {
                    "$set": {
                        "enabled": False,
                        "disabled_reason": reason,
                        "updated_at": encode(at),
                    },
                    "$inc": {"version": 1},
                },
            )
        return result.modified_count == 1
