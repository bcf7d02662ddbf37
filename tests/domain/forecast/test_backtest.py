"""The backtest replays parcels in time order and learns only from the past; its figures
stand beside the promise's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.forecast.backtest import backtest, replay
from domain.forecast.calendar import DeliveryCalendar
from domain.forecast.parcels import parcel_from_json, parcel_to_json
from domain.forecast.synthetic import synthetic_replay
from domain.kernel.errors import ValidationFailed

CALENDAR = DeliveryCalendar()


def test_no_prediction_looks_ahead() -> None:
    """Whatever happens to the parcels delivered after a moment, every prediction made
    before it stays the same: a replay that learned from the future would change."""
    parcels = list(synthetic_replay(600, days=60))
    cut = parcels[300].shipped_at
    future_changed = [
        p
        if p.delivered_at is None or p.delivered_at < cut
        else replace(p, delivered_at=p.delivered_at + timedelta(days=9))
        for p in parcels
    ]
    before = [m for m in replay(parcels, CALENDAR) if m.at < cut]
    again = [m for m in replay(future_changed, CALENDAR) if m.at < cut]
    assert len(before) > 1000
    assert before == again
    # And the future does count once it is the past: later predictions differ.
    after = [m for m in replay(parcels, CALENDAR) if m.at >= cut + timedelta(days=12)]
    later = [m for m in replay(future_changed, CALENDAR) if m.at >= cut + timedelta(days=12)]
    assert after != later


def test_the_figures_beat_the_promise_after_scans_and_say_so_as_json() -> None:
    report = backtest(list(synthetic_replay(4000, days=120)), CALENDAR)
    figures = report.as_json()
    assert set(figures) == {
        "parcels",
        "late",
        "predicted",
        "afterScans",
        "asDaysPass",
        "promise",
        "carrier",
    }
    keys = {"onDay", "maeDays", "bandCoverage", "lateFlagged24h", "falseAlarm"}
    for name in ("predicted", "afterScans", "asDaysPass", "promise", "carrier"):
        shown = figures[name]
        assert isinstance(shown, dict)
        assert set(shown) == keys
    assert figures["parcels"] == 4000
    assert report.after_scans.mae_days is not None
    assert report.promise.mae_days is not None
    assert report.after_scans.mae_days < 0.8 * report.promise.mae_days
    assert report.predicted.band_coverage == pytest.approx(0.8, abs=0.08)
    assert report.promise.late_flagged_24h == 0.0  # a promise never warns
    assert report.after_scans.late_flagged_24h is not None
    assert report.after_scans.late_flagged_24h > 0.3


def test_a_replay_line_round_trips_and_a_bad_one_is_named() -> None:
    parcel = next(iter(synthetic_replay(1)))
    assert parcel_from_json(parcel_to_json(parcel)) == parcel
    line = parcel_to_json(parcel)
    with pytest.raises(ValidationFailed, match="line 7: shippedAt") as missing:
        parcel_from_json({k: v for k, v in line.items() if k != "shippedAt"}, 7)
    assert missing.value.field == "shippedAt"
    with pytest.raises(ValidationFailed, match="line 3: deliveredAt"):
        parcel_from_json({**line, "deliveredAt": "yesterday"}, 3)
    with pytest.raises(ValidationFailed, match="line 2"):
        parcel_from_json({**line, "scans": [{"at": line["shippedAt"], "tag": "LOST"}]}, 2)
