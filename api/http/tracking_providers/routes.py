"""The aggregators' webhook routes: `POST /webhooks/<provider>`, one per provider."""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Route

from api.http.tracking_providers.aftership import AfterShip
from api.http.tracking_providers.easypost import EasyPost
from api.http.tracking_providers.receiver import ProviderMetrics, provider_webhook
from api.http.tracking_providers.shippo import Shippo
from api.settings import Settings
from domain.kernel.ports import IdempotencyStore
from domain.orders.use_cases import OrderUseCases


def provider_routes(
    settings: Settings,
    orders: Callable[[], OrderUseCases],
    receipts: Callable[[], IdempotencyStore],
    metrics: ProviderMetrics,
) -> list[Route]:
    providers = (
        (AfterShip(), settings.aftership_webhook_secrets),
        (EasyPost(), settings.easypost_webhook_secrets),
        (Shippo(), settings.shippo_webhook_secrets),
    )
    return [
        Route(
            f"/webhooks/{provider.name}",
            provider_webhook(provider, secrets, orders, receipts, metrics),
            methods=["POST"],
        )
        for provider, secrets in providers
    ]
