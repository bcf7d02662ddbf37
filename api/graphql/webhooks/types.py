"""Webhook endpoints, their messages and each message's attempts, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import MessageState
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from domain.webhooks.endpoints import WebhookEndpoint
from domain.webhooks.messages import WebhookAttempt, WebhookMessage
from domain.webhooks.ports import NEWEST_MESSAGES


@strawberry.type(name="WebhookAttempt", description="One attempt to deliver a message.")
class WebhookAttemptType:
    at: datetime = strawberry.field(description="When it was sent.")
    status_code: int | None = strawberry.field(
        description="The endpoint's HTTP status; null when there was no answer (see `error`)."
    )
    latency_ms: int = strawberry.field(description="From sending to the end of the answer.")
    response: str = strawberry.field(description="The answer's body, its first 1,000 characters.")
    error: str | None = strawberry.field(
        description="Why it did not go through without an answer (a refused address, a "
        "timeout, a refused connection), or that a redirect was not followed."
    )

    @classmethod
    def from_domain(cls, a: WebhookAttempt) -> WebhookAttemptType:
        return cls(
            at=a.at,
            status_code=a.status,
            latency_ms=a.latency_ms,
            response=a.response,
            error=a.error,
        )


@strawberry.type(
    name="WebhookMessage",
    description="One order event for one endpoint, sent until the endpoint takes it.",
)
class WebhookMessageType:
    id: strawberry.ID = strawberry.field(
        description="The `webhook-id` header: the same on every attempt, resend and replay."
    )
    event_type: str = strawberry.field(description="The event's type, e.g. SHIPMENT_CONFIRMED.")
    order_id: strawberry.ID = strawberry.field(description="The order the event is of.")
    sequence: int = strawberry.field(description="The event's place in its order's story.")
    state: MessageState = strawberry.field(description="Where its delivery stands.")
    attempt_count: int = strawberry.field(description="Attempts since it was last (re)sent.")
    created_at: datetime = strawberry.field(description="When its event was recorded.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next, while PENDING."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the endpoint answered 2xx; null until it has."
    )
    last_status_code: int | None = strawberry.field(description="The last answer's HTTP status.")

    @strawberry.field(description="Its attempts, newest first (the last 50).")
    async def attempts(self, info: Info[Context, None]) -> list[WebhookAttemptType]:
        found = await info.context.webhook_attempts_loader.load(str(self.id))
        return [WebhookAttemptType.from_domain(a) for a in found]

    @classmethod
    def from_domain(cls, m: WebhookMessage) -> WebhookMessageType:
        return cls(
            id=strawberry.ID(m.id),
            event_type=m.event_type,
            order_id=strawberry.ID(m.order_id),
            sequence=m.sequence,
            state=m.state,
            attempt_count=m.attempts,
            created_at=m.created_at,
            next_attempt_at=m.next_attempt_at,
            delivered_at=m.delivered_at,
            last_status_code=m.last_status,
        )


@strawberry.type(
    name="WebhookEndpoint",
    description="Where a shop's (or the marketplace's) other systems hear of order events: "
    "signed POSTs per the Standard Webhooks spec.",
)
class WebhookEndpointType:
    id: strawberry.ID = strawberry.field(description="The endpoint's id (`whe_…`).")
    url: str = strawberry.field(description="Where its messages are POSTed.")
    description: str = strawberry.field(description="What it is for, in its owner's words.")
    event_types: list[str] = strawberry.field(
        description="The event types it hears: names from `webhookEventTypes`, `*`, or a "
        "prefix with `*` (`PAYMENT_*`)."
    )
    shop_id: strawberry.ID | None = strawberry.field(
        description="The seller whose orders it hears; null: the marketplace's, every order."
    )
    enabled: bool = strawberry.field(description="Whether messages are sent to it now.")
    disabled_reason: str | None = strawberry.field(
        description="Why it is disabled: by its owner, a 410 answer, or five days of failures."
    )
    failing_since: datetime | None = strawberry.field(
        description="The first failed attempt since the last delivery; null while it delivers."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _endpoint: strawberry.Private[WebhookEndpoint]

    @strawberry.field(description="Its messages, newest first.")
    async def messages(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        state: Annotated[
            MessageState | None, strawberry.argument(description="Only messages in this state.")
        ] = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookMessageType]:
        ctx = info.context
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.webhooks.messages(self._endpoint, state, window)
        return connection(
            page,
            window,
            position=NEWEST_MESSAGES.position,
            node=WebhookMessageType.from_domain,
            cursors=ctx.cursors,
        )

    @classmethod
    def from_domain(cls, e: WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            id=strawberry.ID(e.id),
            url=e.url,
            description=e.description,
            event_types=list(e.event_types),
            shop_id=None if e.shop_id is None else strawberry.ID(e.shop_id),
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            failing_since=e.failing_since,
            created_at=e.created_at,
            updated_at=e.updated_at,
            _endpoint=e,
        )
