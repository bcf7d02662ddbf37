"""What the tests run beside Python (Chromium, redis-server, faketime, node and the npm files):
a missing one fails the run, never skips it, so green means every test ran. `make test`
installs them (the `tools` target, and `npm ci` for the npm files)."""

from __future__ import annotations

import pytest


def require_tool(present: bool, what: str) -> None:
    if not present:
        pytest.fail(f"{what} missing: `make test` installs it (see the Makefile's `tools`)")
