"""Per-request context: the caller, the use cases, DataLoaders and a request id."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from api.graphql.common.pagination import Cursors
from domain.after_sale.claim_use_cases import ClaimUseCases
from domain.after_sale.claims import Claim
from domain.after_sale.conversation_use_cases import ConversationUseCases
from domain.after_sale.return_use_cases import ReturnUseCases
from domain.after_sale.returns import Return
from domain.kernel.errors import NotSignedIn, Unauthenticated
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.ports import IdempotencyStore
from domain.notifications.use_cases import NotificationUseCases
from domain.orders.refund_use_cases import RefundUseCases
from domain.orders.reputation_use_cases import ReputationUseCases
from domain.orders.trackers import TrackerOutbox, TrackerRegistration
from domain.orders.use_cases import OrderUseCases
from domain.seller_tools.use_cases import SellerToolUseCases
from domain.sellers.use_cases import SellerUseCases
from domain.webhooks.messages import WebhookAttempt
from domain.webhooks.use_cases import WebhookUseCases

if TYPE_CHECKING:
    from api.serving.live.fanout import Fanout
    from domain.orders.ports import LiveUpdate


@dataclass
class Context:
    actor: Actor | None
    orders: OrderUseCases
    returns: ReturnUseCases
    conversation: ConversationUseCases
    claims: ClaimUseCases
    notifications: NotificationUseCases
    sellers: SellerUseCases
    seller_tools: SellerToolUseCases
    idempotency: IdempotencyStore
    receipts: IdempotencyStore  # one per carrier scan, shared with the carrier webhook
    trackers: TrackerOutbox  # parcels registered with the tracking provider, read by key
    webhooks: WebhookUseCases
    fanout: Fanout[LiveUpdate]  # live updates shared per distinct selection
    cursors: Cursors  # page cursors, sealed with the deployment's secret
    request_id: str
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None  # a WebSocket's connection_init payload
    actor_expires_at: datetime | None = None  # a socket's token expiry; HTTP checks it per request
    background: set[asyncio.Task[None]] = field(default_factory=set)

    @cached_property
    def reputation(self) -> ReputationUseCases:
        """Seller feedback and chargebacks: order changes through the order use cases."""
        return ReputationUseCases(self.orders)

    @cached_property
    def refunds(self) -> RefundUseCases:
        """Refunds outside returns and claims: order changes through the order use cases."""
        return RefundUseCases(self.orders)

    # DataLoaders batch a page's nested reads; made on first use, as most requests need none.
    @cached_property
    def timeline_loader(self) -> DataLoader[str, list[RecordedEvent]]:
        return DataLoader(load_fn=self._load_timelines)

    @cached_property
    def returns_loader(self) -> DataLoader[str, list[Return]]:
        return DataLoader(load_fn=self._load_returns)

    @cached_property
    def claims_loader(self) -> DataLoader[str, list[Claim]]:
        return DataLoader(load_fn=self._load_claims)

    @cached_property
    def registration_loader(self) -> DataLoader[str, TrackerRegistration | None]:
        return DataLoader(load_fn=self._load_registrations)

    @cached_property
    def webhook_attempts_loader(self) -> DataLoader[str, list[WebhookAttempt]]:
        return DataLoader(load_fn=self._load_webhook_attempts)

    async def _load_webhook_attempts(self, message_ids: list[str]) -> list[list[WebhookAttempt]]:
        found = await self.webhooks.attempts_of(message_ids)
        return [found[message_id] for message_id in message_ids]

    async def _load_registrations(self, keys: list[str]) -> list[TrackerRegistration | None]:
        found = await self.trackers.get_many(keys)
        return [found.get(key) for key in keys]

    async def _load_claims(self, order_ids: list[str]) -> list[list[Claim]]:
        found = await self.claims.claims_of_orders(order_ids)
        return [found[order_id] for order_id in order_ids]

    async def _load_returns(self, order_ids: list[str]) -> list[list[Return]]:
        found = await self.returns.returns_of_orders(order_ids)
        return [found[order_id] for order_id in order_ids]

    async def _load_timelines(self, order_ids: list[str]) -> list[list[RecordedEvent]]:
        found = await self.orders.timelines(order_ids)
        return [found[order_id] for order_id in order_ids]

    def for_update(self) -> Context:
        """A copy for executing one live update: its own DataLoaders, nothing cached before."""
        return replace(self)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("sign in: send 'Authorization: Bearer <token>'")
        if self.token_expired():
            raise Unauthenticated("the token has expired: reconnect with a fresh one")
        return self.actor

    def token_expired(self) -> bool:
        """A socket outlives nothing: its token's expiry, checked on every operation."""
        expires = self.actor_expires_at
        return expires is not None and datetime.now(UTC) >= expires
