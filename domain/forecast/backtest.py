"""Predictions replayed in time order against what happened (`orderwire backtest`).

Each parcel is predicted as the server would have predicted it: at its shipment, after each
scan, and at the start of each day (where it goes) until it arrives, from the parcels
delivered before that moment only. A parcel is learned at its delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from domain.forecast.calendar import DeliveryCalendar, day_of, start_of, zone_of
from domain.forecast.parcels import ParcelHistory, Scan
from domain.forecast.predictor import Basis, Prediction, predict
from domain.forecast.tables import LaneTables, moving_scans

# A parcel whose on-time probability falls under this is at risk (the server's default).
AT_RISK_BELOW = 0.5
# How long before the promise ends a late parcel must be flagged to count as warned in time.
WARNED_AHEAD = timedelta(hours=24)


class Moment(Enum):
    SHIPPED = "SHIPPED"
    SCAN = "SCAN"
    DAY = "DAY"  # a new day began without a scan


@dataclass(frozen=True, slots=True)
class Made:
    """One prediction the server would have made."""

    parcel: str
    at: datetime
    moment: Moment
    prediction: Prediction | None


@dataclass(frozen=True, slots=True)
class Figures:
    """How one way of predicting did (shares from 0 to 1; None when nothing to count)."""

    on_day: float | None
    mae_days: float | None
    band_coverage: float | None
    late_flagged_24h: float | None
    false_alarm: float | None

    def as_json(self) -> dict[str, float | None]:
        return {
            "onDay": self.on_day,
            "maeDays": self.mae_days,
            "bandCoverage": self.band_coverage,
            "lateFlagged24h": self.late_flagged_24h,
            "falseAlarm": self.false_alarm,
        }


@dataclass(frozen=True, slots=True)
class Report:
    parcels: int
    late: int
    predicted: Figures  # at shipment
    after_scans: Figures  # revised after each scan (and, for flags, as days pass)
    as_days_pass: Figures  # revised at the start of each day without a scan
    promise: Figures
    carrier: Figures | None  # None when no parcel has a carrier estimate
    made: list[Made] = field(repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "parcels": self.parcels,
            "late": self.late,
            "predicted": self.predicted.as_json(),
            "afterScans": self.after_scans.as_json(),
            "asDaysPass": self.as_days_pass.as_json(),
            "promise": self.promise.as_json(),
            "carrier": None if self.carrier is None else self.carrier.as_json(),
        }


def replay(parcels: Iterable[ParcelHistory], calendar: DeliveryCalendar) -> list[Made]:
    """Every prediction, in time order, each from the parcels delivered before it."""
    tables = LaneTables(calendar)
    # (when, learn after predicting at the same instant, tie-break, parcel's turn, its scan)
    moments: list[tuple[datetime, int, int, int, Scan | None, Moment]] = []
    listed = list(parcels)
    for turn, parcel in enumerate(listed):
        end = parcel.delivered_at
        if end is not None:
            moments.append((end, 1, len(moments), turn, None, Moment.SHIPPED))
        moments.append((parcel.shipped_at, 0, len(moments), turn, None, Moment.SHIPPED))
        for seen in moving_scans(parcel.scans):
            if end is None or seen.at < end:
                moments.append((seen.at, 0, len(moments), turn, seen, Moment.SCAN))
        where = zone_of(parcel.destination.country_code, parcel.destination.region)
        last = end or (parcel.promised_by or parcel.shipped_at) + timedelta(days=7)
        day = day_of(parcel.shipped_at, where) + timedelta(days=1)
        while (start := start_of(day, where)) < last:
            moments.append((start, 0, len(moments), turn, None, Moment.DAY))
            day += timedelta(days=1)
    moments.sort()
    made: list[Made] = []
    latest: dict[int, Scan] = {}
    for at, learn, _, turn, scan, moment in moments:
        parcel = listed[turn]
        if learn:
            tables.learn(parcel)
            continue
        if scan is not None:
            latest[turn] = scan
        now = parcel.seen(latest.get(turn))
        made.append(Made(parcel.parcel, at, moment, predict(tables, now, at)))
    return made


def backtest(parcels: list[ParcelHistory], calendar: DeliveryCalendar) -> Report:
    """The figures of the predictions at shipment and after scans, beside the promise's and
    the carrier estimate's, over the parcels that carry a promise."""
    made = replay(parcels, calendar)
    by_parcel: dict[str, list[Made]] = {}
    for one in made:
        by_parcel.setdefault(one.parcel, []).append(one)
    promised = [p for p in parcels if p.promised_by is not None]
    at_shipment: dict[str, list[Made]] = {}
    after_scans: dict[str, list[Made]] = {}
    days: dict[str, list[Made]] = {}
    for parcel in promised:
        mine = by_parcel.get(parcel.parcel, [])
        at_shipment[parcel.parcel] = [m for m in mine if m.moment is Moment.SHIPPED][:1]
        after_scans[parcel.parcel] = [m for m in mine if m.moment is Moment.SCAN]
        days[parcel.parcel] = [m for m in mine if m.moment is Moment.DAY]
    estimated = [p for p in promised if p.carrier_estimate is not None]
    return Report(
        parcels=len(parcels),
        late=sum(_late(p) for p in promised),
        predicted=_figures(promised, at_shipment, at_shipment),
        after_scans=_figures(promised, after_scans, by_parcel),
        as_days_pass=_figures(promised, days, days),
        promise=_figures(promised, _fixed(promised, _promise_of), {}),
        carrier=_figures(estimated, _fixed(estimated, _estimate_of), {}, flag_late=True)
        if estimated
        else None,
        made=made,
    )


