"""The Order aggregate: one transition table, guards that raise, events for every change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.kernel.access import Action, require_channel_role, require_role
from domain.kernel.errors import InvalidTransition, NotDelivered, OrderAlreadyShipped
from domain.kernel.events import (
    DeliveryDelayed,
    Event,
    OrderCanceled,
    OrderPlaced,
    PaymentAuthorizationReleased,
    PaymentCaptured,
    PaymentFailed,
    PaymentVerified,
)
from domain.kernel.identity import Actor, Role
from domain.kernel.lifecycle import EventSource, require_transition
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    DeliveryWindow,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
    require_text,
)
from domain.kernel.shipping_calendar import ShippingCalendar, promise
from domain.kernel.vocabulary import (
    OrderStatus as OrderStatus,  # where it has always been imported from
)
from domain.kernel.vocabulary import ReturnReason
from domain.orders import cancellation
from domain.orders.after_sale_ledger import AfterSale
from domain.orders.cancellation import CancellationRequest
from domain.orders.deadlines import Deadlines, Progress, check_delay
from domain.orders.line_items import LineItem, check_order_lines
from domain.orders.payments import Payments
from domain.orders.predictions import next_review
from domain.orders.reputation import Reputation
from domain.orders.shipments import Shipment, combined_status, confirmed, leaving, scanned
from domain.orders.statuses import NOT_YET_SHIPPED, TRANSITIONS

S = OrderStatus


@dataclass(slots=True)
class Order(EventSource):
    id: str
    buyer_id: str
    seller_id: str
    items: tuple[LineItem, ...]
    shipping_address: Address
    channel: FulfillmentChannel
    speed: ShippingSpeed
    delivery_option: DeliveryOption
    placed_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.PENDING
    version: int = 0
    estimated_delivery: DeliveryWindow | None = None
    shipments: list[Shipment] = field(default_factory=list)
    cancel_reason: str | None = None
    delivered_at: datetime | None = None
    shipping_fee: int = 0
    canceled_by: Role | None = None  # the buyer too when the seller canceled at its request
    cancellation_request: CancellationRequest | None = None
    # Its parts, each with its own state; stored flat beside the fields above.
    payments: Payments = field(default_factory=Payments)
    deadlines: Deadlines = field(default_factory=Deadlines)
    after_sale: AfterSale = field(default_factory=AfterSale)
    reputation: Reputation = field(default_factory=Reputation)

    @property
    def currency(self) -> str:
        return self.items[0].unit_price.currency

    @property
    def captured(self) -> Money:
        return Money(self.payments.captured_amount, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.payments.refunded_amount, self.currency)

    @property
    def deliver_by(self) -> date | None:
        """The last day of the delivery estimate the buyer holds now."""
        return None if self.estimated_delivery is None else self.estimated_delivery.latest

    @property
    def total(self) -> Money:
        items = sum((item.total for item in self.items), Money.zero(self.currency))
        return items + Money(self.shipping_fee, self.currency)

    def shipment(self, shipment_id: str) -> Shipment | None:
        return next((s for s in self.shipments if s.id == shipment_id), None)

    def price_of(self, items: Sequence[ShippedItem]) -> int:
        """What the buyer paid for these units, in minor units."""
        prices = {item.sku: item.unit_price.amount for item in self.items}
        return sum(prices[i.sku] * i.quantity for i in items)

    def shipped_quantity(self, sku: str) -> int:
        return sum(i.quantity for s in self.shipments for i in s.items if i.sku == sku)

    def returnable_quantity(self, sku: str) -> int:
        return self.shipped_quantity(sku) - self.after_sale.held(sku)

    def next_check_at(self, after: datetime | None = None) -> datetime | None:
        """The first moment a deadline can pass or a parcel's prediction change, after `after`."""
        review = next_review(self, after or self.updated_at)
        due = self.deadlines.next_check_at(self._progress())
        return min((m for m in (due, review) if m is not None), default=None)

    def unshipped_items(self) -> tuple[ShippedItem, ...]:
        left = (ShippedItem(i.sku, i.quantity - self.shipped_quantity(i.sku)) for i in self.items)
        return tuple(i for i in left if i.quantity > 0)

    # -- commands ----------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        buyer: Actor,
        seller_id: str,
        items: Sequence[LineItem],
        shipping_address: Address,
        channel: FulfillmentChannel,
        speed: ShippingSpeed,
        delivery_option: DeliveryOption,
        now: datetime,
        shipping_fee: Money | None = None,
    ) -> tuple[Order, list[Event]]:
        """Create a pending order awaiting payment verification."""
        require_text(seller_id, "sellerId", limit=64)
        check_order_lines(items, shipping_fee)
        order = cls(
            id=order_id,
            buyer_id=buyer.id,
            seller_id=seller_id,
            items=tuple(items),
            shipping_address=shipping_address,
            channel=channel,
            speed=speed,
            delivery_option=delivery_option,
            placed_at=now,
            updated_at=now,
            shipping_fee=0 if shipping_fee is None else shipping_fee.amount,
        )
        placed = OrderPlaced(
            occurred_at=now,
            actor=buyer,
            buyer_id=buyer.id,
            seller_id=seller_id,
            channel=channel,
            speed=speed,
            delivery_option=delivery_option,
            total=order.total,
        )
        return order, order._emit(now, placed)

    def verify_payment(
        self, actor: Actor, now: datetime, calendar: ShippingCalendar | None = None
    ) -> list[Event]:
        """Payment cleared: shipment awaited by the ship-by its seller's calendar gives."""
        self._move_to(S.UNSHIPPED)
        locker = self.delivery_option is DeliveryOption.LOCKER
        self.deadlines.ship_by, self.estimated_delivery = promise(
            calendar, self.speed, now, locker=locker
        )
        verified = PaymentVerified(
            occurred_at=now,
            actor=actor,
            estimated_delivery=self.estimated_delivery,
            ship_by=self.deadlines.ship_by,
        )
        return self._emit(now, verified)

    def fail_payment(self, actor: Actor, reason: str, now: datetime) -> list[Event]:
        """Payment was declined: the pending order ends canceled."""
        reason = require_text(reason, "reason", limit=500)
        if self.status is not S.PENDING:
            raise InvalidTransition(f"payment can only fail while pending, not {self.status.value}")
        self._move_to(S.CANCELED)
        self.cancel_reason = f"payment failed: {reason}"
        return self._emit(now, PaymentFailed(occurred_at=now, actor=actor, reason=reason))

    def cancel(self, actor: Actor, reason: str | None, now: datetime) -> list[Event]:
        """Cancel before shipment: a buyer inside the hold, a seller or operator with a reason."""
        if self.status not in NOT_YET_SHIPPED and self.status is not S.CANCELED:
            raise OrderAlreadyShipped(
                "the order has shipped and can no longer be canceled; request a return instead"
            )
        self._check_move(S.CANCELED)
        require_channel_role(actor, Action.CANCEL, self.channel)
        asked = self.cancellation_request
        reason = cancellation.reason_for_cancel(actor, reason, self.placed_at, asked, now)
        was_verified = self.status is S.UNSHIPPED
        self._move_to(S.CANCELED)
        closed = cancellation.close(self.cancellation_request, actor, now, canceled=True)
        self.cancel_reason, self.canceled_by = reason, Role.BUYER if closed else actor.role
        events: list[Event] = [OrderCanceled(occurred_at=now, actor=actor, reason=reason), *closed]
        if was_verified:
            events.append(
                PaymentAuthorizationReleased(occurred_at=now, actor=actor, amount=self.total)
            )
        return self._emit(now, *events)

    def request_cancellation(self, actor: Actor, reason: str, now: datetime) -> list[Event]:
        """Past the buyer's hold, the buyer asks the seller to cancel."""
        self.cancellation_request, asked = cancellation.request(
            self.cancellation_request, actor, self.status, self.placed_at, reason, now
        )
        return self._emit(now, asked)

    def confirm_shipment(
        self,
        actor: Actor,
        *,
        shipment_id: str,
        carrier: str,
        shipping_method: str,
        tracking_id: str,
        shipped_at: datetime,
        ship_from: Address,
        items: Sequence[ShippedItem] | None,
        now: datetime,
    ) -> list[Event]:
        """Record a parcel leaving; the buyer is charged for its items now."""
        require_channel_role(actor, Action.CONFIRM_SHIPMENT, self.channel)
        if S.SHIPPED not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"cannot confirm a shipment while {self.status.value}")
        shipment = leaving(
            self.shipments,
            shipment_id=shipment_id,
            carrier=carrier,
            shipping_method=shipping_method,
            tracking_id=tracking_id,
            shipped_at=shipped_at,
            ship_from=ship_from,
            items=items,
            remaining={i.sku: i.quantity - self.shipped_quantity(i.sku) for i in self.items},
            placed_at=self.placed_at,
            now=now,
        )
        first_parcel = not self.shipments
        self.shipments.append(shipment)
        self._follow_shipments()
        if not self.unshipped_items():
            self.deadlines.fully_shipped_at = now
        # The first parcel also carries the order's shipping charge.
        amount = self.price_of(shipment.items) + (self.shipping_fee if first_parcel else 0)
        charge = Money(amount, self.currency)
        self.payments.capture(charge.amount)
        captured = PaymentCaptured(
            occurred_at=now, actor=actor, amount=charge, shipment_id=shipment_id
        )
        kept = cancellation.close(self.cancellation_request, actor, now, canceled=False)
        return self._emit(now, confirmed(shipment, actor, now), captured, *kept)

    def record_scan(
        self,
        actor: Actor,
        *,
        carrier: str,
        tracking_id: str,
        tag: TrackingTag,
        location: ScanLocation | None,
        scanned_at: datetime,
        description: str | None,
        now: datetime,
    ) -> list[Event]:
        """Apply a carrier scan to its shipment; a scan older than the latest moves nothing,
        and one the parcel holds already is refused as a repeat (ScanAlreadyRecorded)."""
        recorded = scanned(
            self.shipments,
            actor,
            carrier=carrier,
            tracking_id=tracking_id,
            tag=tag,
            location=location,
            scanned_at=scanned_at,
            description=description,
            now=now,
        )
        if not recorded.out_of_order and self.status is not S.PARTIALLY_SHIPPED:
            self._follow_shipments()
            if self.status is S.DELIVERED:
                self.delivered_at = scanned_at
        return self._emit(now, recorded)

    def report_delay(
        self, actor: Actor, revised: DeliveryWindow, reason: str, now: datetime
    ) -> list[Event]:
        """Tell the buyer the parcel comes later: an event with a revised window, not a status."""
        require_channel_role(actor, Action.REPORT_DELAY, self.channel)
        if self.estimated_delivery is None or self.status in (S.DELIVERED, S.CANCELED):
            raise InvalidTransition(f"no delivery is pending while {self.status.value}")
        reason = check_delay(self.estimated_delivery, revised, reason, now)
        self.deadlines.promise_moved(self.estimated_delivery.latest, now)
        previous, self.estimated_delivery = self.estimated_delivery, revised
        return self._emit(
            now,
            DeliveryDelayed(
                occurred_at=now, actor=actor, previous=previous, revised=revised, reason=reason
            ),
        )

    def watch(self, actor: Actor, now: datetime) -> list[Event]:
        """Record every deadline that has passed since the last look; each one only once."""
        return self._emit(now, *self.deadlines.watch(actor, self._progress(), now))

    # -- through its parts ------------------------------------------------------------

    def changed(self, now: datetime, events: list[Event]) -> list[Event]:
        """Count a change one of the order's parts made: its version moves with every event."""
        return self._emit(now, *events)

    def record_refund(
        self,
        actor: Actor,
        return_id: str | None,
        amount: int,
        key: str,
        now: datetime,
        *,
        includes_shipping: bool,
    ) -> list[Event]:
        """Money back to the buyer: never more than was charged less earlier refunds."""
        refund = self.payments.refund(
            actor,
            Money(amount, self.currency),
            key,
            now,
            return_id=return_id,
            includes_shipping=includes_shipping,
        )
        return self._emit(now, *refund)

    def open_return(
        self,
        actor: Actor,
        return_id: str,
        items: Sequence[ShippedItem],
        now: datetime,
        *,
        reason: ReturnReason,
    ) -> list[Event]:
        """Set units aside for a new return; only delivered units not already returned."""
        if self.delivered_at is None:  # set once, by the scan that delivers the order
            hint = "wait for delivery" if self.shipments else "cancel it instead"
            raise NotDelivered(
                f"only a delivered order can be returned ({self.status.value}: {hint})"
            )
        opened = self.after_sale.open_return(
            actor, return_id, items, now, reason=reason, returnable=self.returnable_quantity
        )
        return self._emit(now, *opened)

    def request_review(self, actor: Actor, now: datetime) -> list[Event]:
        """The seller asks the buyer for a review: once, 5 to 30 days after delivery."""
        require_role(actor, Action.REQUEST_REVIEW)
        if self.delivered_at is None:
            raise NotDelivered("a review can be asked for once the order is delivered")
        return self._emit(now, *self.after_sale.request_review(actor, self.delivered_at, now))

    # -- guards and bookkeeping --------------------------------------------------------

    def _progress(self) -> Progress:
        return Progress(self.status, self.shipments, self.deliver_by)

    def _status_from_shipments(self) -> OrderStatus:
        if self.unshipped_items():
            return S.PARTIALLY_SHIPPED
        return S(combined_status(self.shipments).value)

    def _check_move(self, target: OrderStatus) -> None:
        require_transition(TRANSITIONS, self.status, target, "an order")

    def _move_to(self, target: OrderStatus) -> None:
        """The only place a status changes, and only along TRANSITIONS."""
        self._check_move(target)
        self.status = target

    def _follow_shipments(self) -> None:
        """Move to the status the parcels add up to, if that differs from the current one."""
        target = self._status_from_shipments()
        if target is not self.status:
            self._move_to(target)
