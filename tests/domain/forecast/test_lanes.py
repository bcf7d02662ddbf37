"""The lane statistics on small hand-made lanes whose answers are known: the calendar, the
percentiles, the back-off to coarser lanes, the silence of a parcel."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.forecast.calendar import DeliveryCalendar, zone_of
from domain.forecast.parcels import ParcelHistory, ParcelNow, Place, Scan
from domain.forecast.predictor import Basis, Forecaster
from domain.forecast.tables import MIN_SAMPLES, Histogram
from domain.kernel.shipping import TrackingTag

NV, NY, TX = Place("NV", "US"), Place("NY", "US"), Place("TX", "US")
MONDAY = date(2026, 3, 2)  # delivered to New York: 5 hours behind UTC in March


def at(day: date, hour: int, place: Place = NY) -> datetime:
    """`hour` o'clock on `day` where `place` is."""
    zone = zone_of(place.country_code, place.region)
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)


def parcel(
    name: str,
    days_late: int,
    *,
    shipped: date = MONDAY,
    origin: Place = NV,
    carrier: str = "UPS",
    scans: tuple[Scan, ...] = (),
) -> ParcelHistory:
    """A parcel shipped at 10:00 and delivered at 14:00 `days_late` calendar days after."""
    return ParcelHistory(
        parcel=name,
        carrier=carrier,
        service="Ground",
        origin=origin,
        destination=NY,
        shipped_at=at(shipped, 10, origin),
        promised_by=at(shipped + timedelta(days=4), 23),
        carrier_estimate=None,
        scans=scans,
        delivered_at=at(shipped + timedelta(days=days_late), 14),
    )


def now_of(history: ParcelHistory, last_scan: Scan | None = None) -> ParcelNow:
    return history.seen(last_scan)


def test_the_calendar_counts_delivery_days_past_weekends_and_holidays() -> None:
    calendar = DeliveryCalendar.of(holidays={"UPS": [date(2026, 3, 9)], "*": [date(2026, 12, 25)]})
    friday = date(2026, 3, 6)
    assert calendar.count("UPS", friday, date(2026, 3, 10)) == 1  # Sat, Sun, the holiday: none
    assert calendar.after("UPS", friday, 1) == date(2026, 3, 10)
    assert calendar.after("USPS", friday, 1) == date(2026, 3, 7)  # USPS delivers on Saturdays
    assert calendar.after("USPS", friday, 2) == date(2026, 3, 9)  # not UPS's holiday
    assert not calendar.delivers("FEDEX", date(2026, 12, 25))  # everyone's
    assert calendar.count("UPS", date(2026, 3, 10), friday) == -1


def test_a_band_holds_about_eight_in_ten_and_the_day_is_the_most_likely() -> None:
    histogram = Histogram()
    for days, count in ((2, 10), (3, 60), (4, 20), (5, 10)):
        for _ in range(count):
            histogram.add(gap=0, days=days)
    tail = histogram.tail(0, 0)
    assert tail is not None
    assert tail.most_likely() == 3
    assert tail.band() == (3, 4)  # 10 % arrive before, 10 % after
    assert tail.share_by(3) == pytest.approx(0.7)
    later = histogram.tail(4, 0)  # not there by the fourth day: four or five
    assert later is not None
    assert (later.total, later.most_likely()) == (30, 4)


def test_a_thin_lane_backs_off_to_its_carrier_and_service() -> None:
    forecast = Forecaster(DeliveryCalendar())
    # Plenty from Texas in 2 days; from Nevada too few to stand alone.
    forecast.learn(parcel(f"tx{n}", 2, origin=TX) for n in range(MIN_SAMPLES))
    forecast.learn(parcel(f"nv{n}", 4) for n in range(MIN_SAMPLES - 1))
    thin = forecast.predict(now_of(parcel("new", 4)), at(MONDAY, 11))
    assert thin is not None
    assert thin.basis is Basis.LANE
    assert thin.sample_size == 2 * MIN_SAMPLES - 1  # the lanes of UPS Ground to New York
    forecast.learn([parcel("nv-last", 4)])
    own = forecast.predict(now_of(parcel("new", 4)), at(MONDAY, 11))
    assert own is not None
    assert (own.date, own.sample_size) == (MONDAY + timedelta(days=4), MIN_SAMPLES)
    assert own.on_time_probability == 1.0  # promised by Friday, always there Friday


