"""What a shipment file says: its columns, its rows as parcels, and each row's answer."""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.kernel import policies
from domain.kernel.errors import DomainError, ValidationFailed
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import Address, ShippedItem
from domain.orders.commands import ConfirmShipment, ShipmentOutcome

# orderwire's own CSV (comma-separated): one row per line of a parcel, named by its SKU.
REQUIRED = ("order-id", "sku", "quantity", "carrier", "tracking-id", "ship-date", "ship-method")

# Amazon's shipping-confirmation flat file (tab-separated), as sellers fill its template: its
# own names for some columns; a line named by its `order-item-id` (LineItem.id), or the whole
# order when `order-item-id` and `quantity` are both left blank; `ship-method` optional.
FLAT_FILE = {
    "order-item-id": "item-id",
    "carrier-code": "carrier",
    "tracking-number": "tracking-id",
}
FLAT_REQUIRED = ("order-id", "carrier", "tracking-id", "ship-date")
FLAT_SHIP_METHOD = "Standard"  # what a blank ship-method reads as

# A refusal's field, as the domain names it, and the column that holds it in a file.
DOMAIN_FIELDS = {
    "orderId": "order-id",
    "carrier": "carrier",
    "trackingId": "tracking-id",
    "shipDate": "ship-date",
    "shippedAt": "ship-date",
    "shippingMethod": "ship-method",
    "quantity": "quantity",
}


@dataclass(frozen=True, slots=True)
class Columns:
    """Which kind of file this is, and what it calls each of the columns read from it."""

    flat: bool

    @property
    def required(self) -> tuple[str, ...]:
        return FLAT_REQUIRED if self.flat else REQUIRED

    @property
    def line(self) -> str:
        """The column naming a parcel's line: the order-item id, or the SKU."""
        return "item-id" if self.flat else "sku"

    def name(self, column: str) -> str:
        """The file's own name for one of the columns read from it."""
        if self.flat:
            return next((theirs for theirs, ours in FLAT_FILE.items() if ours == column), column)
        return column

    def named(self, error: DomainError) -> DomainError:
        """The error, its field named as this file names the column (`items`: the line's)."""
        field = error.field
        if field is None:
            return error
        column = self.line if field in ("items", "sku") else DOMAIN_FIELDS.get(field, field)
        renamed = copy.copy(error)
        renamed.field = self.name(column)
        return renamed


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
    items: dict[str, int] = field(default_factory=dict)  # per SKU, or per order-item id
    whole: bool = False  # a flat-file row with no order-item-id: every unit still unshipped


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
        if day > now.date():  # as GraphQL refuses a ship date in the future
            raise ValidationFailed(f"ship-date {raw} is in the future", field="ship-date")
        end = datetime.combine(day, time(), tzinfo=UTC)
        return min(end + timedelta(days=1, microseconds=-1000), now)
    return parse_zoned(raw, "ship-date")


def read_rows(text: str) -> tuple[Columns, list[tuple[int, dict[str, str]]]]:
    """What kind of file it is and each data row by its line number; VALIDATION when the file
    lacks a required column (named as the file names it) or holds too many rows. A header with
    a tab in it is Amazon's tab-separated flat file, its columns read under the names above."""
    tabbed = "\t" in text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t" if tabbed else ",")
    try:
        header = [_column(c) for c in next(reader)]
    except StopIteration:
        raise ValidationFailed("the file is empty: send a header row first", field="file") from None
    columns = Columns(flat=tabbed)
    if tabbed:
        header = [FLAT_FILE.get(c, c) for c in header]
    missing = [columns.name(c) for c in columns.required if c not in header]
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
    return columns, rows


def _ship_from(row: dict[str, str]) -> Address | None:
    """The row's ship-from address; None without one (the shop's own address is used)."""
    given = {attr: row.get(col, "") for col, attr in SHIP_FROM.items()}
    if not any(given.values()):
        return None
    return Address(**{k: (v or None) for k, v in given.items()})  # type: ignore[arg-type]


