"""Order threads and review requests through GraphQL."""

from __future__ import annotations

import logging

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.order_mutations import OrderPayload, _attempt
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated
from api.graphql.types import MessageType, thread_page
from domain.errors import DomainError

log = logging.getLogger("orderwire.messages")


@strawberry.type(description="The message sent, or why it was refused.")
class MessagePayload:
    message: MessageType | None
    errors: list[UserError]


@strawberry.type(description="How many of the other side's messages were marked read.")
class MarkReadPayload:
    marked_read: int
    errors: list[UserError]


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="An order's messages, oldest first: its buyer, its seller and operators.",
    )
    async def thread(
        self,
        info: Info[Context, None],
        order_id: strawberry.ID,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[MessageType]:
        return await thread_page(info, str(order_id), first, after)


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Write on an order's thread. Sellers may not send marketing, links, contact "
        "details or review requests; the refusal's code names the rule.",
    )
    async def send_message(
        self,
        info: Info[Context, None],
        order_id: strawberry.ID,
        body: str,
        attachments: list[str] | None = None,
    ) -> MessagePayload:
        ctx = info.context
        actor = ctx.require_actor()
        try:
            message = await ctx.conversation.send_message(
                actor, str(order_id), body, attachments or []
            )
        except DomainError as error:
            log.info(
                "sendMessage by %s %s refused: %s", actor.role.value, actor.id, error.code.value
            )
            return MessagePayload(message=None, errors=[UserError.from_domain(error)])
        return MessagePayload(message=MessageType.from_domain(message), errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Buyer or seller: mark the other side's messages on this order read.",
    )
    async def mark_thread_read(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> MarkReadPayload:
        ctx = info.context
        try:
            count = await ctx.conversation.mark_thread_read(ctx.require_actor(), str(order_id))
        except DomainError as error:
            return MarkReadPayload(marked_read=0, errors=[UserError.from_domain(error)])
        return MarkReadPayload(marked_read=count, errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Seller: ask the buyer for a review, once, 5 to 30 days after delivery.",
    )
    async def request_review(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        uc = info.context.conversation
        return await _attempt(info, "requestReview", lambda a: uc.request_review(a, str(order_id)))
