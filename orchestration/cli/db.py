"""`ecom db ...`: the warehouse server (embedded by default, or ECOM_DATABASE_URL)."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Annotated, Literal

import typer

app = typer.Typer(
    help="Start, stop and inspect the warehouse database.", no_args_is_help=True
)


ROLE_HELP = (
    "transformer (writes: loader, dbt, ML), reader (read-only: API, BI app) or admin "
    "(the embedded superuser; creates databases)"
)


@app.command()
def up() -> None:
    """Start the embedded PostgreSQL if needed and print the warehouse URL (transformer role).

    A postmaster.pid left by a server that died (kill -9, a crash) is removed first, with a
    message on stderr.
    """
    from warehouse import embedded
    from warehouse.connection import database_url
    from warehouse.settings import get_settings

    settings = get_settings()
    if settings.is_embedded and not embedded.status(settings.pgdata).running:
        for message in embedded.recover_stale_lock(settings.pgdata):
            typer.echo(message, err=True)
    typer.echo(database_url(start=True))


@app.command()
def url(
    role: Annotated[
        Literal["transformer", "reader", "admin"], typer.Option(help=ROLE_HELP)
    ] = "transformer",
) -> None:
    """Print the warehouse URL (starts nothing; fails if the embedded server is down)."""
    from warehouse.connection import database_url

    try:
        typer.echo(database_url(start=False, role=role))
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@app.command()
def status() -> None:
    """Show which warehouse is configured and whether it is reachable."""
    import psycopg

    from warehouse import embedded
    from warehouse.settings import get_settings

    settings = get_settings()
    if not settings.is_embedded:
        target = settings.database_url or ""
        try:
            with psycopg.connect(target, connect_timeout=5) as conn:
                version = conn.execute("show server_version").fetchone()
            typer.echo(
                f"mode: server\nurl: {target}\nreachable: yes (PostgreSQL {version[0] if version else '?'})"
            )
        except psycopg.OperationalError as exc:
            typer.echo(f"mode: server\nurl: {target}\nreachable: no ({exc})")
            raise typer.Exit(1) from None
        return
    st = embedded.status(settings.pgdata)
    typer.echo(f"mode: embedded\ndata dir: {st.pgdata}")
    if st.running:
        typer.echo(
            f"running: yes (pid {st.pid})\nurl: {st.url(settings.embedded_database)}"
        )
    else:
        typer.echo("running: no (start it with `ecom db up`)")
        raise typer.Exit(3)


@app.command()
def down() -> None:
    """Stop the embedded PostgreSQL (its data stays in the data dir)."""
    from warehouse import embedded
    from warehouse.settings import get_settings

    settings = get_settings()
    if not settings.is_embedded:
        typer.echo("ECOM_DATABASE_URL is set: nothing embedded to stop.")
        return
    typer.echo("stopped" if embedded.stop(settings.pgdata) else "not running")


@app.command()
def env() -> None:
    """Print shell exports for dbt and tools: `eval "$(ecom db env)"`."""
    from warehouse.connection import database_url, dbt_env

    target = database_url(start=True)
    for key, value in dbt_env(target).items():
        typer.echo(f"export {key}={shlex.quote(value)}")


@app.command()
def psql() -> None:
    """Open psql on the warehouse (the client that ships with the embedded server)."""
    from warehouse.connection import database_url
    from warehouse.embedded import psql_binary

    binary = str(psql_binary())
    sys.stdout.flush()
    os.execv(binary, [binary, database_url(start=True)])
