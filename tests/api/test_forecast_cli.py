"""`orderwire replay-gen` and `orderwire backtest` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).with_name("orderwire"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def test_a_generated_replay_backtests_as_json_and_as_a_table(tmp_path: Path) -> None:
    replay = tmp_path / "replay.jsonl"
    made = run("replay-gen", "--parcels", "1500", "--seed", "3", "--output", str(replay))
    assert made.returncode == 0, made.stderr
    lines = replay.read_text().splitlines()
    assert len(lines) == 1500
    assert json.loads(lines[0])["parcel"] == "p1"
    assert run("replay-gen", "--parcels", "1500", "--seed", "3").stdout.splitlines() == lines

    done = run("backtest", str(replay), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["parcels"] == 1500
    keys = {"onDay", "maeDays", "bandCoverage", "lateFlagged24h", "falseAlarm"}
    for name in ("predicted", "afterScans", "asDaysPass", "promise", "carrier"):
        assert set(figures[name]) == keys
        assert all(
            v is None or 0 <= v <= (30 if k == "maeDays" else 1) for k, v in figures[name].items()
        )
    assert figures["afterScans"]["maeDays"] < figures["promise"]["maeDays"]

    table = run("backtest", str(replay))
    assert table.returncode == 0
    assert "1500 parcels" in table.stdout
    assert "late parcels flagged 24 h ahead" in table.stdout


def test_a_bad_replay_is_refused_naming_its_line(tmp_path: Path) -> None:
    replay = tmp_path / "bad.jsonl"
    good = run("replay-gen", "--parcels", "2").stdout.splitlines()
    replay.write_text(
        good[0] + "\n\n" + good[1].replace('"tag": "IN_TRANSIT"', '"tag": "LOST"') + "\n"
    )
    done = run("backtest", str(replay), "--json")
    assert done.returncode == 2
    assert "line 3" in done.stderr
    assert done.stdout == ""
    missing = run("backtest", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2
    assert "none.jsonl" in missing.stderr