def test_with_no_lane_the_carrier_estimate_then_the_promise_stand_in() -> None:
    forecast = Forecaster(DeliveryCalendar())
    alone = parcel("p", 3)
    guess = forecast.predict(now_of(alone), at(MONDAY, 11))
    assert guess is not None
    assert (guess.basis, guess.date, guess.on_time_probability) == (
        Basis.PROMISE,
        MONDAY + timedelta(days=4),
        None,
    )
    estimated = replace(now_of(alone), carrier_estimate=date(2026, 3, 5))
    guess = forecast.predict(estimated, at(MONDAY, 11))
    assert guess is not None
    assert (guess.basis, guess.date, guess.earliest, guess.latest) == (
        Basis.CARRIER_ESTIMATE,
        date(2026, 3, 5),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )


def test_each_scan_revises_the_prediction_by_where_the_parcel_was_seen() -> None:
    """Half the parcels pass Memphis and lose two days there; a scan at Memphis says so."""
    forecast = Forecaster(DeliveryCalendar())
    fast: list[ParcelHistory] = []
    slow: list[ParcelHistory] = []
    for n in range(40):
        via = "Memphis" if n % 2 else "Columbus"
        late = 7 if n % 2 else 3  # the Monday after, or Thursday
        scans = (Scan(at(MONDAY + timedelta(days=1), 9), TrackingTag.IN_TRANSIT, via, "TN"),)
        (slow if n % 2 else fast).append(parcel(f"p{n}", late, scans=scans))
    forecast.learn(fast + slow)
    shipped = parcel("new", 0)
    at_shipment = forecast.predict(now_of(shipped), at(MONDAY, 11))
    assert at_shipment is not None
    assert at_shipment.earliest < at_shipment.latest
    seen = {}
    for via in ("Columbus", "Memphis"):
        scan = Scan(at(MONDAY + timedelta(days=1), 9), TrackingTag.IN_TRANSIT, via, "TN")
        guess = forecast.predict(now_of(shipped, scan), scan.at)
        assert guess is not None
        seen[via] = guess
        assert guess.revised_at == scan.at
    assert seen["Columbus"].date == MONDAY + timedelta(days=3)
    assert seen["Memphis"].date == MONDAY + timedelta(days=7)  # past Friday's promise
    assert seen["Columbus"].on_time_probability == 1.0
    assert seen["Memphis"].on_time_probability == 0.0


def test_a_silence_past_the_usual_gap_is_read_as_the_parcels_that_were_as_silent() -> None:
    """Most parcels are scanned again the next day; the few not scanned for three days
    arrived late. A parcel silent three days is predicted as those were."""
    forecast = Forecaster(DeliveryCalendar())
    first = Scan(at(MONDAY, 20), TrackingTag.IN_TRANSIT, "Reno", "NV")
    for n in range(40):
        silent = n % 4 == 0
        next_day = MONDAY + timedelta(days=4 if silent else 1)
        scans = (first, Scan(at(next_day, 9), TrackingTag.IN_TRANSIT, "Columbus", "OH"))
        forecast.learn([parcel(f"p{n}", 8 if silent else 3, scans=scans)])
    shipped = parcel("new", 0)
    right_after = forecast.predict(now_of(shipped, first), first.at)
    three_days_on = forecast.predict(now_of(shipped, first), at(MONDAY + timedelta(days=3), 0))
    assert right_after is not None
    assert three_days_on is not None
    assert right_after.date == MONDAY + timedelta(days=3)
    assert three_days_on.date == MONDAY + timedelta(days=8)  # the Tuesday after
    assert three_days_on.on_time_probability == 0.0
    assert three_days_on.revised_at == at(MONDAY + timedelta(days=3), 0)


def test_a_service_may_deliver_on_days_its_carrier_does_not() -> None:
    calendar = DeliveryCalendar.of(
        weekdays={"UPS/Next Day Air Saturday": range(6)}, holidays={"UPS": [date(2026, 3, 14)]}
    )
    friday, saturday = date(2026, 3, 6), date(2026, 3, 7)
    assert calendar.after("UPS/Ground", friday, 1) == date(2026, 3, 9)
    assert calendar.after("UPS/Next Day Air Saturday", friday, 1) == saturday
    assert not calendar.delivers("UPS/Next Day Air Saturday", date(2026, 3, 14))  # UPS's holiday
