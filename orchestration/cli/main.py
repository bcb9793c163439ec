"""`ecom` — assembles the command groups. Each group lives in its own module and imports its
heavy dependencies lazily, so `ecom --help` stays fast."""

from __future__ import annotations

import typer

from orchestration.cli import contract, data, db, dbt, run, serve, sources

app = typer.Typer(
    name="ecom",
    help="E-commerce analytics & ML platform: generate, load, transform, train, serve.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(contract.app, name="contract")
app.add_typer(sources.app, name="source")
app.command("generate")(data.generate)
app.command("load")(data.load)
app.command(
    "dbt",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)(dbt.dbt)
app.command("run")(run.run)
app.add_typer(serve.app, name="serve")


if __name__ == "__main__":  # pragma: no cover
    app()
