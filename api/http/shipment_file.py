"""What a shipment file says: its columns, its rows as parcels, and each row's answer."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.kernel import policies
from domain.kernel.errors import DomainError, ValidationFailed
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import Address, ShippedItem
from domain.orders.use_cases import ConfirmShipment, ShipmentOutcome

REQUIRED = ("order-id", "sku", "quantity", "carrier", "tracking-id", "ship-date", "ship-method")

# Amazon's shipping-confirmation flat file (tab-separated) names some columns otherwise; a line
# is named by its `order-item-id`, which is the line's SKU here.
FLAT_FILE = {
    "order-item-id": "sku",
    "carrier-code": "carrier",
    "tracking-number": "tracking-id",
}


SHIP_FROM = {
    "ship-from-name": "name",
    "ship-from-line1": "line1",
    "ship-from-line2": "line2",
    "ship-from-city": "city",
    "ship-from-region": "region",
    "ship-from-postal-code": "postal_code",
    "ship-from-country": "country_code",
}


@dataclass
class Parcel:
    """Rows that confirm one parcel: the same order, carrier and tracking id."""

    rows: list[int]
    order_id: str
    carrier: str
    tracking_id: str
    ship_date: datetime
    method: str
    ship_from: Address | None
    items: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowAnswer:
    row: int  # the file's line number; the header is line 1
    order_id: str
    tracking_id: str
    outcome: ShipmentOutcome
    error: DomainError | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "row": self.row,
            "orderId": self.order_id,
            "trackingId": self.tracking_id,
            "outcome": self.outcome.value,
            "error": None,
        }
        if self.error is not None:
            found["error"] = {
                "code": self.error.code.value,
                "message": self.error.message,
                "field": self.error.field,
            }
        return found


def _column(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def ship_moment(raw: str, now: datetime) -> datetime:
    """A ship date: a moment with its zone, or a day, meaning the end of that day (UTC) or
    now, whichever is earlier."""
    if "T" not in raw and len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError as error:
            raise ValidationFailed(f"ship-date {raw!r} is not a date", field="ship-date") from error
        end = datetime.combine(day, time(), tzinfo=UTC)
        return min(end + timedelta(days=1, microseconds=-1000), now)
    return parse_zoned(raw, "ship-date")


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header's columns and each data row by its line number; VALIDATION when the file
    lacks a required column or holds too many rows. A header with a tab in it is Amazon's
    tab-separated flat file, its columns read under the names above."""
    tabbed = "\t" in text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t" if tabbed else ",")
    try:
        header = [_column(c) for c in next(reader)]
    except StopIteration:
        raise ValidationFailed("the file is empty: send a header row first", field="file") from None
    if tabbed:
        header = [FLAT_FILE.get(c, c) for c in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(f"missing columns: {', '.join(missing)}", field="file")
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank lines are not rows
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        if tabbed and row.get("carrier", "").lower() == "other":
            row["carrier"] = row.get("carrier-name", "")  # the flat file's own carrier
        rows.append((reader.line_num, row))
        if len(rows) > policies.MAX_SHIPMENT_BATCH:
            raise ValidationFailed(
                f"a file holds at most {policies.MAX_SHIPMENT_BATCH} rows", field="file"
            )
    if not rows:
        raise ValidationFailed("the file has a header and no rows", field="file")
    return header, rows


def _ship_from(row: dict[str, str]) -> Address | None:
    """The row's ship-from address; None without one (the shop's own address is used)."""
    given = {attr: row.get(col, "") for col, attr in SHIP_FROM.items()}
    if not any(given.values()):
        return None
    return Address(**{k: (v or None) for k, v in given.items()})  # type: ignore[arg-type]


def parcels_of(
    rows: list[tuple[int, dict[str, str]]], now: datetime
) -> tuple[list[Parcel], dict[int, RowAnswer]]:
    """Rows grouped into parcels; a row that cannot be read is answered at once."""
    parcels: dict[tuple[str, str, str], Parcel] = {}
    answers: dict[int, RowAnswer] = {}
    broken: dict[tuple[str, str, str], int] = {}  # a parcel's first unreadable row
    for line, row in rows:
        order_id, tracking = row.get("order-id", ""), row.get("tracking-id", "")
        key = (order_id, row.get("carrier", "").upper(), tracking)
        try:
            for column in REQUIRED:
                if not row.get(column):
                    raise ValidationFailed(f"{column} is empty", field=column)
            try:
                quantity = int(row["quantity"])
            except ValueError as error:
                raise ValidationFailed(
                    "quantity is not a whole number", field="quantity"
                ) from error
            if quantity < 1:
                raise ValidationFailed("quantity must be at least 1", field="quantity")
            ship_date = ship_moment(row["ship-date"], now)
            ship_from = _ship_from(row)
        except ValidationFailed as error:
            answers[line] = RowAnswer(line, order_id, tracking, ShipmentOutcome.REFUSED, error)
            broken.setdefault(key, line)
            continue
        parcel = parcels.setdefault(
            key,
            Parcel(
                [], order_id, row["carrier"], tracking, ship_date, row["ship-method"], ship_from
            ),
        )
        parcel.rows.append(line)
        parcel.items[row["sku"]] = parcel.items.get(row["sku"], 0) + quantity
    ready = []
    for key, parcel in parcels.items():
        if key not in broken:
            ready.append(parcel)
            continue
        # A parcel is confirmed whole or not at all.
        whole = ValidationFailed(f"row {broken[key]} of the same parcel is invalid", field="file")
        for line in parcel.rows:
            answers[line] = RowAnswer(
                line, parcel.order_id, parcel.tracking_id, ShipmentOutcome.REFUSED, whole
            )
    return ready, answers


def command_of(parcel: Parcel) -> ConfirmShipment:
    return ConfirmShipment(
        order_id=parcel.order_id,
        carrier=parcel.carrier,
        shipping_method=parcel.method,
        tracking_id=parcel.tracking_id,
        shipped_at=parcel.ship_date,
        ship_from=parcel.ship_from,
        items=[ShippedItem(sku, n) for sku, n in parcel.items.items()],
    )
