"""Shared by the notification tests: the people, their addresses and an order's journey."""

from __future__ import annotations

from tests.api.client import Api

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
