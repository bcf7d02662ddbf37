"""The `orderwire` command: serve, notifier, seed, token, export-schema, backtest, replay-gen."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import tempfile
from collections import Counter
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from api.clock import system_now
from api.forecast_cli import backtest_command, replay_gen_command
from api.http.auth import mint_token
from api.settings import Settings, SettingsProblem, configure_logging, load_settings
from domain.kernel.identity import Actor, Role
from storage.embedded import EmbeddedMongo, EmbeddedServerError

app = typer.Typer(
    help="orderwire: GraphQL API for marketplace order updates.", no_args_is_help=True
)
log = logging.getLogger("orderwire")


def _settings(ephemeral: bool) -> Settings:
    """The settings, or a clear stop naming the setting that is wrong: nothing half-configured
    starts."""
    try:
        settings = load_settings()
    except SettingsProblem as problem:
        typer.secho(f"error: {problem}", err=True, fg="red")
        raise typer.Exit(code=2) from problem
    return settings.model_copy(update={"ephemeral": True}) if ephemeral else settings


def _start_embedded(settings: Settings) -> tuple[Settings, EmbeddedMongo | None]:
    """With no MONGODB_URI, start nx-27017 and point the settings at it; exit clearly if it fails."""
    if settings.mongodb_uri is not None:
        return settings, None
    embedded = EmbeddedMongo(settings.embedded_data_dir)
    try:
        uri = embedded.start()
    except EmbeddedServerError as error:
        typer.secho(f"error: cannot start the embedded MongoDB server: {error}", err=True, fg="red")
        raise typer.Exit(code=1) from error
    return settings.model_copy(update={"mongodb_uri": uri}), embedded


def _print_demo_tokens(settings: Settings) -> None:
    from api.demo import DEMO_ACTORS

    secret = settings.signing_secret()
    typer.echo("Demo tokens (valid 7 days); send as 'Authorization: Bearer <token>':")
    for actor in DEMO_ACTORS:
        token = mint_token(actor, secret, now=system_now(), ttl=timedelta(days=7))
        typer.echo(f"  {actor.role.value:<8} {actor.id:<16} {token}")


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [ORDERWIRE_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [ORDERWIRE_PORT].")] = None,
    demo: Annotated[bool, typer.Option(help="Load demo data if the database is empty.")] = False,
    ephemeral: Annotated[bool, typer.Option(help="Keep the embedded database in memory.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes serving the port [ORDERWIRE_WORKERS; default: cores]."),
    ] = None,
) -> None:
    """Run the API (GraphiQL at /graphql)."""
    from api.app import create_app

    settings = _settings(ephemeral)
    configure_logging(settings.log_level, settings.log_format)
    # uvicorn re-raises SIGTERM once it has shut down; as an exception it still lets the
    # `finally` below stop the embedded server (SIGINT already arrives as KeyboardInterrupt).
    signal.signal(signal.SIGTERM, _terminated)
    count = workers or settings.workers or os.cpu_count() or 1
    settings, embedded = _start_embedded(settings)
    try:
        if demo:
            _print_demo_tokens(settings)
        bind_host, bind_port = host or settings.host, port or settings.port
        typer.echo(f"GraphiQL: http://{bind_host}:{bind_port}/graphql")
        options: dict[str, Any] = {
            "ws_max_size": settings.ws_max_message_bytes,
            "host": bind_host,
            "port": bind_port,
            "log_level": settings.log_level.lower(),
            # Open requests get the stop's bound, then go (api/stopping.py).
            "timeout_graceful_shutdown": settings.shutdown_seconds,
        }
        if count == 1:
            uvicorn.run(create_app(settings, demo=demo), **options)
            return
        if demo:
            created = asyncio.run(_seed(settings))
            log.info("demo data: %s", f"{created} orders created" if created else "present")
            os.environ["ORDERWIRE_DEMO_USERS"] = "true"
        with tempfile.TemporaryDirectory(prefix="orderwire-") as scratch:
            _share_with_workers(settings, Path(scratch))
            log.info("%d workers on port %d", count, bind_port)
            uvicorn.run("api.app:from_environment", factory=True, workers=count, **options)
    finally:
        if embedded is not None:
            embedded.stop()


def _share_with_workers(settings: Settings, scratch: Path) -> None:
    """What every worker must agree on goes into the environment they inherit: the database,
    the signing secret, a broadcast channel that crosses processes and, beside it, the
    coordinator of their limits (their sockets in `scratch`, removed when the supervisor
    ends), and the directory where their metrics are added up."""
    assert settings.mongodb_uri is not None
    os.environ["MONGODB_URI"] = settings.mongodb_uri
    os.environ["JWT_SECRET"] = settings.signing_secret()
    metrics = scratch / "metrics"
    metrics.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    if settings.broadcast_url.startswith("memory:"):
        from api.serving.deployment import coordinator_path
        from api.serving.deployment.machine import start_coordinator
        from outbound.channels import start_local_relay

        path = scratch / "live.sock"
        start_local_relay(str(path))
        os.environ["BROADCAST_URL"] = url = f"unix://{path}"
        start_coordinator(
            coordinator_path(url),
            capacity=settings.rate_bucket_size,
            rate=settings.rate_points_per_second,
        )


async def _seed(settings: Settings) -> int:
    from api.demo import seed_demo
    from api.wiring import publishing
    from storage.ids import new_id
    from storage.repositories import Repositories

    # Running servers on the same broadcast channel see the demo orders arrive.
    async with publishing(settings) as (database, publisher, _):
        return await seed_demo(Repositories.on(database), new_id, publisher, now=system_now())


@app.command()
def seed() -> None:
    """Load the demo data into the configured database if it has no orders yet."""
    settings = _settings(ephemeral=False)
    configure_logging(settings.log_level, settings.log_format)
    settings, embedded = _start_embedded(settings)
    try:
        created = asyncio.run(_seed(settings))
    finally:
        if embedded is not None:
            embedded.stop()
    typer.echo(
        f"{created} demo orders created" if created else "orders exist already; nothing seeded"
    )


async def _watch(settings: Settings) -> Counter[str]:
    from api.background import MARKETPLACE, forecast_for
    from api.wiring import publishing, use_cases

    # Running servers on the same broadcast channel see the recorded events live.
    async with publishing(settings) as (database, publisher, _):
        learning = await forecast_for(database, settings, system_now)
        orders, *_ = use_cases(database, publisher, system_now, forecast=learning.forecast)
        recorded = await orders.watch_deadlines(MARKETPLACE, limit=100_000)
        await publisher.settle()
        return recorded


@app.command()
def watchdog() -> None:
    """Record every missed ship-by, stalled tracking and overdue delivery once, then exit.

    The server runs the same sweep every ORDERWIRE_WATCHDOG_SECONDS; this is for cron or a
    one-off check against the configured database.
    """
    settings = _settings(ephemeral=False)
    configure_logging(settings.log_level, settings.log_format)
    settings, embedded = _start_embedded(settings)
    try:
        recorded = asyncio.run(_watch(settings))
    finally:
        if embedded is not None:
            embedded.stop()
    if not recorded:
        typer.echo("watchdog: no deadline missed")
    for kind, count in sorted(recorded.items()):
        typer.echo(f"watchdog: {count} {kind}")


async def _notify(settings: Settings) -> None:
    from api.background import notifier_for
    from storage.database import open_database

    async with open_database(
        settings.mongodb_uri, settings.mongodb_db, data_dir=settings.embedded_data_dir
    ) as database:
        notifier = notifier_for(database, settings, system_now)
        try:
            await notifier.run(settings.notify_poll_seconds)
        finally:
            await notifier.close()


@app.command()
def notifier() -> None:
    """Run only the notifier (email, SMS, push) as its own process, until interrupted.

    Point it at the same MONGODB_URI as the API, and start the API with ORDERWIRE_NOTIFIER=false.
    """
    settings = _settings(ephemeral=False)
    configure_logging(settings.log_level, settings.log_format)
    if settings.mongodb_uri is None:
        typer.secho(
            "error: the notifier shares the API's database; set MONGODB_URI", err=True, fg="red"
        )
        raise typer.Exit(code=2)
    with suppress(KeyboardInterrupt):
        asyncio.run(_notify(settings))


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="The caller's id (a carrier's id is its carrier code).")],
    role: Annotated[
        Role, typer.Option(case_sensitive=False, help="BUYER, SELLER, OPERATOR or CARRIER.")
    ],
    ttl_hours: Annotated[float, typer.Option(help="Hours until it expires.")] = 24.0,
) -> None:
    """Mint a bearer token signed with JWT_SECRET (or the data directory's secret)."""
    secret = Settings().signing_secret()
    typer.echo(
        mint_token(Actor(sub, role), secret, now=system_now(), ttl=timedelta(hours=ttl_hours))
    )


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option(help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL) that `schema.graphql` must equal."""
    from api.graphql.schema import schema

    sdl = str(schema) + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl)


app.command("backtest")(backtest_command)
app.command("replay-gen")(replay_gen_command)


def main() -> None:
    app()
