"""The Order aggregate: one transition table, guards that raise, events for every change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain import policies
from domain.errors import (
    CancelWindowClosed,
    ClaimAlreadyOpen,
    Forbidden,
    IdempotencyKeyReused,
    InvalidTransition,
    NotDelivered,
    NotFound,
    OrderAlreadyShipped,
    RefundExceedsPayment,
    ReviewAlreadyRequested,
    ReviewWindowClosed,
    ValidationFailed,
)
from domain.events import (
    ClaimFiled,
    ClaimProgressed,
    DeliveryDelayed,
    Event,
    MessageSent,
    OrderCanceled,
    OrderPlaced,
    PaymentAuthorizationReleased,
    PaymentCaptured,
    PaymentFailed,
    PaymentVerified,
    RefundIssued,
    ReturnOpened,
    ReturnProgressed,
    ReviewRequested,
    SellerDebited,
    ShipmentConfirmed,
    TrackingEventRecorded,
)
from domain.identity import Actor, Role
from domain.lifecycle import require_transition
from domain.money import Money
from domain.shipping import (
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
from domain.vocabulary import ClaimReason, ClaimStatus, ReturnStatus


class OrderStatus(Enum):
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"
    DELIVERED = "DELIVERED"
    CANCELED = "CANCELED"


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


class ShipmentStatus(Enum):
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"
    DELIVERED = "DELIVERED"


# What each carrier scan does to its shipment; INFO_RECEIVED (label created) moves nothing.
# A parcel waiting in a locker is not yet in the buyer's hands, so it counts as out for delivery.
SCAN_MOVES_SHIPMENT_TO: dict[TrackingTag, ShipmentStatus | None] = {
    TrackingTag.INFO_RECEIVED: None,
    TrackingTag.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    TrackingTag.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingTag.AVAILABLE_FOR_PICKUP: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingTag.ATTEMPT_FAIL: ShipmentStatus.DELIVERY_ATTEMPTED,
    TrackingTag.DELIVERED: ShipmentStatus.DELIVERED,
    TrackingTag.EXCEPTION: ShipmentStatus.DELIVERY_EXCEPTION,
}

# Order of progress for a fully shipped order whose parcels move at different paces.
_PROGRESS = (ShipmentStatus.SHIPPED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)


@dataclass(frozen=True, slots=True)
class LineItem:
    sku: str
    title: str
    quantity: int
    unit_price: Money

    def __post_init__(self) -> None:
        require_text(self.sku, "sku", limit=64)
        require_text(self.title, "title")
        if not 1 <= self.quantity <= policies.MAX_QUANTITY:
            raise ValidationFailed(
                f"quantity must be between 1 and {policies.MAX_QUANTITY}", field="quantity"
            )

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(slots=True)
class Shipment:
    id: str
    carrier: str
    shipping_method: str
    tracking_id: str
    shipped_at: datetime
    items: tuple[ShippedItem, ...]
    ship_from: Address
    status: ShipmentStatus = ShipmentStatus.SHIPPED
    last_scan_at: datetime | None = None
    last_location: ScanLocation | None = None

    def is_tracked_as(self, carrier: str, tracking_id: str) -> bool:
        return self.carrier == carrier_code(carrier) and self.tracking_id == tracking_id


@dataclass(slots=True)
class Order:
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
    captured_amount: int = 0
    cancel_reason: str | None = None
    delivered_at: datetime | None = None
    shipping_fee: int = 0
    returned_items: tuple[
        ShippedItem, ...
    ] = ()  # units set aside by returns not rejected or closed
    refunded_amount: int = 0
    refund_keys: tuple[str, ...] = ()
    shipping_refunded: bool = False
    review_requested_at: datetime | None = None
    buyer_messaged_at: datetime | None = None  # the buyer's first message to the seller
    open_claim_id: str | None = None
    seller_debited_amount: int = 0

    # -- reading -----------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.items[0].unit_price.currency

    @property
    def total(self) -> Money:
        items = sum((item.total for item in self.items), Money.zero(self.currency))
        return items + Money(self.shipping_fee, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_amount, self.currency)

    def price_of(self, items: Sequence[ShippedItem]) -> int:
        """What the buyer paid for these units, in minor units."""
        prices = {item.sku: item.unit_price.amount for item in self.items}
        return sum(prices[i.sku] * i.quantity for i in items)

    def returnable_quantity(self, sku: str) -> int:
        held = sum(i.quantity for i in self.returned_items if i.sku == sku)
        return self.shipped_quantity(sku) - held

    @property
    def captured(self) -> Money:
        return Money(self.captured_amount, self.currency)

    def shipped_quantity(self, sku: str) -> int:
        return sum(i.quantity for s in self.shipments for i in s.items if i.sku == sku)

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
        return self._emit(
            now,
            PaymentVerified(
                occurred_at=now, actor=actor, estimated_delivery=self.estimated_delivery
            ),
        )

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
        if actor.role is Role.BUYER:
            if not policies.buyer_may_cancel(self.placed_at, now):
                closed_at = self.placed_at + policies.BUYER_CANCEL_HOLD
                raise CancelWindowClosed(
                    f"the buyer's cancel window closed at {closed_at.isoformat()}; "
                    "ask the seller to cancel"
                )
            reason = require_text(reason, "reason", limit=500) if reason else "canceled by buyer"
        else:
            if actor.role is Role.SELLER and self.channel is FulfillmentChannel.FBA:
                raise Forbidden("orders fulfilled by the marketplace are canceled by an operator")
            reason = require_text(reason or "", "reason", limit=500)
        was_verified = self.status is S.UNSHIPPED
        self._move_to(S.CANCELED)
        self.cancel_reason = reason
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
        self._require_shipper(actor)
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
        parcel = self._items_for_shipment(items)
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
        # The first parcel also carries the order's shipping charge.
        amount = self.price_of(parcel) + (self.shipping_fee if first_parcel else 0)
        charge = Money(amount, self.currency)
        self.captured_amount += charge.amount
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
        if description is not None:
            description = require_text(description, "description", limit=500)
        out_of_order = shipment.last_scan_at is not None and scanned_at < shipment.last_scan_at
        if not out_of_order:
            if shipment.status is ShipmentStatus.DELIVERED:
                raise InvalidTransition("the shipment has already been delivered")
            moved_to = SCAN_MOVES_SHIPMENT_TO[tag]
            if moved_to is not None:
                shipment.status = moved_to
            shipment.last_scan_at = scanned_at
            shipment.last_location = location
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
        self._require_shipper(actor)
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

    # -- returns: the order keeps the units set aside and the money given back --------

    def open_return(
        self, actor: Actor, return_id: str, items: Sequence[ShippedItem], now: datetime
    ) -> list[Event]:
        """Set units aside for a new return; only delivered units not already returned."""
        if self.status is not S.DELIVERED:
            hint = "cancel it instead" if self.status in NOT_YET_SHIPPED else "wait for delivery"
            raise NotDelivered(
                f"only a delivered order can be returned ({self.status.value}: {hint})"
            )
        if not items:
            raise ValidationFailed("a return names at least one item", field="items")
        if len({i.sku for i in items}) != len(items):
            raise ValidationFailed("each sku may appear once per return", field="items")
        for item in items:
            if item.quantity < 1:
                raise ValidationFailed("quantity must be at least 1", field="quantity")
            left = self.returnable_quantity(item.sku)
            if item.quantity > left:
                raise ValidationFailed(
                    f"only {left} of {item.sku} can still be returned", field="items"
                )
        self.returned_items = _merge(self.returned_items, items, +1)
        opened = ReturnOpened(occurred_at=now, actor=actor, return_id=return_id, items=tuple(items))
        return self._emit(now, opened)

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
        if release:
            self.returned_items = _merge(self.returned_items, release, -1)
        progressed = ReturnProgressed(
            occurred_at=now, actor=actor, return_id=return_id, return_status=status, reason=reason
        )
        return self._emit(now, progressed)

    def record_refund(
        self,
        actor: Actor,
        return_id: str | None,
        amount: int,
        key: str,
        now: datetime,
        *,
        includes_shipping: bool,
        claim_id: str | None = None,
    ) -> list[Event]:
        """Money back to the buyer: never more than was charged less earlier refunds."""
        if key in self.refund_keys:
            raise IdempotencyKeyReused(
                "this idempotency key was used for another refund", field="idempotencyKey"
            )
        left = self.captured_amount - self.refunded_amount
        if amount > left:
            raise RefundExceedsPayment(
                f"a refund of {amount} exceeds the {left} {self.currency} still refundable"
            )
        self.refunded_amount += amount
        self.refund_keys = (*self.refund_keys, key)
        self.shipping_refunded = self.shipping_refunded or includes_shipping
        issued = RefundIssued(
            occurred_at=now,
            actor=actor,
            return_id=return_id,
            amount=Money(amount, self.currency),
            key=key,
            claim_id=claim_id,
        )
        return self._emit(now, issued)

    # -- claims: one open at a time; a granted one refunds what is left and debits the seller

    def file_claim(
        self, actor: Actor, claim_id: str, reason: ClaimReason, now: datetime
    ) -> list[Event]:
        if self.open_claim_id is not None:
            raise ClaimAlreadyOpen(f"claim {self.open_claim_id} is still open on this order")
        self.open_claim_id = claim_id
        filed = ClaimFiled(occurred_at=now, actor=actor, claim_id=claim_id, reason=reason)
        return self._emit(now, filed)

    def note_claim(
        self, actor: Actor, claim_id: str, status: ClaimStatus, now: datetime, *, settled: bool
    ) -> list[Event]:
        if settled and self.open_claim_id == claim_id:
            self.open_claim_id = None
        progressed = ClaimProgressed(
            occurred_at=now, actor=actor, claim_id=claim_id, claim_status=status
        )
        return self._emit(now, progressed)

    def settle_claim_by_seller(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """The seller answers a claim with a refund of whatever is still refundable."""
        return self._refund_rest(actor, f"claim:{claim_id}:seller", claim_id, now)

    def grant_claim(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """Refund whatever is still refundable and debit the seller as much; once per claim."""
        before = self.refunded_amount
        events = self._refund_rest(actor, f"claim:{claim_id}", claim_id, now)
        if not events:
            return []
        left = self.refunded_amount - before
        self.seller_debited_amount += left
        debit = SellerDebited(
            occurred_at=now, actor=actor, claim_id=claim_id, amount=Money(left, self.currency)
        )
        return events + self._emit(now, debit)

    def _refund_rest(self, actor: Actor, key: str, claim_id: str, now: datetime) -> list[Event]:
        left = self.captured_amount - self.refunded_amount
        if key in self.refund_keys or left <= 0:
            return []
        return self.record_refund(
            actor, None, left, key, now, includes_shipping=False, claim_id=claim_id
        )

    # -- conversation ------------------------------------------------------------------

    def request_review(self, actor: Actor, now: datetime) -> list[Event]:
        """The seller asks the buyer for a review: once, 5 to 30 days after delivery."""
        if actor.role is not Role.SELLER:
            raise Forbidden("only the seller asks for a review")
        if self.delivered_at is None:
            raise NotDelivered("a review can be asked for once the order is delivered")
        if self.review_requested_at is not None:
            raise ReviewAlreadyRequested(
                f"a review was already asked for on {self.review_requested_at.date()}"
            )
        if not policies.review_request_open(self.delivered_at, now):
            raise ReviewWindowClosed(
                f"a review may be asked for {policies.REVIEW_REQUEST_FROM_DAY} to "
                f"{policies.REVIEW_REQUEST_UNTIL_DAY} days after delivery"
            )
        self.review_requested_at = now
        return self._emit(now, ReviewRequested(occurred_at=now, actor=actor))

    def record_message(self, actor: Actor, message_id: str, now: datetime) -> list[Event]:
        """A message on the order's thread; the buyer's first one starts the claim clock."""
        if actor.role is Role.BUYER and self.buyer_messaged_at is None:
            self.buyer_messaged_at = now
        sent = MessageSent(
            occurred_at=now, actor=actor, message_id=message_id, sender_role=actor.role
        )
        return self._emit(now, sent)

    # -- guards and bookkeeping --------------------------------------------------------

    def _require_shipper(self, actor: Actor) -> None:
        """FBA orders are handled by the marketplace, the others by their seller."""
        if self.channel is FulfillmentChannel.FBA and actor.role is not Role.OPERATOR:
            raise Forbidden("orders fulfilled by the marketplace are handled by an operator")
        if self.channel is not FulfillmentChannel.FBA and actor.role is not Role.SELLER:
            raise Forbidden("only the seller handles shipments of merchant-fulfilled orders")

    def _items_for_shipment(self, items: Sequence[ShippedItem] | None) -> tuple[ShippedItem, ...]:
        remaining = {i.sku: i.quantity for i in self.unshipped_items()}
        if items is None:
            return tuple(ShippedItem(sku, qty) for sku, qty in remaining.items())
        if not items:
            raise ValidationFailed("a shipment carries at least one item", field="items")
        if len({i.sku for i in items}) != len(items):
            raise ValidationFailed("each sku may appear once per shipment", field="items")
        for item in items:
            if item.quantity < 1:
                raise ValidationFailed("quantity must be at least 1", field="quantity")
            if item.quantity > remaining.get(item.sku, 0):
                raise ValidationFailed(
                    f"only {remaining.get(item.sku, 0)} of {item.sku} remain to ship", field="items"
                )
        return tuple(items)

    def _status_from_shipments(self) -> OrderStatus:
        if self.unshipped_items():
            return S.PARTIALLY_SHIPPED
        statuses = {s.status for s in self.shipments}
        for blocking in (ShipmentStatus.DELIVERY_EXCEPTION, ShipmentStatus.DELIVERY_ATTEMPTED):
            if blocking in statuses:
                return S(blocking.value)
        moving = statuses - {ShipmentStatus.DELIVERED}
        if not moving:
            return S.DELIVERED
        return S(min(moving, key=_PROGRESS.index).value)

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

    def _emit(self, now: datetime, *events: Event) -> list[Event]:
        self.version += len(events)
        self.updated_at = now
        return list(events)


def _merge(
    held: Sequence[ShippedItem], change: Sequence[ShippedItem], sign: int
) -> tuple[ShippedItem, ...]:
    """Add (sign +1) or remove (sign -1) quantities per sku; zero quantities drop out."""
    totals: dict[str, int] = {}
    for item in held:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    for item in change:
        totals[item.sku] = totals.get(item.sku, 0) + sign * item.quantity
    return tuple(ShippedItem(sku, qty) for sku, qty in totals.items() if qty > 0)
