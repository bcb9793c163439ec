"""The dbt sources file is the rendering of the raw contract, so dbt and the loader agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from contracts.dbt_sources import SOURCES_PATH, render_sources_yaml
from contracts.raw_tables import LOAD_METADATA_COLUMNS, REQUIRED_TABLES, TABLES

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_committed_sources_file_is_the_rendering() -> None:
    committed = (REPO_ROOT / SOURCES_PATH).read_text()
    assert committed == render_sources_yaml(), (
        "the dbt sources file differs from the contract: run "
        "`ecom contract dbt-sources --write` and commit the result"
    )


def test_sources_mirror_the_contract() -> None:
    (source,) = yaml.safe_load(render_sources_yaml())["sources"]
    assert source["schema"] == "raw"
    metadata = [name for name, _, _ in LOAD_METADATA_COLUMNS]
    declared = {t["name"]: [c["name"] for c in t["columns"]] for t in source["tables"]}
    assert declared == {t.name: [*t.column_names, *metadata] for t in TABLES}
    pii = {(t.name, c.name) for t in TABLES for c in t.columns if c.pii}
    for table in source["tables"]:
        for column in table["columns"]:
            assert column.get("description"), (table["name"], column["name"])
            sensitive = bool(column.get("meta", {}).get("sensitive"))
            assert sensitive == ((table["name"], column["name"]) in pii)


def test_required_tables_are_the_design_minimum() -> None:
    assert set(REQUIRED_TABLES) == {"customers", "products", "orders", "order_items"}
