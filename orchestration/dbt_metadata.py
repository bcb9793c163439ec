"""Row counts for dbt-built tables, queried by schema-qualified name.

dagster-dbt's own `fetch_row_counts()` uses the manifest's database-qualified relation names,
which point at the database the manifest was parsed for; counting by `schema.table` works for
whichever database the run targets (embedded `ecom` or any server database).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

_COUNTED = {"table", "incremental", "snapshot", "seed"}


def load_manifest_nodes(manifest_path: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads(manifest_path.read_text())
    return {**manifest.get("nodes", {}), **manifest.get("snapshots", {})}


def with_row_counts(
    events: Iterable[Any], url: str, nodes: dict[str, dict[str, Any]]
) -> Iterator[Any]:
    """Pass dbt events through, adding `dagster/row_count` to materializations of tables."""
    with psycopg.connect(url, autocommit=True) as conn:
        for event in events:
            if isinstance(event, dg.Output | dg.AssetMaterialization):
                node = nodes.get(_unique_id(event.metadata.get("unique_id")))
                if node and node.get("config", {}).get("materialized") in _COUNTED:
                    count = _count(
                        conn, node["schema"], node.get("alias") or node["name"]
                    )
                    if count is not None:
                        event = event.with_metadata(
                            {
                                **event.metadata,
                                "dagster/row_count": dg.MetadataValue.int(count),
                            }
                        )
            yield event


def _unique_id(raw: Any) -> str:
    value = raw.value if isinstance(raw, dg.MetadataValue) else raw
    return str(value or "")


def _count(conn: psycopg.Connection, schema: str, table: str) -> int | None:
    try:
        row = conn.execute(
            sql.SQL("select count(*) from {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None
