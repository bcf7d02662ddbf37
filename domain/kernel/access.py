"""Who may do what to which order: the one place object-level access is decided."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Protocol, TypeVar, assert_never

from domain.kernel.errors import Forbidden, NotFound
from domain.kernel.events import RecordedEvent, ShipmentConfirmed, TrackingEventRecorded
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import FulfillmentChannel


# What access looks at of the aggregates (orders/, after_sale/), so the kernel names none.
class Parcel(Protocol):
    @property
    def carrier(self) -> str: ...


class Owned(Protocol):
    @property
    def buyer_id(self) -> str: ...

    @property
    def seller_id(self) -> str: ...


class OrderLike(Owned, Protocol):
    @property
    def shipments(self) -> Sequence[Parcel]: ...


class ReturnLike(Owned, Protocol):
    @property
    def label(self) -> Parcel | None: ...


OrderT = TypeVar("OrderT", bound=OrderLike)
ReturnT = TypeVar("ReturnT", bound=ReturnLike)


class Action(Enum):
    VIEW = "view"
    WATCH = "follow an order's live updates"
    PLACE = "place an order"
    VERIFY_PAYMENT = "verify payment"
    FAIL_PAYMENT = "fail payment"
    CANCEL = "cancel an order"
    REQUEST_CANCELLATION = "ask the seller to cancel an order"
    CONFIRM_SHIPMENT = "confirm a shipment"
    RECORD_SCAN = "record a tracking event"
    REPORT_DELAY = "report a delay"
    REQUEST_RETURN = "request a return"
    HANDLE_RETURN = "handle a return"
    SCAN_RETURN = "record a return scan"
    CLOSE_RETURN = "close a return"
    FILE_CLAIM = "file a claim"
    RESPOND_TO_CLAIM = "respond to a claim"
    WITHDRAW_CLAIM = "withdraw a claim"
    DECIDE_CLAIM = "decide a claim"
    APPEAL_CLAIM = "appeal a claim decision"
    WATCH_DEADLINES = "run the deadline watchdog"
    READ_SELLER_FIGURES = "read a seller's figures, reports and exports"
    PRINT_PACKING_SLIP = "print a packing slip"
    ADD_SELLER = "add a seller"
    SET_SHIP_FROM = "change a seller"
    READ_FEED = "read an order feed"
    TAKE_PART_IN_THREAD = "take part in an order's thread"
    MARK_THREAD_READ = "mark a thread read"
    REQUEST_REVIEW = "ask for a review"
    LEAVE_FEEDBACK = "leave seller feedback"
    ANSWER_FEEDBACK = "answer seller feedback"
    REMOVE_FEEDBACK = "remove seller feedback"
    OPEN_CHARGEBACK = "record a chargeback"
    ANSWER_CHARGEBACK = "answer a chargeback"
    DECIDE_CHARGEBACK = "record a chargeback's outcome"
    REFUND_ORDER = "refund an order"
    MANAGE_WEBHOOKS = "manage webhook endpoints"


ROLES_FOR: dict[Action, frozenset[Role]] = {
    Action.VIEW: frozenset(Role),
    # Updates carry messages, returns and money: a carrier reads its parcels, it does not watch.
    Action.WATCH: frozenset({Role.BUYER, Role.SELLER, Role.OPERATOR}),
    Action.PLACE: frozenset({Role.BUYER}),
    Action.VERIFY_PAYMENT: frozenset({Role.OPERATOR}),
    Action.FAIL_PAYMENT: frozenset({Role.OPERATOR}),
    Action.CANCEL: frozenset({Role.BUYER, Role.SELLER, Role.OPERATOR}),
    Action.REQUEST_CANCELLATION: frozenset({Role.BUYER}),
    Action.CONFIRM_SHIPMENT: frozenset({Role.SELLER, Role.OPERATOR}),
    Action.RECORD_SCAN: frozenset({Role.CARRIER, Role.OPERATOR}),
    Action.REPORT_DELAY: frozenset({Role.SELLER, Role.OPERATOR}),
    Action.REQUEST_RETURN: frozenset({Role.BUYER}),
    Action.HANDLE_RETURN: frozenset({Role.SELLER, Role.OPERATOR}),
    Action.SCAN_RETURN: frozenset({Role.CARRIER, Role.OPERATOR}),
    Action.CLOSE_RETURN: frozenset({Role.BUYER, Role.OPERATOR}),
    Action.FILE_CLAIM: frozenset({Role.BUYER}),
    Action.RESPOND_TO_CLAIM: frozenset({Role.SELLER}),
    Action.WITHDRAW_CLAIM: frozenset({Role.BUYER}),
    Action.DECIDE_CLAIM: frozenset({Role.OPERATOR}),
    Action.APPEAL_CLAIM: frozenset({Role.BUYER, Role.SELLER}),
    Action.WATCH_DEADLINES: frozenset({Role.OPERATOR}),
    Action.READ_SELLER_FIGURES: frozenset({Role.SELLER, Role.OPERATOR}),
    Action.PRINT_PACKING_SLIP: frozenset({Role.SELLER, Role.OPERATOR}),
    Action.ADD_SELLER: frozenset({Role.OPERATOR}),
    Action.SET_SHIP_FROM: frozenset({Role.SELLER, Role.OPERATOR}),
    # A feed is a party's own orders; operators read orders, carriers their parcels.
    Action.READ_FEED: frozenset({Role.BUYER, Role.SELLER}),
    Action.TAKE_PART_IN_THREAD: frozenset({Role.BUYER, Role.SELLER, Role.OPERATOR}),
    Action.MARK_THREAD_READ: frozenset({Role.BUYER, Role.SELLER}),
    Action.REQUEST_REVIEW: frozenset({Role.SELLER}),
    Action.LEAVE_FEEDBACK: frozenset({Role.BUYER}),
    Action.ANSWER_FEEDBACK: frozenset({Role.SELLER}),
    Action.REMOVE_FEEDBACK: frozenset({Role.BUYER, Role.OPERATOR}),
    Action.OPEN_CHARGEBACK: frozenset({Role.OPERATOR}),
    Action.ANSWER_CHARGEBACK: frozenset({Role.SELLER}),
    Action.DECIDE_CHARGEBACK: frozenset({Role.OPERATOR}),
    Action.REFUND_ORDER: frozenset({Role.SELLER, Role.OPERATOR}),
    # The marketplace's endpoints hear every shop; a seller's hear its own shop only.
    Action.MANAGE_WEBHOOKS: frozenset({Role.SELLER, Role.OPERATOR}),
}

# How a refusal reads where the general "a buyer may not …" would read oddly.
REFUSALS: dict[Action, str] = {
    Action.ADD_SELLER: "only an operator adds sellers",
    Action.READ_FEED: "a {role} has no order feed of its own",
    Action.TAKE_PART_IN_THREAD: "carriers do not take part in order threads",
    Action.MARK_THREAD_READ: "read receipts belong to the buyer and the seller",
    Action.RESPOND_TO_CLAIM: "only the seller responds to a claim",
    Action.DECIDE_CLAIM: "the marketplace decides claims",
    Action.WITHDRAW_CLAIM: "only the buyer withdraws a claim",
    Action.REQUEST_REVIEW: "only the seller asks for a review",
    Action.CLOSE_RETURN: "only the buyer or an operator closes a return",
    Action.MANAGE_WEBHOOKS: "webhook endpoints belong to a shop or to the marketplace",
}

_FBA = FulfillmentChannel.FBA
_SELF = frozenset({FulfillmentChannel.MFN, FulfillmentChannel.SFP})

# Where the channel narrows ROLES_FOR: the marketplace handles what it fulfills (FBA), the
# seller what it ships itself.
BY_CHANNEL: dict[tuple[Action, FulfillmentChannel], frozenset[Role]] = {
    **{(Action.CONFIRM_SHIPMENT, _FBA): frozenset({Role.OPERATOR})},
    **{(Action.CONFIRM_SHIPMENT, c): frozenset({Role.SELLER}) for c in _SELF},
    **{(Action.REPORT_DELAY, _FBA): frozenset({Role.OPERATOR})},
    **{(Action.REPORT_DELAY, c): frozenset({Role.SELLER}) for c in _SELF},
    **{(Action.CANCEL, _FBA): frozenset({Role.BUYER, Role.OPERATOR})},
    **{(Action.HANDLE_RETURN, _FBA): frozenset({Role.OPERATOR})},
    **{(Action.REFUND_ORDER, _FBA): frozenset({Role.OPERATOR})},
    # The marketplace packs what it fulfils: a slip from the seller invites shipping twice.
    **{(Action.PRINT_PACKING_SLIP, _FBA): frozenset()},
}

CHANNEL_REFUSALS: dict[Action, dict[FulfillmentChannel, str]] = {
    Action.CONFIRM_SHIPMENT: {
        _FBA: "orders fulfilled by the marketplace are handled by an operator",
        **{c: "only the seller handles shipments of merchant-fulfilled orders" for c in _SELF},
    },
    Action.CANCEL: {_FBA: "orders fulfilled by the marketplace are canceled by an operator"},
    Action.HANDLE_RETURN: {
        _FBA: "returns of orders fulfilled by the marketplace are handled by an operator"
    },
    Action.REFUND_ORDER: {
        _FBA: "refunds of orders fulfilled by the marketplace are issued by an operator"
    },
    Action.PRINT_PACKING_SLIP: {
        _FBA: "the marketplace packs and ships orders it fulfils (FBA): no packing slip to print"
    },
}
CHANNEL_REFUSALS[Action.REPORT_DELAY] = CHANNEL_REFUSALS[Action.CONFIRM_SHIPMENT]


def require_role(actor: Actor, action: Action) -> None:
    """Refuse a role that may never take this action, whatever the order."""
    if actor.role not in ROLES_FOR[action]:
        said = REFUSALS.get(action, "a {role} may not {action}")
        raise Forbidden(said.format(role=actor.role.value.lower(), action=action.value))


def require_channel_role(actor: Actor, action: Action, channel: FulfillmentChannel) -> None:
    """Refuse a role that may not take this action on an order fulfilled through `channel`."""
    require_role(actor, action)
    allowed = BY_CHANNEL.get((action, channel))
    if allowed is not None and actor.role not in allowed:
        raise Forbidden(CHANNEL_REFUSALS[action][channel])


def require_own_shop(actor: Actor, seller_id: str, refusal: str) -> None:
    """A seller acts on its own shop only; operators on any."""
    if actor.role is Role.SELLER and actor.id != seller_id:
        raise Forbidden(refusal)


def can_see(actor: Actor, order: OrderLike) -> bool:
    """Buyers see their orders, sellers their shop's, carriers those they carry, operators all."""
    return _party_sees(
        actor,
        order.buyer_id,
        order.seller_id,
        lambda carrier: any(s.carrier == carrier for s in order.shipments),
    )


