"""The Order aggregate: one transition table, guards that raise, events for every change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.kernel import policies
from domain.kernel.access import Action, require_channel_role, require_role
from domain.kernel.errors import (
    CancelWindowClosed,
    InvalidTransition,
    NotDelivered,
    NotFound,
    OrderAlreadyShipped,
    ValidationFailed,
)
from domain.kernel.events import (
    DeliveryDelayed,
    Event,
    OrderCanceled,
    OrderPlaced,
    PaymentAuthorizationReleased,
    PaymentCaptured,
    PaymentFailed,
    PaymentVerified,
    ShipmentConfirmed,
    TrackingEventRecorded,
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
    carrier_code,
    require_text,
)
from domain.kernel.vocabulary import ClaimReason, ClaimStatus, ReturnReason, ReturnStatus
from domain.kernel.vocabulary import (
    OrderStatus as OrderStatus,  # where it has always been imported from
)
from domain.orders.after_sale_ledger import AfterSale
from domain.orders.deadlines import Deadlines, Progress
from domain.orders.line_items import LineItem
from domain.orders.payments import Payments
from domain.orders.shipments import Shipment, combined_status, parcel_items

S = OrderStatus
_ON_THE_WAY = frozenset(
    {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERY_ATTEMPTED, S.DELIVERY_EXCEPTION, S.DELIVERED}
)

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.UNSHIPPED, S.CANCELED}),
    S.UNSHIPPED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELED}),
    # The last shipment of a partly shipped order may find the earlier ones already moving.
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED} | _ON_THE_WAY - {S.DELIVERED}),
    S.SHIPPED: _ON_THE_WAY,
    S.IN_TRANSIT: _ON_THE_WAY - {S.IN_TRANSIT},
    S.OUT_FOR_DELIVERY: _ON_THE_WAY - {S.OUT_FOR_DELIVERY},
    S.DELIVERY_ATTEMPTED: _ON_THE_WAY - {S.DELIVERY_ATTEMPTED},
    S.DELIVERY_EXCEPTION: _ON_THE_WAY - {S.DELIVERY_EXCEPTION},
    S.DELIVERED: frozenset(),
    S.CANCELED: frozenset(),
}

NOT_YET_SHIPPED = frozenset({S.PENDING, S.UNSHIPPED})


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
    canceled_by: Role | None = None
    # Its parts, each with its own state; stored flat beside the fields above.
    payments: Payments = field(default_factory=Payments)
    deadlines: Deadlines = field(default_factory=Deadlines)
    after_sale: AfterSale = field(default_factory=AfterSale)

    # -- reading -----------------------------------------------------------------------

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
    def defective(self) -> bool:
        return self.after_sale.defective

    @property
    def shipped_in_time(self) -> bool:
        return self.deadlines.shipped_in_time

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

    def next_check_at(self) -> datetime | None:
        """The earliest moment a deadline of this order can pass; None when none is left."""
        return self.deadlines.next_check_at(self._progress())

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
        if not 1 <= len(items) <= policies.MAX_LINE_ITEMS:
            raise ValidationFailed(
                f"an order has between 1 and {policies.MAX_LINE_ITEMS} items", field="items"
            )
        skus = [item.sku for item in items]
        if len(set(skus)) != len(skus):
            raise ValidationFailed("each sku may appear once; raise its quantity", field="items")
        if len({item.unit_price.currency for item in items}) != 1:
            raise ValidationFailed("all items must be priced in one currency", field="items")
        if shipping_fee is not None and shipping_fee.currency != items[0].unit_price.currency:
            raise ValidationFailed(
                "shipping is charged in the items' currency", field="shippingFee"
            )
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

    def verify_payment(self, actor: Actor, now: datetime) -> list[Event]:
        """Payment cleared: the order awaits shipment and the buyer gets a delivery window."""
        self._move_to(S.UNSHIPPED)
        self.estimated_delivery = policies.estimated_delivery_window(
            self.speed, now, locker=self.delivery_option is DeliveryOption.LOCKER
        )
        self.deadlines.ship_by = policies.ship_by(self.speed, now)
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
        if actor.role is Role.BUYER:
            if not policies.buyer_may_cancel(self.placed_at, now):
                closed_at = self.placed_at + policies.BUYER_CANCEL_HOLD
                raise CancelWindowClosed(
                    f"the buyer's cancel window closed at {closed_at.isoformat()}; "
                    "ask the seller to cancel"
                )
            reason = require_text(reason, "reason", limit=500) if reason else "canceled by buyer"
        else:
            reason = require_text(reason or "", "reason", limit=500)
        was_verified = self.status is S.UNSHIPPED
        self._move_to(S.CANCELED)
        self.cancel_reason, self.canceled_by = reason, actor.role
        events: list[Event] = [OrderCanceled(occurred_at=now, actor=actor, reason=reason)]
        if was_verified:
            events.append(
                PaymentAuthorizationReleased(occurred_at=now, actor=actor, amount=self.total)
            )
        return self._emit(now, *events)

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
        carrier = carrier_code(carrier)
        shipping_method = require_text(shipping_method, "shippingMethod", limit=64)
        tracking_id = require_text(tracking_id, "trackingId", limit=64)
        if any(s.is_tracked_as(carrier, tracking_id) for s in self.shipments):
            raise ValidationFailed("this tracking id is already on the order", field="trackingId")
        if shipped_at > now + policies.SCAN_CLOCK_SKEW:
            raise ValidationFailed("ship date is in the future", field="shipDate")
        if shipped_at < self.placed_at:
            raise ValidationFailed("ship date is before the order was placed", field="shipDate")
        parcel = parcel_items({i.sku: i.quantity for i in self.unshipped_items()}, items)
        shipment = Shipment(
            id=shipment_id,
            carrier=carrier,
            shipping_method=shipping_method,
            tracking_id=tracking_id,
            shipped_at=shipped_at,
            items=parcel,
            ship_from=ship_from,
        )
        first_parcel = not self.shipments
        self.shipments.append(shipment)
        self._follow_shipments()
        if not self.unshipped_items():
            self.deadlines.fully_shipped_at = now
        # The first parcel also carries the order's shipping charge.
        amount = self.price_of(parcel) + (self.shipping_fee if first_parcel else 0)
        charge = Money(amount, self.currency)
        self.payments.capture(charge.amount)
        return self._emit(
            now,
            ShipmentConfirmed(
                occurred_at=now,
                actor=actor,
                shipment_id=shipment_id,
                carrier=carrier,
                shipping_method=shipping_method,
                tracking_id=tracking_id,
                shipped_at=shipped_at,
                items=parcel,
                ship_from=ship_from,
            ),
            PaymentCaptured(occurred_at=now, actor=actor, amount=charge, shipment_id=shipment_id),
        )

    def record_scan(
        self,
        actor: Actor,
        *,
        carrier: str,
        tracking_id: str,
        tag: TrackingTag,
        location: ScanLocation,
        scanned_at: datetime,
        description: str | None,
        now: datetime,
    ) -> list[Event]:
        """Apply a carrier scan to its shipment; a scan older than the latest moves nothing."""
        shipment = next((s for s in self.shipments if s.is_tracked_as(carrier, tracking_id)), None)
        if shipment is None:
            raise NotFound(
                f"no shipment {tracking_id} by {carrier} on this order", field="trackingId"
            )
        if scanned_at > now + policies.SCAN_CLOCK_SKEW:
            raise ValidationFailed("scan time is in the future", field="occurredAt")
        if scanned_at < shipment.shipped_at:
            raise ValidationFailed(
                f"scan time is before the parcel shipped ({shipment.shipped_at.isoformat()})",
                field="occurredAt",
            )
        if description is not None:
            description = require_text(description, "description", limit=500)
        out_of_order = shipment.last_scan_at is not None and scanned_at < shipment.last_scan_at
        if not out_of_order:
            shipment.follow_scan(tag, location, scanned_at)
            if self.status is not S.PARTIALLY_SHIPPED:
                self._follow_shipments()
                if self.status is S.DELIVERED:
                    self.delivered_at = scanned_at
        return self._emit(
            now,
            TrackingEventRecorded(
                occurred_at=now,
                actor=actor,
                shipment_id=shipment.id,
                carrier=shipment.carrier,
                tracking_id=tracking_id,
                tag=tag,
                location=location,
                scanned_at=scanned_at,
                description=description,
                out_of_order=out_of_order,
            ),
        )

    def report_delay(
        self, actor: Actor, revised: DeliveryWindow, reason: str, now: datetime
    ) -> list[Event]:
        """Tell the buyer the parcel comes later: an event with a revised window, not a status."""
        require_channel_role(actor, Action.REPORT_DELAY, self.channel)
        if self.estimated_delivery is None or self.status in (S.DELIVERED, S.CANCELED):
            raise InvalidTransition(f"no delivery is pending while {self.status.value}")
        reason = require_text(reason, "reason", limit=500)
        if revised.latest <= self.estimated_delivery.latest:
            raise ValidationFailed(
                f"a delay must move the latest date past {self.estimated_delivery.latest}",
                field="revisedLatest",
            )
        if revised.earliest < now.date():
            raise ValidationFailed("the revised window starts in the past", field="revisedEarliest")
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

    # -- the order's money (its Payments part) ----------------------------------------

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

    def settle_claim_by_seller(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """The seller answers a claim with a refund of whatever is still refundable."""
        settled = self.payments.settle_claim_by_seller(actor, claim_id, self.currency, now)
        return self._emit(now, *settled)

    def grant_claim(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """Refund whatever is still refundable and debit the seller as much; once per claim."""
        return self._emit(now, *self.payments.grant_claim(actor, claim_id, self.currency, now))

    # -- after the sale (its AfterSale part) ------------------------------------------

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

    def note_return(
        self,
        actor: Actor,
        return_id: str,
        status: ReturnStatus,
        now: datetime,
        *,
        release: Sequence[ShippedItem] = (),
        reason: str | None = None,
    ) -> list[Event]:
        """Record a return's progress on the order; a rejected or closed one gives its units back."""
        noted = self.after_sale.note_return(
            actor, return_id, status, now, release=release, reason=reason
        )
        return self._emit(now, *noted)

    def file_claim(
        self, actor: Actor, claim_id: str, reason: ClaimReason, now: datetime
    ) -> list[Event]:
        return self._emit(now, *self.after_sale.file_claim(actor, claim_id, reason, now))

    def note_claim(
        self, actor: Actor, claim_id: str, status: ClaimStatus, now: datetime, *, settled: bool
    ) -> list[Event]:
        noted = self.after_sale.note_claim(actor, claim_id, status, now, settled=settled)
        return self._emit(now, *noted)

    def request_review(self, actor: Actor, now: datetime) -> list[Event]:
        """The seller asks the buyer for a review: once, 5 to 30 days after delivery."""
        require_role(actor, Action.REQUEST_REVIEW)
        if self.delivered_at is None:
            raise NotDelivered("a review can be asked for once the order is delivered")
        return self._emit(now, *self.after_sale.request_review(actor, self.delivered_at, now))

    def record_message(self, actor: Actor, message_id: str, now: datetime) -> list[Event]:
        """A message on the order's thread; the buyer's first one starts the claim clock."""
        return self._emit(now, *self.after_sale.record_message(actor, message_id, now))

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
