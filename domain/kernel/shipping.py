"""Shipping vocabulary: channels, speeds, addresses, delivery windows, carrier scan tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import zone, zone_of_country


class FulfillmentChannel(Enum):
    MFN = "MFN"  # merchant fulfilled
    SFP = "SFP"  # seller-fulfilled prime
    FBA = "FBA"  # fulfilled by the marketplace


class ShippingSpeed(Enum):
    STANDARD = "STANDARD"
    EXPEDITED = "EXPEDITED"
    ONE_DAY = "ONE_DAY"
    SAME_DAY = "SAME_DAY"


class DeliveryOption(Enum):
    DOOR = "DOOR"
    LOCKER = "LOCKER"


class TrackingTag(Enum):
    """Normalized carrier scan tags; every carrier's codes map onto these."""

    INFO_RECEIVED = "INFO_RECEIVED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    ATTEMPT_FAIL = "ATTEMPT_FAIL"
    DELIVERED = "DELIVERED"
    AVAILABLE_FOR_PICKUP = "AVAILABLE_FOR_PICKUP"
    EXCEPTION = "EXCEPTION"


MAX_TEXT = 200


# Postal codes are at most 10 characters in every country; 16 leaves room for spacing.
MAX_POSTAL_CODE = 16
MAX_REGION = 100


def require_text(value: str, field: str, *, limit: int = MAX_TEXT) -> str:
    """Return `value` stripped, refusing empty, over-long or ill-formed text."""
    text = value.strip()
    if not text:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters", field=field)
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise ValidationFailed(f"{field} holds an unpaired surrogate: send UTF-8 text", field=field)
    return text


def optional_text(value: str | None, field: str, *, limit: int = MAX_TEXT) -> None:
    """Like require_text for a field that may be left out."""
    if value is not None:
        require_text(value, field, limit=limit)


def carrier_code(name: str) -> str:
    """Carriers are named case-insensitively: `ups` and `UPS` are one carrier."""
    return require_text(name, "carrier", limit=64).upper()


def require_country_code(value: str) -> None:
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValidationFailed(
            "countryCode must be a two-letter ISO 3166 code", field="countryCode"
        )


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country_code: str
    line2: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "name")
        require_text(self.line1, "line1")
        optional_text(self.line2, "line2")
        require_text(self.city, "city")
        optional_text(self.region, "region", limit=MAX_REGION)
        require_text(self.postal_code, "postalCode", limit=MAX_POSTAL_CODE)
        require_country_code(self.country_code)


@dataclass(frozen=True, slots=True)
class ScanLocation:
    city: str
    country_code: str
    region: str | None = None
    postal_code: str | None = None
    time_zone: str | None = None  # IANA; None: the country's, if it keeps one

    def __post_init__(self) -> None:
        require_text(self.city, "city")
        optional_text(self.region, "region", limit=MAX_REGION)
        optional_text(self.postal_code, "postalCode", limit=MAX_POSTAL_CODE)
        require_country_code(self.country_code)
        if self.time_zone is not None:
            zone(self.time_zone)

    @property
    def zone_name(self) -> str | None:
        """Where the scan's local time is read: its own zone, else its country's one zone."""
        return self.time_zone or zone_of_country(self.country_code)


@dataclass(frozen=True, slots=True)
class DeliveryWindow:
    """The dates between which the buyer is told to expect the parcel."""

    earliest: date
    latest: date

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise ValidationFailed("earliest must not be after latest", field="earliest")


@dataclass(frozen=True, slots=True)
class CarrierEstimate:
    """When the carrier expects to deliver a parcel, as its tracking provider last said."""

    window: DeliveryWindow  # a single date is a window of one day
    source: str  # the provider: "aftership", "easypost", "shippo"
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ShippedItem:
    sku: str
    quantity: int
