"""Shared by the notification tests: the people, their addresses and an order's journey."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outbound.notifier import Notifier
from tests.api.client import Api
from tests.receivers import Mailbox, Provider

ANA = "ana@example.com"
ANA_PHONE = "+351912345678"
ANA_PUSH = "https://push.example/devices/ana-phone"
SHOP = "shop@example.com"
PROVIDER_SECRET = "provider-secret-for-hmac-signatures"

PREFERENCES = """
  email phone pushEndpoints timeZone quietHours { start end }
  categories { category channels }
"""
UPDATE = f"""
mutation($input: NotificationPreferencesInput!) {{
  updateNotificationPreferences(input: $input) {{
    preferences {{ {PREFERENCES} }}
    errors {{ code message field }}
  }}
}}"""
HISTORY = """
query($status: NotificationStatus) {
  notifications(first: 100, status: $status) {
    nodes { id category channel status orderId to subject attempts lastError
            createdAt nextAttemptAt sentAt }
    pageInfo { hasNextPage }
  }
}"""


async def walk_to_delivery(api: Api, tracking: str = "1Z999") -> str:
    scans = ["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    order = await api.order_in("DELIVERED", tracking=tracking, scans=scans)
    order_id: str = order["id"]
    return order_id


@dataclass
class World:
    api: Api
    notifier: Notifier
    mail: Mailbox
    sms: Provider
    push: Provider

    async def preferences(self, actor: Any, **change: Any) -> dict[str, Any]:
        body = await self.api.gql(UPDATE, {"input": change}, as_=actor)
        payload: dict[str, Any] = body["data"]["updateNotificationPreferences"]
        return payload

    async def history(self, actor: Any, status: str | None = None) -> list[dict[str, Any]]:
        body = await self.api.gql(HISTORY, {"status": status}, as_=actor)
        assert "errors" not in body, body
        nodes: list[dict[str, Any]] = body["data"]["notifications"]["nodes"]
        return nodes

    async def notify(self) -> None:
        await self.notifier.run_once()

    def sent_sms(self) -> list[str]:
        return self.sms.texts_to(ANA_PHONE)

    def sent_push(self) -> list[str]:
        return self.push.texts_to(ANA_PUSH)
