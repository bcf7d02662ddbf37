"""recordTrackingEvent and recordTrackingEvents: a carrier's (or an operator's) scans, one or
many in a request, each answered on its own and recorded once through the one door every scan
takes, the carrier webhook's too (domain/orders/scan_batches.py)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import OrderStatus, ScanOutcome
from api.graphql.common.errors import UserError
from api.graphql.orders.inputs import RecordTrackingEventInput
from api.graphql.orders.types import OrderType
from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError
from domain.orders.commands import RecordTrackingEvent
from domain.orders.scan_batches import ScanAnswer, record_scans

log = logging.getLogger("orderwire.graphql")


@strawberry.type(description="What became of one scan of `recordTrackingEvents`.")
class ScanResult:
    index: int = strawberry.field(description="Its position in `inputs`, from 0.")
    outcome: ScanOutcome
    order_id: strawberry.ID | None = strawberry.field(description="The parcel's order.")
    status: OrderStatus | None = strawberry.field(
        description="The order's status after the scan (for a DUPLICATE, after the first)."
    )
    error: UserError | None = strawberry.field(description="Why it was refused.")

    @classmethod
    def from_domain(cls, index: int, answer: ScanAnswer) -> ScanResult:
        return cls(
            index=index,
            outcome=answer.outcome,
            order_id=None if answer.order_id is None else strawberry.ID(answer.order_id),
            status=None if answer.status is None else OrderStatus(answer.status),
            error=None if answer.error is None else UserError.from_domain(answer.error),
        )


@strawberry.type(description="One result per input, or the errors that refused the batch.")
class RecordTrackingEventsPayload:
    results: list[ScanResult]
    errors: list[UserError]


@strawberry.type(
    description="The order after the scan and whether the scan was new, or the errors that "
    "refused it."
)
class RecordTrackingEventPayload:
    order: OrderType | None
    outcome: ScanOutcome | None = strawberry.field(
        description="RECORDED; or DUPLICATE for a scan recorded before, through any door "
        "(nothing changed: the order as it stands); null when refused."
    )
    errors: list[UserError]


def _refused(error: DomainError) -> RecordTrackingEventPayload:
    return RecordTrackingEventPayload(
        order=None, outcome=None, errors=[UserError.from_domain(error)]
    )


@strawberry.type
class ScanMutations:
    @strawberry.mutation(
        description="Carrier (or operator): a scan of a parcel, found by carrier and tracking id. "
        "The same scan sent again (by this mutation, recordTrackingEvents or the carrier "
        "webhook) is DUPLICATE and changes nothing.",
    )
    async def record_tracking_event(
        self, info: Info[Context, None], input: RecordTrackingEventInput
    ) -> RecordTrackingEventPayload:
        context = info.context
        actor = context.require_actor()
        try:
            require_role(actor, Action.RECORD_SCAN)
            command = input.to_domain()
        except DomainError as error:
            return _refused(error)
        [answer] = await record_scans(
            context.orders, context.receipts, actor, [command], datetime.now(UTC)
        )
        who = f"{actor.role.value} {actor.id}"
        if answer.error is not None:
            log.info("recordTrackingEvent by %s refused: %s", who, answer.error.code.value)
            return _refused(answer.error)
        order = answer.order
        if order is None:  # a repeat: the order as it stands
            assert answer.order_id is not None
            try:
                order = await context.orders.get_order(actor, answer.order_id)
            except DomainError as error:
                return _refused(error)
        log.info("recordTrackingEvent by %s: %s %s", who, order.id, answer.outcome.value)
        return RecordTrackingEventPayload(
            order=OrderType.from_domain(order), outcome=answer.outcome, errors=[]
        )

    @strawberry.mutation(
        description="Carrier (or operator): up to 500 scans at once, each as "
        "recordTrackingEvent would, committed together. A malformed or refused scan is "
        "answered alone; a scan recorded before (within 10 minutes, by this mutation or the "
        "carrier webhook) is DUPLICATE, so sending the same batch again changes nothing.",
    )
    async def record_tracking_events(
        self, info: Info[Context, None], inputs: list[RecordTrackingEventInput]
    ) -> RecordTrackingEventsPayload:
        actor = info.context.require_actor()
        try:
            require_role(actor, Action.RECORD_SCAN)
            policies.require_batch_size(len(inputs), "scans")
        except DomainError as error:
            return RecordTrackingEventsPayload(results=[], errors=[UserError.from_domain(error)])
        commands: list[RecordTrackingEvent | DomainError] = []
        for item in inputs:
            try:
                commands.append(item.to_domain())
            except DomainError as error:  # a malformed input is its own row's error
                commands.append(error)
        context = info.context
        answers = await record_scans(
            context.orders, context.receipts, actor, commands, datetime.now(UTC)
        )
        results = [ScanResult.from_domain(n, a) for n, a in enumerate(answers)]
        outcomes = Counter(r.outcome.value for r in results)
        log.info("recordTrackingEvents by %s %s: %s", actor.role.value, actor.id, dict(outcomes))
        return RecordTrackingEventsPayload(results=results, errors=[])
