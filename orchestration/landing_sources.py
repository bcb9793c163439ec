"""Where the initial batch comes from: the generator, The Complete Journey adapter, or any
conforming batch in a directory or under an S3 URL.

Every source ends as one batch directory in the landing directory (manifest + one CSV or
Parquet file per table, the source contract); from the load on, nothing knows which source
fed it. This module is the only place that names the sources.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestration.paths import landing_dir

GENERATOR = "generator"
COMPLETE_JOURNEY = "completejourney"
#: Named sources; anything else is a directory path or an s3:// URL holding a batch.
NAMED_SOURCES = (GENERATOR, COMPLETE_JOURNEY)


class SourceError(ValueError):
    """The source cannot be landed: unknown name, no such directory, not a batch."""


def describe(source: str) -> str:
    """One line for logs and the CLI."""
    if source == GENERATOR:
        return "the synthetic generator"
    if source == COMPLETE_JOURNEY:
        return "The Complete Journey (84.51°/dunnhumby grocery households)"
    return f"the batch at {source}"


def warehouse_defaults(source: str) -> dict[str, Any]:
    """dbt vars a named source recommends (e.g. a grocery churn horizon); {} otherwise."""
    if source == COMPLETE_JOURNEY:
        from sources.completejourney import RECOMMENDED_WAREHOUSE_VARS

        return dict(RECOMMENDED_WAREHOUSE_VARS)
    return {}


def recommender_protocol(source: str) -> str | None:
    """The recommender's primary evaluation protocol a named source recommends (None: the
    asset's default)."""
    if source == COMPLETE_JOURNEY:
        from sources.completejourney import RECOMMENDER_PROTOCOL

        return RECOMMENDER_PROTOCOL
    return None


def land_initial(
    source: str,
    *,
    scale: float,
    seed: int,
    households: int | None = None,
    faults: Sequence[str] = (),
) -> Path:
    """Land the initial batch of `source` in the landing directory (reused when present)."""
    from orchestration import steps

    if source == GENERATOR:
        return steps.land_initial_batch(scale, seed, faults)
    if faults:
        raise SourceError(
            f"inject_faults plants faults in generated data only; source {source!r} "
            "is not the generator"
        )
    if source == COMPLETE_JOURNEY:
        return _land_complete_journey(households, seed)
    if households is not None:
        raise SourceError("households subsamples The Complete Journey only")
    if source.startswith("s3://"):
        from warehouse.object_store import fetch_batch

        with tempfile.TemporaryDirectory(dir=_landing_root()) as tmp:
            return _adopt(fetch_batch(source, Path(tmp)), source)
    path = Path(source).expanduser()
    if not path.is_dir():
        raise SourceError(
            f"source {source!r} is neither one of {', '.join(NAMED_SOURCES)}, an s3:// URL "
            "nor an existing directory"
        )
    return _adopt(path, source)


def _landing_root() -> Path:
    root = landing_dir()
    root.mkdir(parents=True, exist_ok=True)
    return root


def _land_complete_journey(households: int | None, seed: int) -> Path:
    from sources.completejourney import batch_id, write_batch

    name = batch_id(households, seed)
    out = _landing_root() / name
    if not (out / "manifest.json").is_file():
        with tempfile.TemporaryDirectory(dir=_landing_root()) as tmp:
            staged = Path(tmp) / name
            write_batch(staged, households=households, seed=seed)
            if out.exists():  # a half-written earlier attempt (no manifest)
                shutil.rmtree(out)
            staged.rename(out)
    return out


def _adopt(batch_dir: Path, source: str) -> Path:
    """Copy a batch directory into the landing directory as <batch_id>/ (atomic rename)."""
    from contracts.manifest import ManifestError, read_manifest

    try:
        manifest = read_manifest(batch_dir)
    except ManifestError as exc:
        raise SourceError(f"source {source!r} is not a batch: {exc}") from None
    out = _landing_root() / manifest.batch_id
    if (out / "manifest.json").is_file():
        if read_manifest(out).sha256 == manifest.sha256:
            return out
        raise SourceError(
            f"landing already holds a different batch {manifest.batch_id!r} at {out}; "
            "a changed batch needs a new batch_id"
        )
    if batch_dir.resolve() == out.resolve():
        return out
    with tempfile.TemporaryDirectory(dir=_landing_root()) as tmp:
        staged = Path(tmp) / manifest.batch_id
        staged.mkdir()
        for name in ["manifest.json", *(e.file for e in manifest.tables.values())]:
            shutil.copy2(batch_dir / name, staged / name)
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)
    return out


def merged_warehouse_config(
    source: str, warehouse: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The source's recommended dbt vars, overridden by what the caller set."""
    return {**warehouse_defaults(source), **(warehouse or {})}
