"""A parcel as the forecast sees it: its history once delivered (one line of a replay file,
docs/predictions.md), and where it stands while on its way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import TrackingTag


@dataclass(frozen=True, slots=True)
class Place:
    region: str | None
    country_code: str
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    at: datetime
    tag: TrackingTag
    city: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Parcel:
    """What a parcel is: its lane, when it left, what it was promised."""

    carrier: str
    service: str
    origin: Place
    destination: Place
    shipped_at: datetime
    promised_by: datetime | None
    carrier_estimate: date | None


@dataclass(frozen=True, slots=True)
class ParcelNow(Parcel):
    """A parcel on its way, with its latest scan (None: none yet)."""

    last_scan: Scan | None


@dataclass(frozen=True, slots=True)
class ParcelHistory(Parcel):
    """One parcel from shipment to delivery (`delivered_at` None: never delivered)."""

    parcel: str
    scans: tuple[Scan, ...]
    delivered_at: datetime | None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None

    def seen(self, last_scan: Scan | None) -> ParcelNow:
        """This parcel as it stood on its way, `last_scan` its latest scan then."""
        return ParcelNow(
            self.carrier,
            self.service,
            self.origin,
            self.destination,
            self.shipped_at,
            self.promised_by,
            self.carrier_estimate,
            last_scan,
        )


def parcel_from_json(data: Mapping[str, Any], line: int = 0) -> ParcelHistory:
    """One line of a replay file; ValidationFailed naming the line and the field at fault."""
    at = f"line {line}: " if line else ""
    try:
        scans = tuple(
            Scan(
                at=_moment(scan["at"], "scans.at"),
                tag=TrackingTag(scan["tag"]),
                city=scan.get("city"),
                region=scan.get("region"),
            )
            for scan in data.get("scans") or ()
        )
        estimate = data.get("carrierEstimate")
        return ParcelHistory(
            parcel=str(data["parcel"]),
            carrier=str(data["carrier"]).upper(),
            service=str(data["service"]),
            origin=_place(data["origin"]),
            destination=_place(data["destination"]),
            shipped_at=_moment(data["shippedAt"], "shippedAt"),
            promised_by=_maybe(data.get("promisedBy"), "promisedBy"),
            carrier_estimate=None if estimate is None else date.fromisoformat(estimate[:10]),
            scans=tuple(sorted(scans, key=lambda s: s.at)),
            delivered_at=_maybe(data.get("deliveredAt"), "deliveredAt"),
        )
    except KeyError as missing:
        name = str(missing.args[0])
        raise ValidationFailed(f"{at}{name} is required", field=name) from missing
    except ValidationFailed as error:
        raise ValidationFailed(f"{at}{error.message}", field=error.field) from error
    except (TypeError, ValueError, AttributeError) as error:
        raise ValidationFailed(f"{at}{error}") from error


def parcel_to_json(parcel: ParcelHistory) -> dict[str, Any]:
    return {
        "parcel": parcel.parcel,
        "carrier": parcel.carrier,
        "service": parcel.service,
        "origin": _place_json(parcel.origin),
        "destination": _place_json(parcel.destination),
        "shippedAt": parcel.shipped_at.isoformat(),
        "promisedBy": None if parcel.promised_by is None else parcel.promised_by.isoformat(),
        "carrierEstimate": (
            None if parcel.carrier_estimate is None else parcel.carrier_estimate.isoformat()
        ),
        "scans": [
            {"at": s.at.isoformat(), "tag": s.tag.value, "city": s.city, "region": s.region}
            for s in parcel.scans
        ],
        "deliveredAt": None if parcel.delivered_at is None else parcel.delivered_at.isoformat(),
    }


def _moment(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} is an ISO 8601 time, not {value!r}", field=field)
    return parse_zoned(value, field)


def _maybe(value: Any, field: str) -> datetime | None:
    return None if value is None else _moment(value, field)


def _place(value: Any) -> Place:
    if not isinstance(value, Mapping):
        raise TypeError(f"a place is an object, not {value!r}")
    return Place(value.get("region"), str(value["countryCode"]).upper(), value.get("postalCode"))


def _place_json(place: Place) -> dict[str, Any]:
    return {
        "region": place.region,
        "postalCode": place.postal_code,
        "countryCode": place.country_code,
    }
