"""Shippo's webhook (`track_updated`, whose `data` is the Track): its statuses and substatus
codes mapped to orderwire's tracking tags, each of `tracking_history` read as a scan.
docs/shippo.md says what to set in Shippo's dashboard and what is kept.

Shippo documents three ways to secure a webhook: its IP addresses, a self-generated token in
the webhook URL's query string (`?token=…`), and HMAC arranged through an account manager. The
token is what any Shippo account can set: it is compared in constant time with the configured
secrets. Shippo's deliveries carry no time of sending and no event id: a delivery replayed is
answered DUPLICATE checkpoint by checkpoint, never recorded twice.
"""

from __future__ import annotations

import hmac
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

TOKEN = "token"
MAX_AGE = timedelta(days=14)  # unused: Shippo sends no time of sending

T = TrackingTag
# Shippo's statuses; UNKNOWN (an unrecognized carrier status) is not a scan: None.
STATUSES: dict[str, TrackingTag | None] = {
    "PRE_TRANSIT": T.INFO_RECEIVED,
    "TRANSIT": T.IN_TRANSIT,
    "DELIVERED": T.DELIVERED,
    "RETURNED": T.EXCEPTION,
    "FAILURE": T.EXCEPTION,
    "UNKNOWN": None,
}
# Every documented substatus code. TRANSIT is broad: its codes say when the parcel is out for
# delivery, missed, waiting at a pickup point or in trouble.
SUBSTATUSES: dict[str, TrackingTag | None] = {
    "information_received": T.INFO_RECEIVED,
    "address_issue": T.EXCEPTION,
    "contact_carrier": T.EXCEPTION,
    "delayed": T.IN_TRANSIT,
    "delivery_attempted": T.ATTEMPT_FAIL,
    "delivery_rescheduled": T.IN_TRANSIT,
    "delivery_scheduled": T.IN_TRANSIT,
    "location_inaccessible": T.EXCEPTION,
    "notice_left": T.ATTEMPT_FAIL,
    "out_for_delivery": T.OUT_FOR_DELIVERY,
    "package_accepted": T.IN_TRANSIT,
    "package_arrived": T.IN_TRANSIT,
    "package_damaged": T.EXCEPTION,
    "package_departed": T.IN_TRANSIT,
    "package_forwarded": T.IN_TRANSIT,
    "package_held": T.EXCEPTION,
    "package_processed": T.IN_TRANSIT,
    "package_processing": T.IN_TRANSIT,
    "pickup_available": T.AVAILABLE_FOR_PICKUP,
    "reschedule_delivery": T.IN_TRANSIT,
    "delivered": T.DELIVERED,
    "return_to_sender": T.EXCEPTION,
    "package_unclaimed": T.EXCEPTION,
    "package_undeliverable": T.EXCEPTION,
    "package_disposed": T.EXCEPTION,
    "package_lost": T.EXCEPTION,
    "other": None,
}
# Shippo's carrier tokens for the carriers orderwire names; any other is its code as it is.
CARRIERS = {
    "usps": "USPS",
    "ups": "UPS",
    "fedex": "FEDEX",
    "dhl_express": "DHL",
    "dhl_ecommerce": "DHL",
}


class Shippo:
    name = "shippo"
    max_age = MAX_AGE

    def authentic(self, secret: str, body: bytes, request: Request) -> bool:
        return hmac.compare_digest(secret.encode(), request.query_params.get(TOKEN, "").encode())

    def read(self, payload: Any) -> Delivery:
        if payload.get("event") != "track_updated":
            kind = payload.get("event")
            return Delivery(None, None, None, None, ignored=f"event {kind!r} is not read")
        track = payload["data"]
        name = str(track["carrier"])
        carrier = CARRIERS.get(name.lower()) or carrier_code(name)
        number = str(track["tracking_number"]).replace(" ", "").upper()
        delivery = Delivery(None, None, carrier, number, estimate=window_of(track.get("eta")))
        for step in track.get("tracking_history") or []:
            read = guarded("tracking history entry", partial(_checkpoint, step, delivery))
            delivery.checkpoints.append(read)
        return delivery


def tag_of(
    status: str, code: str | None, delivery: Delivery
) -> tuple[TrackingTag | None, str | None]:
    """The tag by the substatus code, else by the status; and the code no table knew."""
    if code in SUBSTATUSES:
        return SUBSTATUSES[code], None
    if code is not None:
        delivery.unknown.append(("substatus", code))
    if status not in STATUSES:
        raise ValidationFailed(
            f"Shippo status {status!r} is not one orderwire knows", field="status"
        )
    return STATUSES[status], code


def _checkpoint(step: Any, delivery: Delivery) -> Checkpoint:
    status = str(step["status"])
    substatus = step.get("substatus") or {}
    code = substatus.get("code")
    tag, unknown = tag_of(status, code, delivery)
    if tag is None:
        return Ignored(f"{code or status}: not a carrier scan")
    words = str(step.get("status_details") or substatus.get("text") or "")
    if unknown is not None:
        words = f"{words} (Shippo {unknown})"
    moment = parse_zoned(str(step["status_date"]), "status_date")
    return scan_of(delivery, tag, address_of(step.get("location")), moment, words)
