"""`ecom contract`: print the platform's data contracts, or regenerate the files made from them."""

from __future__ import annotations

import typer

app = typer.Typer(help="The data contracts: raw source tables and ML output tables.")


@app.command("dbt-sources")
def dbt_sources(
    write: bool = typer.Option(
        False, help="rewrite dbt_project/.../_shop__sources.yml instead of printing it"
    ),
) -> None:
    """The dbt sources file rendered from the raw contract."""
    from contracts.dbt_sources import SOURCES_PATH, render_sources_yaml
    from orchestration.paths import REPO_ROOT

    text = render_sources_yaml()
    if write:
        path = REPO_ROOT / SOURCES_PATH
        path.write_text(text)
        typer.echo(f"wrote {path}")
    else:
        typer.echo(text, nl=False)


@app.command("tables")
def tables() -> None:
    """One line per contract table: raw source tables (required or optional) and ML outputs."""
    from contracts.ml_outputs import OUTPUT_TABLES
    from contracts.raw_tables import TABLES

    for t in TABLES:
        kind = "required" if t.required else "optional"
        typer.echo(
            f"raw.{t.name:<20} {kind:<9} key {t.primary_key:<16} {len(t.columns)} columns"
        )
    for o in OUTPUT_TABLES:
        key = ", ".join(o.primary_key) or "-"
        typer.echo(
            f"{o.qualified_name:<24} output    key {key:<16} {len(o.columns)} columns"
        )


@app.command("json-schema")
def json_schema(
    table: str | None = typer.Option(
        None, help="print only this table's row schema (default: the whole contract)"
    ),
) -> None:
    """The source contract as JSON Schema: manifest.json, and one row schema per table."""
    import json

    from contracts.json_schema import row_schema, source_contract_schema
    from contracts.raw_tables import TABLES_BY_NAME

    if table is not None and table not in TABLES_BY_NAME:
        typer.echo(
            f"unknown table {table!r}; the contract's tables: {', '.join(TABLES_BY_NAME)}",
            err=True,
        )
        raise typer.Exit(2)
    schema = (
        source_contract_schema() if table is None else row_schema(TABLES_BY_NAME[table])
    )
    typer.echo(json.dumps(schema, indent=2))
