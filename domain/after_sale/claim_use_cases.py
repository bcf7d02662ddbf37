"""Claim use cases: each changes a claim and its order together, then tells subscribers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.after_sale.claims import SETTLED, Claim
from domain.after_sale.ports import Begin, ClaimQuery, ClaimRepository, UnitOfWork
from domain.after_sale.protocol import AfterSaleChanges, Decision
from domain.kernel import policies
from domain.kernel.access import Action, can_see_claims, require_access, require_role
from domain.kernel.errors import Conflict, InvalidTransition, NotFound
from domain.kernel.events import Event, RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, IdGenerator, Page, PageWindow
from domain.kernel.vocabulary import ClaimDecision, ClaimReason, ClaimStatus, SellerResponse
from domain.orders.order import Order
from domain.orders.ports import EventPublisher, OrderRepository

# What a claim command decides: the claim's events, then the order's.


class ClaimUseCases:
    def __init__(
        self,
        claims: ClaimRepository,
        orders: OrderRepository,
        begin: Begin,
        ids: IdGenerator,
        clock: Clock,
        publisher: EventPublisher,
    ) -> None:
        self._claims = claims
        self._orders = orders
        self._ids = ids
        self._clock = clock
        self._changes = AfterSaleChanges(begin, clock, publisher)

    async def file_claim(
        self, actor: Actor, order_id: str, reason: ClaimReason, description: str
    ) -> Claim:
        require_role(actor, Action.FILE_CLAIM)
        order = require_access(actor, await self._orders.get(order_id), Action.FILE_CLAIM, order_id)
        now = self._clock()
        claim_id = self._ids("clm")
        order_version = order.version
        claim, events = Claim.file(
            claim_id=claim_id,
            order=order,
            buyer=actor,
            reason=reason,
            description=description,
            now=now,
        )
        order_events = order.changed(now, order.after_sale.file_claim(actor, claim_id, reason, now))
        await self._changes.commit(
            claim, events, 0, order, order_events, order_version, _save_claim
        )
        return claim

    async def respond(
        self, actor: Actor, claim_id: str, response: SellerResponse, note: str
    ) -> Claim:
        """A REFUND answer gives the buyer back what is still refundable, with no debit."""

        def decide(c: Claim, o: Order, now: datetime) -> Decision:
            events = c.respond(actor, response, note, now)
            refund = (
                o.changed(now, o.payments.settle_claim_by_seller(actor, c.id, o.currency, now))
                if response is SellerResponse.REFUND
                else []
            )
            return events, refund

        return await self._change(actor, claim_id, Action.RESPOND_TO_CLAIM, decide)

    async def withdraw(self, actor: Actor, claim_id: str) -> Claim:
        return await self._change(
            actor, claim_id, Action.WITHDRAW_CLAIM, lambda c, o, now: (c.withdraw(actor, now), [])
        )

    async def decide(
        self, actor: Actor, claim_id: str, decision: ClaimDecision, note: str
    ) -> Claim:
        """GRANT refunds what is left of the payment and debits the seller, once per claim."""

        def decide(c: Claim, o: Order, now: datetime) -> Decision:
            events = c.decide(actor, decision, note, now)
            order_events = (
                o.changed(now, o.payments.grant_claim(actor, c.id, o.currency, now))
                if c.status is ClaimStatus.GRANTED
                else []
            )
            return events, order_events

        return await self._change(actor, claim_id, Action.DECIDE_CLAIM, decide)

    async def appeal(self, actor: Actor, claim_id: str, statement: str) -> Claim:
        return await self._change(
            actor,
            claim_id,
            Action.APPEAL_CLAIM,
            lambda c, o, now: (c.appeal(actor, statement, now), []),
        )

    async def review_silent_claims(self, actor: Actor, *, limit: int = 100) -> int:
        """Move claims whose seller stayed silent for 48 hours to review; how many moved."""
        due = self._clock() - policies.SELLER_CLAIM_RESPONSE
        moved = 0
        for claim_id in await self._claims.open_filed_before(due, limit=limit):
            try:
                await self._change(
                    actor,
                    claim_id,
                    Action.DECIDE_CLAIM,
                    lambda c, o, now: (c.start_review(actor, now), []),
                )
            except (Conflict, InvalidTransition):
                continue  # someone acted on it meanwhile; it is no longer silent
            moved += 1
        return moved

    async def get_claim(self, actor: Actor, claim_id: str) -> Claim:
        claim, _ = await self._load(actor, claim_id, Action.VIEW)
        return claim

    async def list_claims(self, actor: Actor, query: ClaimQuery, window: PageWindow) -> Page[Claim]:
        scoped = query.scoped_to(actor)
        if scoped is None:
            return Page([], has_more=False)
        return await self._claims.page(scoped, window)

    async def claims_of_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]:
        """Claims of orders the caller has already been allowed to see."""
        return await self._claims.for_orders(order_ids)

    async def _load(self, actor: Actor, claim_id: str, action: Action) -> tuple[Claim, Order]:
        require_role(actor, action)
        claim = await self._claims.get(claim_id)
        order = None if claim is None else await self._orders.get(claim.order_id)
        if claim is None or order is None or not can_see_claims(actor, order):
            raise NotFound(f"claim {claim_id} not found", field="claimId")
        return claim, order

    async def _change(
        self,
        actor: Actor,
        claim_id: str,
        action: Action,
        decide: Callable[[Claim, Order, datetime], Decision],
    ) -> Claim:
        claim, order = await self._load(actor, claim_id, action)
        debited_before = order.payments.seller_debited_amount

        def note(c: Claim, o: Order, now: datetime) -> list[Event]:
            settled = c.status in SETTLED
            return o.after_sale.note_claim(actor, c.id, c.status, now, settled=settled)

        def save(unit: UnitOfWork, c: Claim, recorded: list[RecordedEvent], version: int) -> None:
            _save_claim(unit, c, recorded, version)
            debit = order.payments.seller_debited_amount - debited_before
            if debit:
                unit.debit_seller(c, debit)

        return await self._changes.change(claim, order, decide, note, save)


def _save_claim(
    unit: UnitOfWork, claim: Claim, recorded: list[RecordedEvent], version: int
) -> None:
    unit.save_claim(claim, recorded, expected_version=version)