def _party_sees(
    actor: Actor, buyer_id: str, seller_id: str, carries: Callable[[str], bool]
) -> bool:
    """The one role switch: an order's (or a return's) buyer, its seller, the carrier of one
    of its parcels, and operators."""
    match actor.role:
        case Role.OPERATOR:
            return True
        case Role.BUYER:
            return buyer_id == actor.id
        case Role.SELLER:
            return seller_id == actor.id
        case Role.CARRIER:
            return carries(actor.id.upper())
        case unknown:
            assert_never(unknown)


# A carrier sees of an order what its label shows: the parcels, the ship-to and the status;
# never the order's money, its items, or what its buyer said of the seller.
ORDER_PARTS_NOT_FOR_CARRIERS = frozenset(
    {
        "items",
        "shipping_fee",
        "total",
        "captured",
        "refunded",
        "feedback",
        "chargeback",
        "cancellation_request",
    }
)
CARRIER_VIEW = "A carrier sees an order's parcels, ship-to and status; not its money or items."


def claims_visible_to(role: Role) -> bool:
    """Claims are not a carrier's business; everyone who sees the order sees its claims."""
    return role is not Role.CARRIER


def can_see_shop_settings(actor: Actor, seller_id: str) -> bool:
    """A shop's own settings (where its parcels leave from, its shipping calendar): the seller
    itself and operators."""
    return actor.role is Role.OPERATOR or (actor.role is Role.SELLER and actor.id == seller_id)


