"""Group `raw`: generated batch files (landing) and the raw schema tables (the load)."""

from typing import Literal

import dagster as dg
import psycopg
from pydantic import Field

from contracts.raw_tables import TABLES
from orchestration import steps
from orchestration.resources import WarehouseResource

OWNER = "team:data-platform"


class LandingConfig(dg.Config):
    mode: Literal["initial", "next_day"] = Field(
        default="initial",
        description="initial: the source's history batch; next_day: the generator's next "
        "increment after the latest batch",
    )
    source: str = Field(
        default="generator",
        description="where the initial batch comes from: 'generator', 'completejourney', "
        "a directory holding a batch, or an s3:// URL of one",
    )
    scale: float = Field(
        default=0.05, description="generator scale (1.0 ≈ 100k customers)"
    )
    seed: int = Field(
        default=42, description="generator seed; subsample seed for completejourney"
    )
    households: int | None = Field(
        default=None,
        description="completejourney only: a deterministic subsample of this many "
        "households (default: all)",
    )
    days: int = Field(default=1, description="days per increment in next_day mode")
    inject_faults: list[str] = Field(
        default_factory=list,
        description="fault classes to plant (to demonstrate the quality gates)",
    )


def landing_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", table])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


@dg.multi_asset(
    name="landed_batch",
    specs=[
        dg.AssetSpec(
            landing_key(t.name),
            group_name="raw",
            description=f"The `{t.name}` file of the latest batch in the landing directory "
            f"({'required' if t.required else 'optional'}). {t.description}",
            kinds={"csv", "parquet"},
            owners=[OWNER],
        )
        for t in TABLES
    ],
)
def landed_batch(context: dg.AssetExecutionContext, config: LandingConfig):
    """The latest batch in the landing directory: one CSV or Parquet file per table plus its
    manifest, from the configured source (the generator, The Complete Journey, a directory
    or an S3 URL)."""
    from contracts.manifest import read_manifest
    from orchestration import landing_sources

    if config.mode == "initial":
        batch_dir = landing_sources.land_initial(
            config.source,
            scale=config.scale,
            seed=config.seed,
            households=config.households,
            faults=config.inject_faults,
        )
    elif config.source != landing_sources.GENERATOR:
        raise landing_sources.SourceError(
            f"mode next_day generates the next increment; source {config.source!r} "
            "delivers its increments as new batches in the landing directory "
            "(job load_landed_batches)"
        )
    else:
        batch_dir = steps.land_next_batch(config.days, config.inject_faults)
    manifest = read_manifest(batch_dir).raw
    context.log.info(
        "landed batch %s from %s in %s",
        manifest["batch_id"],
        landing_sources.describe(config.source),
        batch_dir,
    )
    for t in TABLES:
        if t.name not in manifest["tables"]:
            # an optional table this source does not deliver: said so, not a silent zero
            yield dg.MaterializeResult(
                asset_key=landing_key(t.name),
                metadata={
                    "delivered": False,
                    "batch_id": manifest["batch_id"],
                    "note": f"batch {manifest['batch_id']} has no {t.name} file (an optional "
                    f"table): raw.{t.name} keeps what earlier batches loaded, if any",
                },
            )
            continue
        info = manifest["tables"][t.name]
        path = batch_dir / info["file"]
        yield dg.MaterializeResult(
            asset_key=landing_key(t.name),
            metadata={
                "delivered": True,
                "dagster/row_count": dg.MetadataValue.int(info["rows"]),
                "bytes": dg.MetadataValue.int(path.stat().st_size),
                "path": dg.MetadataValue.path(str(path)),
                "batch_id": manifest["batch_id"],
                "sha256": info["sha256"],
                "preview": dg.MetadataValue.md(steps.file_preview_markdown(path)),
            },
        )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "raw_expectations",
            asset=landing_key(t.name),
            blocking=True,
            description=f"contract checks for {t.name} in the batch's audit area: columns, "
            "types, required values, keys, foreign keys, ranges, allowed values",
        )
        for t in TABLES
    ],
)
def raw_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
):
    """Blocking: a failing suite stops the load and everything downstream.

    Validates every landed batch the load would pick up (or the latest one when all are loaded).
    """
    from warehouse.raw_validation import validate_batch

    batches = steps.batches_to_validate(warehouse.url())  # landed, not yet loaded
    url = warehouse.url()
    reports = [(b, validate_batch(b.path, url)) for b in batches]
    for t in TABLES:
        failures = [f for _, r in reports for f in r.failures if f.table == t.name]
        yield dg.AssetCheckResult(
            asset_key=landing_key(t.name),
            check_name="raw_expectations",
            # a table the batch does not deliver has nothing to check (a missing required
            # table is a failure of its own, listed in per_table)
            passed=all(r.per_table.get(t.name, True) for _, r in reports),
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "batch_ids": ", ".join(b.batch_id for b, _ in reports),
                "failures": dg.MetadataValue.md(
                    "\n".join(
                        f"- `{f.column}` {f.expectation}: e.g. {f.examples[:5]}"
                        for f in failures
                    )
                    or "none"
                ),
            },
        )


@dg.multi_asset(
    name="raw_tables",
    specs=[
        dg.AssetSpec(
            raw_key(t.name),
            deps=[landing_key(t.name)],
            group_name="raw",
            description=f"`raw.{t.name}`: every loaded batch, stamped with _batch_id/_loaded_at/_source_file. {t.description}",
            kinds={"postgres"},
            owners=[OWNER],
        )
        for t in TABLES
    ],
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """COPY every landed, not-yet-loaded batch into `raw` (one transaction per batch, idempotent)."""
    url = warehouse.url()
    try:
        pending = steps.load_pending_batches(url)
        counts = steps.raw_row_counts(url, [t.name for t in TABLES])
    except (
        psycopg.OperationalError
    ) as exc:  # transient: server restarting, connection dropped
        raise dg.RetryRequested(
            max_retries=3, seconds_to_wait=2 ** (context.retry_number + 1)
        ) from exc
    context.log.info("loaded batches: %s", pending.batch_ids or "none pending")
    for t in TABLES:
        yield dg.MaterializeResult(
            asset_key=raw_key(t.name),
            metadata={
                "dagster/row_count": dg.MetadataValue.int(counts[t.name]),
                "rows_loaded_this_run": dg.MetadataValue.int(
                    pending.rows_by_table.get(t.name, 0)
                ),
                "batches_loaded_this_run": ", ".join(pending.batch_ids) or "none",
            },
        )
