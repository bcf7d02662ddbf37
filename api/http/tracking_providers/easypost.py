"""EasyPost's webhook (an Event `tracker.created` or `tracker.updated` whose `result` is the
Tracker): its statuses mapped to orderwire's tracking tags, each of `tracking_details` read as a
scan. docs/easypost.md says what to set in EasyPost's dashboard and what is kept.

EasyPost signs the raw body: `X-Hmac-Signature` is `hmac-sha256-hex=` and the hex HMAC-SHA256 of
the body under the webhook secret (NFKD-normalized, UTF-8), as its Python SDK's
`validate_webhook` checks it. It delivers at least once, the Tracker's whole history each time.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import timedelta
from functools import partial
from typing import Any

from starlette.requests import Request

from api.http.tracking_providers.receiver import (
    Checkpoint,
    Delivery,
    Ignored,
    address_of,
    guarded,
    scan_of,
    window_of,
)
from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import TrackingTag, carrier_code

SIGNATURE = "x-hmac-signature"
MAX_AGE = timedelta(days=14)
EVENTS = {"tracker.created", "tracker.updated"}

T = TrackingTag
# EasyPost's statuses (a tracking detail's `status`) decide the tag; `unknown` (nothing known)
# and `error` (EasyPost could not track) are not scans: None.
STATUSES: dict[str, TrackingTag | None] = {
    "unknown": None,
    "pre_transit": T.INFO_RECEIVED,
    "in_transit": T.IN_TRANSIT,
    "out_for_delivery": T.OUT_FOR_DELIVERY,
    "delivered": T.DELIVERED,
    "available_for_pickup": T.AVAILABLE_FOR_PICKUP,
    "return_to_sender": T.EXCEPTION,
    "failure": T.EXCEPTION,
    "cancelled": T.EXCEPTION,
    "error": None,
}
# Every documented status detail, in words kept on the scan. EasyPost's own advice is to take
# the status for the state of a parcel: a detail never changes the tag.
DETAILS = {
    "address_correction": "address corrected",
    "arrived_at_destination": "arrived at destination",
    "arrived_at_facility": "arrived at facility",
    "arrived_at_pickup_location": "arrived at pickup location",
    "awaiting_information": "awaiting information",
    "cancelled": "cancelled",
    "damaged": "damaged",
    "delayed": "delayed",
    "delivery_exception": "delivery exception",
    "departed_facility": "departed facility",
    "departed_origin_facility": "departed origin facility",
    "expired": "expired",
    "failure": "failure",
    "held": "held",
    "in_transit": "in transit",
    "label_created": "label created",
    "lost": "lost",
    "missorted": "missorted",
    "out_for_delivery": "out for delivery",
    "received_at_destination_facility": "received at destination facility",
    "received_at_origin_facility": "received at origin facility",
    "refused": "refused",
    "return": "return",
    "status_update": "status update",
    "transferred_to_destination_carrier": "transferred to destination carrier",
    "transit_exception": "transit exception",
    "unknown": "unknown",
    "weather_delay": "weather delay",
}
# EasyPost's carrier names for the carriers orderwire names; any other is its code as it is.
CARRIERS = {"USPS": "USPS", "UPS": "UPS", "FEDEX": "FEDEX", "DHLEXPRESS": "DHL", "DHLECS": "DHL"}


class EasyPost:
    name = "easypost"
    max_age = MAX_AGE

    def authentic(self, secret: str, body: bytes, request: Request) -> bool:
        key = unicodedata.normalize("NFKD", secret).encode()
        expected = "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, request.headers.get(SIGNATURE, ""))

    def read(self, payload: Any) -> Delivery:
        event_id = str(payload["id"])
        sent_at = parse_zoned(str(payload["created_at"]), "created_at")
        if payload.get("description") not in EVENTS:
            kind = payload.get("description")
            return Delivery(event_id, sent_at, None, None, ignored=f"event {kind!r} is not read")
        tracker = payload["result"]
        name = str(tracker["carrier"])
        carrier = CARRIERS.get(name.upper()) or carrier_code(name)
        number = str(tracker["tracking_code"]).replace(" ", "").upper()
        estimate = window_of(tracker.get("est_delivery_date"))
        delivery = Delivery(event_id, sent_at, carrier, number, estimate=estimate)
        for detail in tracker.get("tracking_details") or []:
            read = guarded("tracking detail", partial(_checkpoint, detail, delivery))
            delivery.checkpoints.append(read)
        return delivery


def tag_of(status: str, detail: str | None, delivery: Delivery) -> tuple[TrackingTag | None, str]:
    """The tag by the status, and the words the detail adds. A detail no table knows is kept
    as EasyPost wrote it and noted; a status no table knows is refused by name."""
    if status not in STATUSES:
        raise ValidationFailed(
            f"EasyPost status {status!r} is not one orderwire knows", field="status"
        )
    if detail is None:
        return STATUSES[status], ""
    if detail not in DETAILS:
        delivery.unknown.append(("status_detail", detail))
        return STATUSES[status], f"EasyPost {detail}"
    return STATUSES[status], DETAILS[detail]


def _checkpoint(detail: Any, delivery: Delivery) -> Checkpoint:
    status = str(detail["status"])
    tag, words = tag_of(status, detail.get("status_detail"), delivery)
    if tag is None:
        return Ignored(f"{status}: not a carrier scan")
    message = str(detail.get("message") or detail.get("description") or "")
    text = f"{message} ({words})" if message and words else message or words
    moment = parse_zoned(str(detail["datetime"]), "datetime")
    return scan_of(delivery, tag, address_of(detail.get("tracking_location")), moment, text)
