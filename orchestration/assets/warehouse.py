"""Group `warehouse`: every dbt model, snapshot and seed; dbt tests surface as asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from pydantic import Field

from orchestration.dbt_project import ensure_manifest, get_dbt_project
from orchestration.resources import WarehouseResource

DBT_PROJECT = get_dbt_project()
DBT_PROJECT.prepare_if_dev()  # under `dagster dev`: re-parse on reload
ensure_manifest(DBT_PROJECT)  # otherwise: parse once when missing or stale


class EcomDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the `raw` tables the load produces; every dbt node is in group `warehouse`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return (
            dbt_resource_props.get("description")
            or f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"
        )


class WarehouseBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False, description="rebuild incremental models from scratch"
    )


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    name="warehouse_dbt",
    dagster_dbt_translator=EcomDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_code_references=True)
    ),
)
def warehouse_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: WarehouseBuildConfig,
):
    """`dbt build` (models, snapshots, tests) for the selected models, with row counts."""
    from orchestration.dbt_metadata import load_manifest_nodes, with_row_counts
    from warehouse.connection import dbt_env

    url = warehouse.url()
    os.environ.update(dbt_env(url))
    args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
    nodes = load_manifest_nodes(DBT_PROJECT.manifest_path)
    yield from with_row_counts(dbt.cli(args, context=context).stream(), url, nodes)
