"""Returns through GraphQL: request, decide, label, scan, receive, refund, close; and reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.after_sale.types import ReturnType
from api.graphql.common.context import Context
from api.graphql.common.enums import LabelKind, ReturnReason, ReturnStatus, TrackingTag
from api.graphql.common.errors import UserError, by_id
from api.graphql.common.inputs import ScanLocationInput, ShippedItemInput
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.payloads import attempt
from domain.after_sale.ports import RETURNS_NEWEST_REQUESTED, ReturnQuery
from domain.after_sale.return_use_cases import RequestReturn
from domain.after_sale.returns import Return
from domain.kernel.identity import Actor
from domain.kernel.moments import client_moment
from domain.kernel.shipping import ShippedItem


@strawberry.input
class RequestReturnInput:
    order_id: strawberry.ID
    items: list[ShippedItemInput]
    reason: ReturnReason
    comment: str | None = None

    def to_domain(self) -> RequestReturn:
        items = [ShippedItem(i.sku, i.quantity) for i in self.items]
        return RequestReturn(str(self.order_id), items, self.reason, self.comment)


@strawberry.input
class IssueReturnLabelInput:
    return_id: strawberry.ID
    kind: LabelKind
    carrier: str
    tracking_id: str


@strawberry.input
class RecordReturnScanInput:
    return_id: strawberry.ID
    tag: TrackingTag
    location: ScanLocationInput
    occurred_at: datetime


@strawberry.input
class RefundReturnInput:
    return_id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="Any unique string per refund; repeating it returns the first refund."
    )
    restocking_fee_percent: int = strawberry.field(
        default=0, description="0 to 20, only for reasons that allow a fee."
    )


@strawberry.input(description="Every field narrows the list; none widens what you may see.")
class ReturnFilter:
    statuses: list[ReturnStatus] | None = None
    reason: ReturnReason | None = None
    overdue: bool | None = strawberry.field(
        default=None, description="Requests whose seller let the 24 hours pass."
    )
    order_id: strawberry.ID | None = None


@strawberry.type(description="The return after the change, or the errors that prevented it.")
class ReturnPayload:
    return_: ReturnType | None = strawberry.field(name="return")
    errors: list[UserError]


async def _attempt(
    info: Info[Context, None], name: str, change: Callable[[Actor], Awaitable[Return]]
) -> ReturnPayload:
    now = info.context.orders.now()

    def answer(ret: Return | None, errors: list[UserError]) -> ReturnPayload:
        return ReturnPayload(
            return_=None if ret is None else ReturnType.from_domain(ret, now), errors=errors
        )

    return await attempt(info, name, change, answer)


@strawberry.type
class ReturnQueries:
    @strawberry.field(
        name="return",
        description="One return you may see; another party's reads as NOT_FOUND.",
    )
    async def return_(self, info: Info[Context, None], id: strawberry.ID) -> ReturnType | None:
        ctx = info.context
        ret = await by_id(ctx.returns.get_return(ctx.require_actor(), str(id)))
        return ReturnType.from_domain(ret, ctx.orders.now())

    @strawberry.field(
        description="Returns you may see, newest requested first.",
    )
    async def returns(
        self,
        info: Info[Context, None],
        filter: ReturnFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ReturnType]:
        ctx = info.context
        wanted = filter or ReturnFilter()
        query = ReturnQuery(
            statuses=None if wanted.statuses is None else frozenset(wanted.statuses),
            reason=wanted.reason,
            overdue=wanted.overdue,
            order_id=None if wanted.order_id is None else str(wanted.order_id),
        )
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.returns.list_returns(ctx.require_actor(), query, window)
        now = ctx.orders.now()
        return connection(
            page,
            window,
            position=RETURNS_NEWEST_REQUESTED.position,
            node=lambda r: ReturnType.from_domain(r, now),
            cursors=ctx.cursors,
        )


@strawberry.type
class ReturnMutations:
    @strawberry.mutation(
        description="Buyer: send delivered items back. Inside 30 days (for most reasons) it is "
        "authorized at once; otherwise the seller has 24 hours to answer.",
    )
    async def request_return(
        self, info: Info[Context, None], input: RequestReturnInput
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(
            info, "requestReturn", lambda a: uc.request_return(a, input.to_domain())
        )

    @strawberry.mutation(
        description="Seller within 24 hours, then an operator: accept a request outside the policy.",
    )
    async def authorize_return(
        self, info: Info[Context, None], return_id: strawberry.ID
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(info, "authorizeReturn", lambda a: uc.authorize(a, str(return_id)))

    @strawberry.mutation(
        description="Seller within 24 hours, then an operator: refuse a request, with the reason.",
    )
    async def reject_return(
        self, info: Info[Context, None], return_id: strawberry.ID, reason: str
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(info, "rejectReturn", lambda a: uc.reject(a, str(return_id), reason))

    @strawberry.mutation(
        description="Seller (operator for FBA): the label the buyer ships the items back with.",
    )
    async def issue_return_label(
        self, info: Info[Context, None], input: IssueReturnLabelInput
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(
            info,
            "issueReturnLabel",
            lambda a: uc.issue_label(
                a, str(input.return_id), input.kind, input.carrier, input.tracking_id
            ),
        )

    @strawberry.mutation(
        description="The label's carrier (or an operator): a scan of the parcel coming back.",
    )
    async def record_return_scan(
        self, info: Info[Context, None], input: RecordReturnScanInput
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(
            info,
            "recordReturnScan",
            lambda a: uc.record_scan(
                a,
                str(input.return_id),
                input.tag,
                input.location.to_domain(),
                client_moment(input.occurred_at, "occurredAt"),
            ),
        )

    @strawberry.mutation(
        description="Seller (operator for FBA): the returned items arrived.",
    )
    async def mark_return_received(
        self, info: Info[Context, None], return_id: strawberry.ID
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(
            info, "markReturnReceived", lambda a: uc.mark_received(a, str(return_id))
        )

    @strawberry.mutation(
        description="Seller (operator for FBA): refund a received return, once per idempotency key.",
    )
    async def refund_return(
        self, info: Info[Context, None], input: RefundReturnInput
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(
            info,
            "refundReturn",
            lambda a: uc.refund(
                a,
                str(input.return_id),
                fee_percent=input.restocking_fee_percent,
                idempotency_key=input.idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="Buyer withdraws; or an operator closes a return whose parcel never came.",
    )
    async def close_return(
        self, info: Info[Context, None], return_id: strawberry.ID, reason: str | None = None
    ) -> ReturnPayload:
        uc = info.context.returns
        return await _attempt(info, "closeReturn", lambda a: uc.close(a, str(return_id), reason))
