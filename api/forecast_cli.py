"""`orderwire backtest` and `orderwire replay-gen`: the delivery forecast judged on a replay
of parcels (docs/predictions.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from domain.forecast.backtest import Figures, Report, backtest
from domain.forecast.parcels import ParcelHistory, parcel_from_json, parcel_to_json
from domain.forecast.synthetic import synthetic_replay
from domain.kernel.errors import ValidationFailed

_ROWS = (
    ("onDay", "delivered on the predicted day", True),
    ("maeDays", "mean absolute error, days", False),
    ("bandCoverage", "delivered within [earliest, latest]", True),
    ("lateFlagged24h", "late parcels flagged 24 h ahead", True),
    ("falseAlarm", "on-time parcels flagged", True),
)


def read_replay(path: Path) -> list[ParcelHistory]:
    """Every parcel of a replay file, one JSON object a line; blank lines skipped."""
    parcels = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValidationFailed(f"line {number}: not JSON ({error.msg})") from error
            if not isinstance(data, dict):
                raise ValidationFailed(f"line {number}: a parcel is a JSON object")
            parcels.append(parcel_from_json(data, number))
    return parcels


def backtest_command(
    file: Annotated[Path, typer.Argument(help="A replay: one parcel as JSON per line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay parcels in time order, predicting each as the server would have (learning only
    from parcels delivered before), and print how the predictions did beside the promise's
    and the carrier's estimate's."""
    from api.settings import SettingsProblem, load_settings

    try:
        calendar = load_settings().delivery_calendar()
        parcels = read_replay(file)
    except (OSError, ValidationFailed, SettingsProblem) as problem:
        typer.secho(f"error: {getattr(problem, 'message', problem)}", err=True, fg="red")
        raise typer.Exit(code=2) from problem
    report = backtest(parcels, calendar)
    if as_json:
        typer.echo(json.dumps(report.as_json()))
        return
    typer.echo(_table(report))


def _table(report: Report) -> str:
    columns: list[tuple[str, Figures | None]] = [
        ("at shipment", report.predicted),
        ("after scans", report.after_scans),
        ("as days pass", report.as_days_pass),
        ("promise", report.promise),
        ("carrier", report.carrier),
    ]
    lines = [
        f"{report.parcels} parcels, {report.late} late (delivered after the promise, or never)",
        f"{'':38}" + "".join(f"{name:>13}" for name, _ in columns),
    ]
    for key, label, share in _ROWS:
        cells = []
        for _, figures in columns:
            value = None if figures is None else figures.as_json()[key]
            cells.append(
                f"{'-':>13}"
                if value is None
                else (f"{value:>12.1%} " if share else f"{value:>12.2f} ")
            )
        lines.append(f"{label:38}" + "".join(cells))
    return "\n".join(lines)


def replay_gen_command(
    parcels: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many parcels.")] = 50_000,
    seed: Annotated[int, typer.Option(help="The same seed writes the same replay.")] = 7,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The file (default: standard output).")
    ] = None,
) -> None:
    """Write a SYNTHETIC replay (made-up lanes, weekday effects, a slow hub, a peak week; not
    carrier data) for `orderwire backtest`, tests and the demo."""
    lines = (json.dumps(parcel_to_json(p)) + "\n" for p in synthetic_replay(parcels, seed=seed))
    if output is None:
        sys.stdout.writelines(lines)
        return
    with output.open("w", encoding="utf-8") as out:
        out.writelines(lines)
    typer.echo(f"wrote {parcels} synthetic parcels to {output}", err=True)
