"""What a tracking number looks like at the major carriers, as Seller Central checks it when a
shipment is confirmed: a number that cannot be the carrier's is refused at once, before the
valid tracking rate finds it never scanned. Other carriers' numbers are taken as they come."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.kernel.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    pattern: re.Pattern[str]
    described: str  # how a person would describe a valid number


def _format(pattern: str, described: str) -> TrackingFormat:
    return TrackingFormat(re.compile(pattern), described)


FORMATS: dict[str, TrackingFormat] = {
    "UPS": _format(r"1Z[0-9A-Z]{16}", "1Z followed by 16 letters or digits"),
    "FEDEX": _format(r"\d{12}|\d{15}|\d{20}|\d{22}", "12, 15, 20 or 22 digits"),
    "USPS": _format(
        r"\d{20,22}|\d{26}|\d{30}|[A-Z]{2}\d{9}US",
        "20 to 22, 26 or 30 digits, or two letters, nine digits and US",
    ),
    "DHL": _format(
        r"\d{10,11}|JJD\d{18,20}|GM\d{16,18}|[A-Z]{5}\d{10,20}",
        "10 or 11 digits (Express), JJD and 18 to 20 digits, or GM and 16 to 18 digits",
    ),
}


def check_tracking_format(carrier: str, tracking_id: str) -> str:
    """The number as the carrier writes it (upper case, no spaces: what its scans will carry),
    or VALIDATION when it cannot be `carrier`'s; any carrier not in FORMATS is taken as it
    comes."""
    known = FORMATS.get(carrier.strip().upper())
    if known is None:
        return tracking_id
    number = tracking_id.replace(" ", "").upper()
    if not known.pattern.fullmatch(number):
        raise ValidationFailed(
            f"{tracking_id!r} is not a {carrier.strip().upper()} tracking number "
            f"({known.described})",
            field="trackingId",
        )
    return number


def any_format(carrier: str, tracking_id: str) -> str:
    """For a deployment that takes every number as it comes (ORDERWIRE_TRACKING_FORMATS)."""
    return tracking_id