def require_access(actor: Actor, order: OrderT | None, action: Action, order_id: str) -> OrderT:
    """Return the order if the actor may take the action on it; a foreign order reads as absent."""
    require_role(actor, action)
    if order is None or not can_see(actor, order):
        raise NotFound(f"order {order_id} not found", field="orderId")
    return order


def require_parcel_access(
    actor: Actor, order: OrderT | None, carrier: str, tracking_id: str
) -> OrderT:
    """The order carrying this parcel, if the actor may scan it: a carrier only its own."""
    require_role(actor, Action.RECORD_SCAN)
    theirs = actor.role is not Role.CARRIER or carrier == actor.id.upper()
    if order is None or not theirs or not can_see(actor, order):
        raise NotFound(f"no parcel {tracking_id} by {carrier} is yours to scan", field="trackingId")
    return order


def can_see_claims(actor: Actor, order: OrderLike) -> bool:
    """A claim is as visible as its order to its buyer, its seller and operators; not carriers."""
    return claims_visible_to(actor.role) and can_see(actor, order)


def can_see_event(actor: Actor, recorded: RecordedEvent) -> bool:
    """A carrier's view of a timeline is its own parcels' story; everyone else sees it all."""
    if actor.role is not Role.CARRIER:
        return True
    event = recorded.event
    carried = getattr(event, "carrier", None)
    return isinstance(event, ShipmentConfirmed | TrackingEventRecorded) and (
        carried == actor.id.upper()
    )