def _late(parcel: ParcelHistory) -> bool:
    assert parcel.promised_by is not None
    return parcel.delivered_at is None or parcel.delivered_at > parcel.promised_by


def _zone_of(parcel: ParcelHistory) -> ZoneInfo:
    return zone_of(parcel.destination.country_code, parcel.destination.region)


def _promise_day(parcel: ParcelHistory) -> date:
    assert parcel.promised_by is not None
    return day_of(parcel.promised_by, _zone_of(parcel))


def _promise_of(parcel: ParcelHistory) -> Prediction:
    """The promise as a prediction: that day, within [the ship day, that day]."""
    day = _promise_day(parcel)
    shipped = day_of(parcel.shipped_at, _zone_of(parcel))
    return Prediction(day, min(shipped, day), day, None, Basis.PROMISE, 0, parcel.shipped_at)


def _estimate_of(parcel: ParcelHistory) -> Prediction:
    """The carrier's estimate as a prediction; it warns when it falls past the promise."""
    day = parcel.carrier_estimate
    assert day is not None
    on_time = 1.0 if day <= _promise_day(parcel) else 0.0
    return Prediction(day, day, day, on_time, Basis.CARRIER_ESTIMATE, 0, parcel.shipped_at)


def _fixed(
    parcels: list[ParcelHistory], made: Callable[[ParcelHistory], Prediction]
) -> dict[str, list[Made]]:
    return {p.parcel: [Made(p.parcel, p.shipped_at, Moment.SHIPPED, made(p))] for p in parcels}


def _figures(
    parcels: list[ParcelHistory],
    judged: dict[str, list[Made]],
    flagging: dict[str, list[Made]],
    *,
    flag_late: bool = False,
) -> Figures:
    """Accuracy over the `judged` predictions of delivered parcels; warnings over `flagging`
    (or `judged` when `flag_late`) made at least WARNED_AHEAD before the promise ended."""
    hits = errors = inside = count = 0
    late = flagged_late = on_time = flagged_on_time = 0
    for parcel in parcels:
        where = _zone_of(parcel)
        if parcel.delivered_at is not None:
            actual = day_of(parcel.delivered_at, where)
            for one in judged.get(parcel.parcel, []):
                if one.prediction is None:
                    continue
                guess = one.prediction
                count += 1
                hits += guess.date == actual
                errors += abs((guess.date - actual).days)
                inside += guess.earliest <= actual <= guess.latest
        assert parcel.promised_by is not None
        deadline = parcel.promised_by - WARNED_AHEAD
        warnings = (judged if flag_late else flagging).get(parcel.parcel, [])
        warned = any(
            m.at <= deadline
            and m.prediction is not None
            and m.prediction.on_time_probability is not None
            and m.prediction.on_time_probability < AT_RISK_BELOW
            for m in warnings
        )
        if _late(parcel):
            late += 1
            flagged_late += warned
        else:
            on_time += 1
            flagged_on_time += warned
    return Figures(
        on_day=hits / count if count else None,
        mae_days=errors / count if count else None,
        band_coverage=inside / count if count else None,
        late_flagged_24h=flagged_late / late if late else None,
        false_alarm=flagged_on_time / on_time if on_time else None,
    )
