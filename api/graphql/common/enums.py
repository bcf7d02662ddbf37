"""Domain enums exposed in the schema; every GraphQL module imports them from here first."""

from __future__ import annotations

import strawberry

from domain.forecast.predictor import Basis
from domain.kernel.errors import ErrorCode
from domain.kernel.identity import Role
from domain.kernel.shipping import DeliveryOption, FulfillmentChannel, ShippingSpeed, TrackingTag
from domain.kernel.shipping_calendar import Weekday
from domain.kernel.vocabulary import (
    ChargebackStatus,
    ClaimDecision,
    ClaimReason,
    ClaimStatus,
    FulfilledBy,
    HealthMetric,
    HealthStatus,
    LabelKind,
    RefundReason,
    ReturnReason,
    ReturnStatus,
    SellerResponse,
)
from domain.notifications.deliveries import NotificationStatus
from domain.notifications.preferences import Category, Channel
from domain.orders.commands import ShipmentOutcome
from domain.orders.order import OrderStatus
from domain.orders.queue import OrderSort
from domain.orders.scan_batches import ScanOutcome
from domain.orders.shipments import ShipmentStatus
from domain.orders.trackers import RegistrationState
from domain.seller_tools.reports import ReportGrouping
from domain.webhooks.messages import MessageState

for _enum, _description in (
    (OrderStatus, "Where an order is in its lifecycle."),
    (ShipmentStatus, "Where one parcel of an order is."),
    (FulfillmentChannel, "MFN: merchant, SFP: seller-fulfilled prime, FBA: the marketplace."),
    (ShippingSpeed, "The delivery speed the buyer paid for."),
    (DeliveryOption, "Door delivery or pickup locker."),
    (TrackingTag, "Normalized carrier scan tags."),
    (Role, "What the caller is to the marketplace."),
    (ErrorCode, "Stable error codes; clients may switch on them."),
    (ReturnStatus, "Where a return is in its lifecycle."),
    (ReturnReason, "Why the buyer sends items back; some are the seller's fault."),
    (LabelKind, "Who pays for the return label."),
    (ClaimStatus, "Where an A-to-Z guarantee claim is."),
    (ClaimReason, "What the buyer claims."),
    (SellerResponse, "How the seller answers a claim."),
    (ClaimDecision, "The marketplace's decision on a claim."),
    (HealthMetric, "The figures a seller's account health is judged by."),
    (FulfilledBy, "Whose shipping the figures judge; each has its own account health."),
    (ChargebackStatus, "Where a payment dispute the buyer raised with their bank is."),
    (RefundReason, "Why a seller refunds outside a return (Manage Orders' refund reasons)."),
    (OrderSort, "The order a list of orders is read in."),
    (HealthStatus, "GOOD: target met; AT_RISK: missed, not yet POOR; POOR: far off."),
    (ReportGrouping, "How a report groups orders; DAY and WEEK (from Monday) are in UTC."),
    (ShipmentOutcome, "What became of one shipment of a bulk confirmation."),
    (ScanOutcome, "What became of one scan of a batch."),
):
    strawberry.enum(_enum, description=_description)

strawberry.enum(Weekday, description="A day of the week.")
strawberry.enum(Category, name="NotificationCategory", description="What a notification is about.")
strawberry.enum(Channel, name="NotificationChannel", description="How a notification reaches you.")
strawberry.enum(NotificationStatus, description="Where a notification's delivery is.")
strawberry.enum(
    RegistrationState,
    name="TrackingRegistrationState",
    description="Where a parcel's registration with the shop's tracking provider stands.",
)
strawberry.enum(Basis, name="PredictionBasis", description="What a predicted delivery rests on.")
strawberry.enum(
    MessageState,
    name="WebhookMessageState",
    description="Where a webhook message's delivery to its endpoint stands.",
)

__all__ = [
    "Basis",
    "Category",
    "Channel",
    "ChargebackStatus",
    "ClaimDecision",
    "ClaimReason",
    "ClaimStatus",
    "DeliveryOption",
    "ErrorCode",
    "FulfilledBy",
    "FulfillmentChannel",
    "HealthMetric",
    "HealthStatus",
    "LabelKind",
    "MessageState",
    "NotificationStatus",
    "OrderSort",
    "OrderStatus",
    "RefundReason",
    "RegistrationState",
    "ReportGrouping",
    "ReturnReason",
    "ReturnStatus",
    "Role",
    "ScanOutcome",
    "SellerResponse",
    "ShipmentOutcome",
    "ShipmentStatus",
    "ShippingSpeed",
    "TrackingTag",
    "Weekday",
]
