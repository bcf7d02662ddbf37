"""Schemathesis in GraphQL mode against the real server: no 5xx, no internal error.

`make test` runs a small number of generated operations; `make fuzz` runs the nightly 5,000.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.clock import system_now
from api.http.auth import mint_token
from api.settings import Settings
from domain.kernel.identity import Actor, Role
from storage.embedded import free_port

EXAMPLES = int(os.environ.get("ORDERWIRE_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def running(
    mongo_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings]]:
    """The app under uvicorn in a thread of its own, for schemathesis's blocking client."""
    conf = Settings(
        mongodb_uri=mongo_uri,
        mongodb_db="fuzz",
        data_dir=tmp_path_factory.mktemp("fuzz"),
        jwt_secret="fuzz-secret-of-at-least-thirty-two-bytes!",
        rate_bucket_size=10_000_000,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(conf, demo=True), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the fuzzed server did not start")
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}/graphql", conf
    server.should_exit = True
    thread.join(timeout=30)


@pytest.mark.slow
# The server runs in a thread of this process, and PyMongo draws every command's request id
# from the global `random`: a write the server finishes after answering (an outbox tick, a
# receipt) may land while Hypothesis draws the next case, which it reports as a strategy using
# `random`. The strategies here use none; the server's own use is not theirs.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
def test_no_server_errors_and_no_internal_errors(running: tuple[str, Settings]) -> None:
    url, conf = running
    api_schema = schemathesis.graphql.from_url(url)
    operations = [result.ok().as_strategy() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    token = mint_token(
        Actor("operator-olivia", Role.OPERATOR),
        conf.signing_secret(),
        now=system_now(),
        ttl=timedelta(hours=1),
    )
    seen: list[int] = []

    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(case=st.one_of(operations))
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        seen.append(response.status_code)
        assert response.status_code < 500, (case.body, response.text)
        errors = response.json().get("errors") or []
        internal = [e for e in errors if (e.get("extensions") or {}).get("code") == "INTERNAL"]
        assert internal == [], (case.body, internal)

    check()
    assert len(seen) >= min(EXAMPLES, 10)