def _line(columns: Columns, row: dict[str, str]) -> tuple[str | None, int]:
    """The row's line (None: the whole order, flat file only) and its quantity."""
    line, count = row.get(columns.line, ""), row.get("quantity", "")
    if columns.flat and not line and not count:
        return None, 0
    for column, given in ((columns.line, line), ("quantity", count)):
        if not given:
            other = "quantity" if column == columns.line else columns.line
            said = f"{columns.name(column)} is empty"
            if columns.flat:
                said += (
                    f" while {columns.name(other)} is given: fill both to ship one line, "
                    "or leave both empty to ship the whole order"
                )
            raise ValidationFailed(said, field=columns.name(column))
    try:
        quantity = int(count)
    except ValueError as error:
        raise ValidationFailed("quantity is not a whole number", field="quantity") from error
    if quantity < 1:
        raise ValidationFailed("quantity must be at least 1", field="quantity")
    return line, quantity


def parcels_of(
    columns: Columns, rows: list[tuple[int, dict[str, str]]], now: datetime
) -> tuple[list[Parcel], dict[int, RowAnswer]]:
    """Rows grouped into parcels; a row that cannot be read is answered at once, and a parcel
    is confirmed whole or not at all."""
    parcels: dict[tuple[str, str, str], Parcel] = {}
    answers: dict[int, RowAnswer] = {}
    broken: dict[tuple[str, str, str], ValidationFailed] = {}  # why a parcel is refused
    for line_number, row in rows:
        order_id, tracking = row.get("order-id", ""), row.get("tracking-id", "")
        key = (order_id, row.get("carrier", "").upper(), tracking)
        try:
            for column in columns.required:
                if not row.get(column):
                    name = columns.name(column)
                    raise ValidationFailed(f"{name} is empty", field=name)
            line, quantity = _line(columns, row)
            ship_date = ship_moment(row["ship-date"], now)
            ship_from = _ship_from(row)
        except ValidationFailed as error:
            answers[line_number] = RowAnswer(
                line_number, order_id, tracking, ShipmentOutcome.REFUSED, error
            )
            broken.setdefault(
                key,
                ValidationFailed(f"row {line_number} of the same parcel is invalid", field="file"),
            )
            continue
        method = row.get("ship-method") or (FLAT_SHIP_METHOD if columns.flat else "")
        parcel = parcels.setdefault(
            key, Parcel([], order_id, row["carrier"], tracking, ship_date, method, ship_from)
        )
        parcel.rows.append(line_number)
        if line is None:
            parcel.whole = True
        else:
            parcel.items[line] = parcel.items.get(line, 0) + quantity
        if parcel.whole and parcel.items:
            name = columns.name("item-id")
            broken.setdefault(
                key,
                ValidationFailed(
                    f"row {parcel.rows[0]}'s parcel both ships the whole order (a blank {name}) "
                    f"and names lines: fill {name} on every row of a parcel, or on none",
                    field=name,
                ),
            )
    ready = []
    for key, parcel in parcels.items():
        if key not in broken:
            ready.append(parcel)
            continue
        for line_number in parcel.rows:
            answers.setdefault(
                line_number,
                RowAnswer(
                    line_number,
                    parcel.order_id,
                    parcel.tracking_id,
                    ShipmentOutcome.REFUSED,
                    broken[key],
                ),
            )
    return ready, answers


def command_of(parcel: Parcel, skus: dict[str, str] | None = None) -> ConfirmShipment:
    """The parcel as a confirmation; `skus` names the SKU of each order-item id it ships."""
    items = None
    if not parcel.whole:
        named = skus or {}
        items = [ShippedItem(named.get(line, line), n) for line, n in parcel.items.items()]
    return ConfirmShipment(
        order_id=parcel.order_id,
        carrier=parcel.carrier,
        shipping_method=parcel.method,
        tracking_id=parcel.tracking_id,
        shipped_at=parcel.ship_date,
        ship_from=parcel.ship_from,
        items=items,
    )
