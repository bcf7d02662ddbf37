"""Webhook endpoints through GraphQL: an operator manages the marketplace's and any shop's, a
seller its own shop's; what was sent is read, resent and replayed here too."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.errors import UserError
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.payloads import attempt
from api.graphql.webhooks.types import WebhookEndpointType, WebhookMessageType
from domain.kernel.errors import NotFound
from domain.webhooks.endpoints import WebhookEndpoint
from domain.webhooks.messages import WebhookMessage
from domain.webhooks.ports import NEWEST_ENDPOINTS

REFUSED = "Why it was refused; empty when it was done."
ENDPOINT_ID = strawberry.argument(description="The endpoint (`whe_…`).")


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where messages are POSTed: https only (plain http and private addresses "
        "only on a server with ORDERWIRE_WEBHOOKS_ALLOW_PRIVATE)."
    )
    event_types: list[str] = strawberry.field(
        description="Names from `webhookEventTypes`, `*` for all, or a prefix with `*`."
    )
    description: str | None = strawberry.field(
        default=None, description="What it is for: up to 500 characters."
    )
    shop_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Operators: the seller whose orders it hears; leave out for every order. "
        "Sellers: leave out (it is your shop).",
    )


@strawberry.input(description="Only the fields you send change.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint (`whe_…`).")
    url: str | None = strawberry.field(
        default=None, description="A new URL, checked as at creation."
    )
    event_types: list[str] | None = strawberry.field(
        default=None, description="The event types it hears from now on."
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="false stops sending (messages wait); true sends again, what waited first.",
    )


@strawberry.input(description="An endpoint, and from when on to send its events again.")
class ReplayWebhookEventsInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint (`whe_…`).")
    since: datetime = strawberry.field(
        description="Every event the endpoint hears recorded since then is sent again (at "
        "most 10,000; replay again from the last one's time for more)."
    )


@strawberry.type(description="The new endpoint and its signing secret, or why it was refused.")
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpointType | None = strawberry.field(
        description="The endpoint; null if it was refused."
    )
    secret: str | None = strawberry.field(
        description="`whsec_…`: verify messages with it. Shown this once; rotate for a new one."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


@strawberry.type(description="The endpoint as changed, or why it was refused.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpointType | None = strawberry.field(
        description="The endpoint as it is now; null if the change was refused."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


@strawberry.type(description="The endpoint's new secret, or why it was refused.")
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpointType | None = strawberry.field(
        description="The endpoint; null if it was refused."
    )
    secret: str | None = strawberry.field(
        description="The new `whsec_…`, shown this once. The old one signs beside it (two "
        "signatures in `webhook-signature`) for 24 hours."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


@strawberry.type(description="The deleted endpoint's id, or why it was refused.")
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        description="The id of the endpoint deleted; null if it was refused."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


@strawberry.type(description="The message, due at once, or why it was refused.")
class ResendWebhookMessagePayload:
    message: WebhookMessageType | None = strawberry.field(
        description="The message, PENDING and due at once; null if it was refused."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


@strawberry.type(description="How many events are sent again, or why it was refused.")
class ReplayWebhookEventsPayload:
    count: int | None = strawberry.field(
        description="How many events are sent again; null if it was refused."
    )
    errors: list[UserError] = strawberry.field(description=REFUSED)


def _endpoint(found: WebhookEndpoint | None) -> WebhookEndpointType | None:
    return None if found is None else WebhookEndpointType.from_domain(found)


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Seller or operator: the webhook endpoints you manage, newest first."
    )
    async def webhook_endpoints(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookEndpointType]:
        ctx = info.context
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.webhooks.page(ctx.require_actor(), window)
        return connection(
            page,
            window,
            position=NEWEST_ENDPOINTS.position,
            node=WebhookEndpointType.from_domain,
            cursors=ctx.cursors,
        )

    @strawberry.field(
        description="Seller or operator: one endpoint you manage; null for any other id."
    )
    async def webhook_endpoint(
        self, info: Info[Context, None], id: Annotated[strawberry.ID, ENDPOINT_ID]
    ) -> WebhookEndpointType | None:
        ctx = info.context
        actor = ctx.require_actor()
        try:
            return WebhookEndpointType.from_domain(await ctx.webhooks.get(actor, str(id)))
        except NotFound:
            return None

    @strawberry.field(description="Every event type an endpoint may hear.")
    def webhook_event_types(self, info: Info[Context, None]) -> list[str]:
        return info.context.webhooks.event_types()


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Seller or operator: register an endpoint; its secret is in the answer, once."
    )
    async def create_webhook_endpoint(
        self,
        info: Info[Context, None],
        input: Annotated[
            CreateWebhookEndpointInput, strawberry.argument(description="The endpoint to register.")
        ],
    ) -> CreateWebhookEndpointPayload:
        uc = info.context.webhooks

        def answer(
            made: tuple[WebhookEndpoint, str] | None, errors: list[UserError]
        ) -> CreateWebhookEndpointPayload:
            endpoint, secret = made or (None, None)
            return CreateWebhookEndpointPayload(
                endpoint=_endpoint(endpoint), secret=secret, errors=errors
            )

        return await attempt(
            info,
            "createWebhookEndpoint",
            lambda a: uc.create(
                a,
                url=input.url,
                event_types=input.event_types,
                description=input.description,
                shop_id=None if input.shop_id is None else str(input.shop_id),
            ),
            answer,
        )

    @strawberry.mutation(
        description="Seller or operator: change an endpoint's URL, event types, description, "
        "or turn it off and on."
    )
    async def update_webhook_endpoint(
        self,
        info: Info[Context, None],
        input: Annotated[
            UpdateWebhookEndpointInput, strawberry.argument(description="What changes.")
        ],
    ) -> WebhookEndpointPayload:
        uc = info.context.webhooks
        return await attempt(
            info,
            "updateWebhookEndpoint",
            lambda a: uc.update(
                a,
                str(input.id),
                url=input.url,
                event_types=input.event_types,
                description=input.description,
                enabled=input.enabled,
            ),
            lambda found, errors: WebhookEndpointPayload(endpoint=_endpoint(found), errors=errors),
        )

    @strawberry.mutation(description="Seller or operator: delete an endpoint and its messages.")
    async def delete_webhook_endpoint(
        self, info: Info[Context, None], id: Annotated[strawberry.ID, ENDPOINT_ID]
    ) -> DeleteWebhookEndpointPayload:
        uc = info.context.webhooks
        return await attempt(
            info,
            "deleteWebhookEndpoint",
            lambda a: uc.delete(a, str(id)),
            lambda gone, errors: DeleteWebhookEndpointPayload(
                deleted_id=None if gone is None else strawberry.ID(gone), errors=errors
            ),
        )

    @strawberry.mutation(
        description="Seller or operator: a new signing secret; the old one keeps signing beside "
        "it for 24 hours."
    )
    async def rotate_webhook_secret(
        self, info: Info[Context, None], id: Annotated[strawberry.ID, ENDPOINT_ID]
    ) -> RotateWebhookSecretPayload:
        uc = info.context.webhooks

        def answer(
            made: tuple[WebhookEndpoint, str] | None, errors: list[UserError]
        ) -> RotateWebhookSecretPayload:
            endpoint, secret = made or (None, None)
            return RotateWebhookSecretPayload(
                endpoint=_endpoint(endpoint), secret=secret, errors=errors
            )

        return await attempt(
            info, "rotateWebhookSecret", lambda a: uc.rotate_secret(a, str(id)), answer
        )

    @strawberry.mutation(
        description="Seller or operator: send one message again, at once, with its webhook-id."
    )
    async def resend_webhook_message(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The message (`msg_…`).")],
    ) -> ResendWebhookMessagePayload:
        uc = info.context.webhooks

        def answer(
            message: WebhookMessage | None, errors: list[UserError]
        ) -> ResendWebhookMessagePayload:
            shown = None if message is None else WebhookMessageType.from_domain(message)
            return ResendWebhookMessagePayload(message=shown, errors=errors)

        return await attempt(info, "resendWebhookMessage", lambda a: uc.resend(a, str(id)), answer)

    @strawberry.mutation(
        description="Seller or operator: send every event an endpoint hears since a time again."
    )
    async def replay_webhook_events(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReplayWebhookEventsInput, strawberry.argument(description="What to replay.")
        ],
    ) -> ReplayWebhookEventsPayload:
        uc = info.context.webhooks
        return await attempt(
            info,
            "replayWebhookEvents",
            lambda a: uc.replay(a, str(input.endpoint_id), input.since),
            lambda count, errors: ReplayWebhookEventsPayload(count=count, errors=errors),
        )