def can_see_parcel(actor: Actor, shipment: Parcel | None) -> bool:
    """A carrier sees only the parcels it carries; everyone else every parcel."""
    if actor.role is not Role.CARRIER:
        return True
    return shipment is not None and shipment.carrier == actor.id.upper()


def can_see_return(actor: Actor, ret: ReturnLike) -> bool:
    """Like orders: its buyer, its seller, operators, and the carrier of its label."""
    label = ret.label
    return _party_sees(
        actor, ret.buyer_id, ret.seller_id, lambda c: label is not None and label.carrier == c
    )


def require_return_access(
    actor: Actor, ret: ReturnT | None, action: Action, return_id: str
) -> ReturnT:
    """Return the return if the actor may take the action on it; a foreign one reads as absent."""
    require_role(actor, action)
    if ret is None or not can_see_return(actor, ret):
        raise NotFound(f"return {return_id} not found", field="returnId")
    return ret


def require_webhook_owner(actor: Actor, shop_id: str | None) -> None:
    """Webhook endpoints: an operator manages any (a shop's, or the marketplace's with no
    shop); a seller its own shop's only; nobody else any."""
    require_role(actor, Action.MANAGE_WEBHOOKS)
    if actor.role is Role.SELLER and shop_id != actor.id:
        raise Forbidden("a seller manages its own shop's webhook endpoints only")


def webhook_scope(actor: Actor) -> str | None:
    """Whose endpoints a caller lists: a seller its shop's, an operator every one (None)."""
    require_role(actor, Action.MANAGE_WEBHOOKS)
    return actor.id if actor.role is Role.SELLER else None
