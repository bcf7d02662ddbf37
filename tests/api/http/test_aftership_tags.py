"""AfterShip's vocabulary, every documented value: each delivery status and sub-status reads as
one of orderwire's tracking tags, or as AfterShip's bookkeeping (not a scan)."""

from __future__ import annotations

import pytest

from api.http.tracking_providers.aftership import SUBTAGS, TAGS, tag_of
from api.http.tracking_providers.receiver import Delivery
from domain.kernel.errors import ValidationFailed
from domain.kernel.shipping import TrackingTag as T

# AfterShip's documented sub-status codes (docs: Tracking, Delivery Sub-statuses), by status.
DOCUMENTED = {
    "Delivered": [f"Delivered_00{n}" for n in range(1, 6)],
    "AvailableForPickup": ["AvailableForPickup_001"],
    "Exception": [f"Exception_{n:03}" for n in (*range(1, 14), *range(16, 22))],
    "AttemptFail": [f"AttemptFail_00{n}" for n in range(1, 4)],
    "InTransit": [f"InTransit_00{n}" for n in range(1, 10)],
    "InfoReceived": ["InfoReceived_001"],
    "OutForDelivery": ["OutForDelivery_001", "OutForDelivery_003", "OutForDelivery_004"],
    "Pending": [f"Pending_00{n}" for n in range(1, 7)],
    "Expired": ["Expired_001"],
}


def test_every_documented_status_and_sub_status_has_its_row() -> None:
    assert set(TAGS) == set(DOCUMENTED)
    assert set(SUBTAGS) == {code for codes in DOCUMENTED.values() for code in codes}


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_a_sub_status_reads_as_its_status_but_an_appointment_is_not_out_for_delivery(
    status: str,
) -> None:
    for code in DOCUMENTED[status]:
        delivery = Delivery(None, None, "UPS", "1Z")
        tag, unknown = tag_of(status, code, delivery)
        expected = T.IN_TRANSIT if code == "OutForDelivery_004" else TAGS[status]
        assert (tag, unknown, delivery.unknown) == (expected, None, [])


def test_statuses_map_onto_orderwires_tags_and_bookkeeping_onto_nothing() -> None:
    assert TAGS == {
        "Pending": None,
        "InfoReceived": T.INFO_RECEIVED,
        "InTransit": T.IN_TRANSIT,
        "OutForDelivery": T.OUT_FOR_DELIVERY,
        "AttemptFail": T.ATTEMPT_FAIL,
        "Delivered": T.DELIVERED,
        "AvailableForPickup": T.AVAILABLE_FOR_PICKUP,
        "Exception": T.EXCEPTION,
        "Expired": None,
    }


def test_a_new_sub_status_is_read_under_its_status_and_noted() -> None:
    delivery = Delivery(None, None, "UPS", "1Z")
    assert tag_of(None, "Exception_014", delivery) == (T.EXCEPTION, "Exception_014")
    assert delivery.unknown == [("subtag", "Exception_014")]


def test_a_status_no_table_knows_is_refused_by_name() -> None:
    with pytest.raises(ValidationFailed, match="'Teleported'"):
        tag_of("Teleported", None, Delivery(None, None, "UPS", "1Z"))
