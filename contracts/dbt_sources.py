"""Render the dbt sources file (`dbt_project/models/staging/shop/_shop__sources.yml`) from the
raw contract, so dbt sees exactly the tables and columns the loader creates.

`ecom contract dbt-sources --write` rewrites the file; a test asserts the committed file is
the rendering, so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from contracts.raw_tables import LOAD_METADATA_COLUMNS, PG_TYPES, TABLES, Table

SOURCES_PATH = "dbt_project/models/staging/shop/_shop__sources.yml"
SOURCE_NAME = "shop"
HEADER = (
    "# Generated from contracts/raw_tables.py by `ecom contract dbt-sources --write`: do not\n"
    "# edit by hand (tests/contracts checks this file equals the rendering).\n"
)
FRESHNESS = {
    "warn_after": {"count": 2, "period": "day"},
    "error_after": {"count": 7, "period": "day"},
}


def _table(table: Table) -> dict[str, Any]:
    columns: list[dict[str, Any]] = []
    for column in table.columns:
        entry: dict[str, Any] = {
            "name": column.name,
            "description": column.description,
            "data_type": PG_TYPES[column.type],
        }
        if column.pii:
            entry["meta"] = {"sensitive": True}
        columns.append(entry)
    columns += [
        {"name": name, "description": description}
        for name, _, description in LOAD_METADATA_COLUMNS
    ]
    description = table.description + (
        " Required in every batch." if table.required else " Optional."
    )
    return {"name": table.name, "description": description, "columns": columns}


def sources_document() -> dict[str, Any]:
    """The sources file as a dict (version 2, one source `shop` on the `raw` schema)."""
    return {
        "version": 2,
        "sources": [
            {
                "name": SOURCE_NAME,
                "schema": "raw",
                "description": "Raw e-commerce tables loaded by the warehouse loader from any "
                "source's batches (contracts/raw_tables.py is the contract). Rows accumulate "
                "across batches.",
                "config": {"freshness": FRESHNESS, "loaded_at_field": "_loaded_at"},
                "tables": [_table(t) for t in TABLES],
            }
        ],
    }


def render_sources_yaml() -> str:
    """The sources file's text: the header comment, then the document as YAML."""
    import yaml  # type: ignore[import-untyped]

    class _IndentedDumper(yaml.SafeDumper):
        """Lists indented under their key, as dbt's own examples write them."""

        def increase_indent(self, flow: bool = False, indentless: bool = False):
            return super().increase_indent(flow, False)

    body = yaml.dump(
        sources_document(),
        Dumper=_IndentedDumper,
        sort_keys=False,
        width=100,
        allow_unicode=True,
    )
    return HEADER + body
