"""Order threads and review requests through GraphQL."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.errors import UserError
from api.graphql.common.pagination import After, Before, Connection, First, Last
from api.graphql.common.payloads import attempt
from api.graphql.orders.schema import OrderPayload, change_order
from api.graphql.orders.types import MessageType, thread_page
from domain.after_sale.messaging import Message
from domain.kernel import policies


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
        description="An order's messages, oldest first: its buyer, its seller and operators.",
    )
    async def thread(
        self,
        info: Info[Context, None],
        order_id: strawberry.ID,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MessageType]:
        window = info.context.cursors.window(
            first=first, after=after, last=last, before=before, default=policies.THREAD_PAGE_SIZE
        )
        return await thread_page(info, str(order_id), window)


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(
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
        uc = info.context.conversation

        def answer(message: Message | None, errors: list[UserError]) -> MessagePayload:
            sent = None if message is None else MessageType.from_domain(message)
            return MessagePayload(message=sent, errors=errors)

        return await attempt(
            info,
            "sendMessage",
            lambda a: uc.send_message(a, str(order_id), body, attachments or []),
            answer,
        )

    @strawberry.mutation(
        description="Buyer or seller: mark the other side's messages on this order read.",
    )
    async def mark_thread_read(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> MarkReadPayload:
        uc = info.context.conversation

        def answer(count: int | None, errors: list[UserError]) -> MarkReadPayload:
            return MarkReadPayload(marked_read=count or 0, errors=errors)

        return await attempt(
            info, "markThreadRead", lambda a: uc.mark_thread_read(a, str(order_id)), answer
        )

    @strawberry.mutation(
        description="Seller: ask the buyer for a review, once, 5 to 30 days after delivery.",
    )
    async def request_review(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        uc = info.context.conversation
        return await change_order(
            info, "requestReview", lambda a: uc.request_review(a, str(order_id))
        )
