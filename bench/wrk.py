"""HTTP load from `wrk`, a C load generator in its own process: the server sets the pace.

Each run writes a small Lua script: the request (optionally numbered, so every request names
another order), a check of every response (status 200 and an expected piece of the body),
and a JSON summary that this module reads back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SETTLE_SECONDS = 0.5


@dataclass(frozen=True)
class Load:
    """The load generator's settings, printed with the table."""

    threads: int = 1
    connections: int = 8
    seconds: float = 8.0
    rounds: int = 2  # measured runs per side, alternating; 1 with no warm-up proves it runs

    def describe(self) -> str:
        return (
            f"wrk {self.threads} thread, {self.connections} connections, {self.seconds:g} s"
            f" x {self.rounds}"
        )


@dataclass(frozen=True)
class Target:
    """One kind of request. In a `numbered` target, `@N@` in the path and body becomes
    `first`, `first + 1`, … (zero-padded to 9 digits); `limit` says how many exist, and a run
    that would need more fails (its answers for missing orders are not the expected ones)."""

    path: str
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: str = '"data"'  # every answer holds this, or counts as failed
    refuse: str = '"errors":[{'  # no answer holds this
    first: int | None = None
    limit: int = 0
    # With `cycle`, numbers wrap: `@N@` is n % cycle, `@N<k>@` is (n * stride + k) % cycle
    # (k from 0 to stride - 1: one request naming `stride` objects), and `@R@` is n itself.
    cycle: int = 0
    stride: int = 1


@dataclass(frozen=True)
class Measured:
    rps: float
    requests: int
    failed: int
    p50_ms: float
    p99_ms: float
    cpu_us: dict[str, float]  # CPU per request of each weighed process (server, database)


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def script(target: Target) -> str:
    headers = "\n".join(
        f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in target.headers.items()
    )
    body = "nil" if target.body is None else _lua_string(target.body)
    numbered = target.first is not None
    return f"""
wrk.method = {_lua_string(target.method)}
{headers}
local path, body = {_lua_string(target.path)}, {body}
local numbered, n, last = {str(numbered).lower()}, {target.first or 0}, {(target.first or 0) + target.limit}
local cycle, stride = {target.cycle}, {target.stride}
local expect, refuse = {_lua_string(target.expect)}, {_lua_string(target.refuse)}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) failed = 0; sample = "" end
function request()
  if not numbered then return wrk.format(nil, path, nil, body) end
  local raw = n
  n = n + 1
  local function named(k)
    local m = raw
    if cycle > 0 then m = (raw * stride + (tonumber(k) or 0)) % cycle end
    return string.format("%09d", m)
  end
  local function fill(text)
    return (text:gsub("@R@", tostring(raw)):gsub("@N(%d*)@", named))
  end
  local b = body and fill(body) or nil
  return wrk.format(nil, fill(path), nil, b)
end
function response(status, headers, answer)
  local ok = status == 200 and answer:find(expect, 1, true) and not answer:find(refuse, 1, true)
  if not ok then
    failed = failed + 1
    if sample == "" then sample = status .. " " .. answer:sub(1, 300) end
  end
end
function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("failed")
    if first == "" then first = t:get("sample") end
  end
  local errors = summary.errors
  bad = bad + errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    "WRK_JSON {{\\"requests\\": %d, \\"seconds\\": %f, \\"failed\\": %d, \\"p50\\": %d, \\"p99\\": %d}}\\n",
    summary.requests, summary.duration / 1e6, bad, latency:percentile(50), latency:percentile(99)))
  if first ~= "" then io.write("WRK_SAMPLE " .. first .. "\\n") end
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(base_url: str, target: Target, load: Load, weigh: dict[str, int] | None = None) -> Measured:
    """One wrk run against `base_url`; fails loudly when any answer was not the expected one.
    `weigh` names processes (by pid) whose CPU per request is reported."""
    weigh = weigh or {}
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "load.lua"
        lua.write_text(script(target))
        seconds = max(1, round(load.seconds))
        before = {name: cpu_seconds(pid) for name, pid in weigh.items()}
        done = subprocess.run(
            [
                "wrk",
                f"-t{load.threads}",
                f"-c{load.connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(lua),
                base_url + target.path.replace("@N@", "0"),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
        used = {name: cpu_seconds(pid) - before[name] for name, pid in weigh.items()}
    # Requests still in flight when wrk stops finish before anything else is measured.
    time.sleep(SETTLE_SECONDS)
    lines = done.stdout.splitlines()
    summary = json.loads(next(line for line in lines if line.startswith("WRK_JSON "))[9:])
    if summary["failed"]:
        sample = next((line for line in lines if line.startswith("WRK_SAMPLE ")), "")
        raise RuntimeError(
            f"{summary['failed']} of {summary['requests']} answers to {target.path} "
            f"were not the expected ones: {sample}"
        )
    requests = max(1, summary["requests"])
    return Measured(
        rps=summary["requests"] / summary["seconds"],
        requests=summary["requests"],
        failed=summary["failed"],
        p50_ms=summary["p50"] / 1000,
        p99_ms=summary["p99"] / 1000,
        cpu_us={name: round(seconds * 1e6 / requests) for name, seconds in used.items()},
    )


def alternate(
    base_url: str, sides: dict[str, Target], load: Load, weigh: dict[str, int] | None = None
) -> dict[str, Measured]:
    """Each side measured twice, in turn (a, b, c, a, b, c) after a short warm-up of each, so
    that drift on the machine hits every side alike; the better run of each side."""
    if load.rounds > 1:
        warm = Load(load.threads, load.connections, min(2.0, load.seconds))
        for target in sides.values():
            run(base_url, target, warm)
    best: dict[str, Measured] = {}
    for _ in range(load.rounds):
        for name, target in sides.items():
            measured = run(base_url, target, load, weigh)
            if name not in best or measured.rps > best[name].rps:
                best[name] = measured
    return best


def cpu_seconds(pid: int) -> float:
    """User plus system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
