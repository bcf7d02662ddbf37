"""Closed sets of names that aggregates and their events share: return and claim terms."""

from __future__ import annotations

from enum import Enum


class ReturnStatus(Enum):
    REQUESTED = "REQUESTED"
    AUTHORIZED = "AUTHORIZED"
    PENDING_SELLER = "PENDING_SELLER"
    LABEL_ISSUED = "LABEL_ISSUED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"


class ReturnReason(Enum):
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"
    ORDERED_BY_MISTAKE = "ORDERED_BY_MISTAKE"
    BETTER_PRICE_AVAILABLE = "BETTER_PRICE_AVAILABLE"
    DAMAGED = "DAMAGED"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    MISSING_PARTS = "MISSING_PARTS"
    OTHER = "OTHER"


class LabelKind(Enum):
    MARKETPLACE_UNPAID = "MARKETPLACE_UNPAID"  # the marketplace's label; cost taken from the refund
    SELLER_PREPAID = "SELLER_PREPAID"  # the seller's own prepaid label


class ClaimStatus(Enum):
    OPEN = "OPEN"
    SELLER_RESPONDED = "SELLER_RESPONDED"
    UNDER_REVIEW = "UNDER_REVIEW"
    GRANTED = "GRANTED"
    DENIED = "DENIED"
    WITHDRAWN = "WITHDRAWN"
    APPEALED = "APPEALED"


class ClaimReason(Enum):
    NOT_RECEIVED = "NOT_RECEIVED"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"


class SellerResponse(Enum):
    REFUND = "REFUND"
    PROVIDE_TRACKING = "PROVIDE_TRACKING"
    CONTEST = "CONTEST"


class ClaimDecision(Enum):
    GRANT = "GRANT"
    DENY = "DENY"


class HealthMetric(Enum):
    """The figures a seller's account health is judged by."""

    ORDER_DEFECT_RATE = "ORDER_DEFECT_RATE"
    LATE_SHIPMENT_RATE = "LATE_SHIPMENT_RATE"
    LATE_SHIPMENT_RATE_10_DAYS = "LATE_SHIPMENT_RATE_10_DAYS"
    PRE_FULFILLMENT_CANCEL_RATE = "PRE_FULFILLMENT_CANCEL_RATE"
    VALID_TRACKING_RATE = "VALID_TRACKING_RATE"
    ON_TIME_DELIVERY_RATE = "ON_TIME_DELIVERY_RATE"
    # The order defect rate's three parts, apart (Account Health shows them under it).
    NEGATIVE_FEEDBACK_RATE = "NEGATIVE_FEEDBACK_RATE"
    A_TO_Z_CLAIM_RATE = "A_TO_Z_CLAIM_RATE"
    CHARGEBACK_RATE = "CHARGEBACK_RATE"
    # Customer service: buyer messages answered within 24 hours (not part of the status).
    RESPONSE_TIME_UNDER_24_HOURS = "RESPONSE_TIME_UNDER_24_HOURS"


class RefundReason(Enum):
    """Why a seller refunds outside a return, as Seller Central's "Issue a refund" asks."""

    GENERAL_ADJUSTMENT = "GENERAL_ADJUSTMENT"
    ITEM_DAMAGED = "ITEM_DAMAGED"
    DIFFERENT_ITEM = "DIFFERENT_ITEM"
    SHIPPING_ADJUSTMENT = "SHIPPING_ADJUSTMENT"
    LATE_DELIVERY = "LATE_DELIVERY"
    COULD_NOT_SHIP = "COULD_NOT_SHIP"


class ChargebackStatus(Enum):
    """Where a payment dispute the buyer raised with their bank is."""

    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    SELLER_WON = "SELLER_WON"
    BUYER_WON = "BUYER_WON"


class FulfilledBy(Enum):
    """Whose shipping a seller's figures judge: its own (MFN and SFP) or the marketplace's (FBA)."""

    SELLER = "SELLER"
    MARKETPLACE = "MARKETPLACE"


class HealthStatus(Enum):
    GOOD = "GOOD"
    AT_RISK = "AT_RISK"
    POOR = "POOR"


class OrderStatus(Enum):
    """Where an order is in its lifecycle (its transition table is in domain/orders/order.py)."""

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
