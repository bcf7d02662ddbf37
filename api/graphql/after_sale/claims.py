"""A-to-Z guarantee claims through GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from strawberry.types import Info

from api.graphql.after_sale.types import ClaimType
from api.graphql.common.context import Context
from api.graphql.common.enums import ClaimDecision, ClaimReason, ClaimStatus, SellerResponse
from api.graphql.common.errors import UserError, by_id
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.payloads import Answer, attempt, attempt_once
from domain.after_sale.claims import Claim
from domain.after_sale.ports import CLAIMS_OLDEST_FILED, ClaimQuery
from domain.kernel.identity import Actor


@strawberry.input
class FileClaimInput:
    order_id: strawberry.ID
    reason: ClaimReason
    description: str


@strawberry.input
class RespondToClaimInput:
    claim_id: strawberry.ID
    response: SellerResponse
    note: str = strawberry.field(description="The refund made, the tracking or proof, or why not.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Or the Idempotency-Key header: a repeat returns the first answer.",
    )


@strawberry.input
class DecideClaimInput:
    claim_id: strawberry.ID
    decision: ClaimDecision
    note: str
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Or the Idempotency-Key header: a repeat returns the first decision.",
    )


@strawberry.input
class ClaimFilter:
    statuses: list[ClaimStatus] | None = None
    reason: ClaimReason | None = None
    order_id: strawberry.ID | None = None


@strawberry.type(description="The claim after the change, or the errors that prevented it.")
class ClaimPayload:
    claim: ClaimType | None
    errors: list[UserError]


def _answer(info: Info[Context, None]) -> Answer[Claim, ClaimPayload]:
    """Claims read their deadlines against the marketplace clock of this request."""
    now = info.context.orders.now()

    def answer(claim: Claim | None, errors: list[UserError]) -> ClaimPayload:
        return ClaimPayload(
            claim=None if claim is None else ClaimType.from_domain(claim, now), errors=errors
        )

    return answer


async def _attempt(
    info: Info[Context, None], name: str, change: Callable[[Actor], Awaitable[Claim]]
) -> ClaimPayload:
    return await attempt(info, name, change, _answer(info))


@strawberry.type
class ClaimQueries:
    @strawberry.field(description="One claim you may see.")
    async def claim(self, info: Info[Context, None], id: strawberry.ID) -> ClaimType | None:
        ctx = info.context
        claim = await by_id(ctx.claims.get_claim(ctx.require_actor(), str(id)))
        return ClaimType.from_domain(claim, ctx.orders.now())

    @strawberry.field(
        description="Claims you may see, oldest first: the operators' queue by age.",
    )
    async def claims(
        self,
        info: Info[Context, None],
        filter: ClaimFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ClaimType]:
        ctx = info.context
        wanted = filter or ClaimFilter()
        query = ClaimQuery(
            statuses=None if wanted.statuses is None else frozenset(wanted.statuses),
            reason=wanted.reason,
            order_id=None if wanted.order_id is None else str(wanted.order_id),
        )
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.claims.list_claims(ctx.require_actor(), query, window)
        now = ctx.orders.now()
        return connection(
            page,
            window,
            position=CLAIMS_OLDEST_FILED.position,
            node=lambda c: ClaimType.from_domain(c, now),
            cursors=ctx.cursors,
        )


@strawberry.type
class ClaimMutations:
    @strawberry.mutation(
        description="Buyer: NOT_RECEIVED after the latest delivery date, NOT_AS_DESCRIBED after "
        "delivery; only 48 hours after first writing to the seller; one open claim per order.",
    )
    async def file_claim(self, info: Info[Context, None], input: FileClaimInput) -> ClaimPayload:
        uc = info.context.claims
        return await _attempt(
            info,
            "fileClaim",
            lambda a: uc.file_claim(a, str(input.order_id), input.reason, input.description),
        )

    @strawberry.mutation(
        description="Seller, within 48 hours: refund, provide tracking or proof, or contest.",
    )
    async def respond_to_claim(
        self, info: Info[Context, None], input: RespondToClaimInput
    ) -> ClaimPayload:
        uc = info.context.claims
        return await attempt_once(
            info,
            "respondToClaim",
            input.idempotency_key,
            (input.claim_id, input.response, input.note),
            change=lambda a: uc.respond(a, str(input.claim_id), input.response, input.note),
            read=uc.get_claim,
            answer=_answer(info),
        )

    @strawberry.mutation(description="Buyer: drop the claim.")
    async def withdraw_claim(
        self, info: Info[Context, None], claim_id: strawberry.ID
    ) -> ClaimPayload:
        uc = info.context.claims
        return await _attempt(info, "withdrawClaim", lambda a: uc.withdraw(a, str(claim_id)))

    @strawberry.mutation(
        description="Operator: GRANT refunds what the buyer paid less earlier refunds and debits "
        "the seller (once per claim); DENY closes it. After an appeal the decision is final.",
    )
    async def decide_claim(
        self, info: Info[Context, None], input: DecideClaimInput
    ) -> ClaimPayload:
        uc = info.context.claims
        return await attempt_once(
            info,
            "decideClaim",
            input.idempotency_key,
            (input.claim_id, input.decision, input.note),
            change=lambda a: uc.decide(a, str(input.claim_id), input.decision, input.note),
            read=uc.get_claim,
            answer=_answer(info),
        )

    @strawberry.mutation(
        description="The party the decision went against, once, within 30 days of it.",
    )
    async def appeal_claim(
        self, info: Info[Context, None], claim_id: strawberry.ID, statement: str
    ) -> ClaimPayload:
        uc = info.context.claims
        return await _attempt(info, "appealClaim", lambda a: uc.appeal(a, str(claim_id), statement))
