"""MLflow tracking setup and the lineage tags every training run carries.

Embedded default: a SQLite backend at `<ECOM_HOME>/mlflow/mlflow.db` with artifacts under
`<ECOM_HOME>/mlflow/artifacts/<experiment>`. `MLFLOW_TRACKING_URI`, when set, wins. Nothing
happens at import time: call `configure_tracking()` before logging.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
MAX_TAG_CHARS = 4000


@dataclass(frozen=True)
class TrackingConfig:
    """Where runs, registered models and artifacts go."""

    tracking_uri: str
    artifact_root: Path | None  # None: the tracking server decides (remote MLflow)

    def artifact_location(self, experiment_name: str) -> str | None:
        """Artifact location for a new experiment (a file URI under the local root)."""
        if self.artifact_root is None:
            return None
        return (self.artifact_root / experiment_name).resolve().as_uri()


def mlflow_home() -> Path:
    """`<ECOM_HOME>/mlflow`: the embedded tracking database and artifact store."""
    from warehouse.settings import get_settings

    return get_settings().home / "mlflow"


def default_tracking_uri(home: Path | None = None) -> str:
    """The embedded SQLite tracking URI under `home` (default `<ECOM_HOME>/mlflow`)."""
    home = (home or mlflow_home()).resolve()
    return f"sqlite:///{home / 'mlflow.db'}"


def resolve_tracking(tracking_uri: str | None = None) -> TrackingConfig:
    """Pick the tracking URI: the argument, else `MLFLOW_TRACKING_URI`, else the embedded store."""
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        local_root = _local_artifact_root(uri)
        return TrackingConfig(uri, local_root)
    home = mlflow_home().resolve()
    return TrackingConfig(default_tracking_uri(home), home / "artifacts")


def _local_artifact_root(uri: str) -> Path | None:
    """For a sqlite URI, keep artifacts beside the database file; remote servers decide."""
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).resolve().parent / "artifacts"
    return None


def configure_tracking(tracking_uri: str | None = None) -> TrackingConfig:
    """Point MLflow (tracking and registry) at the chosen store, creating local folders.

    Returns the configuration used, so callers can create experiments with
    `ensure_experiment`.
    """
    import mlflow

    config = resolve_tracking(tracking_uri)
    if config.artifact_root is not None:
        config.artifact_root.mkdir(parents=True, exist_ok=True)
    if mlflow.get_tracking_uri() != config.tracking_uri:
        _forget_active_experiment()
    mlflow.set_tracking_uri(config.tracking_uri)
    mlflow.set_registry_uri(config.tracking_uri)
    return config


def _forget_active_experiment() -> None:
    """An experiment id made active for one store means nothing in another: drop it.

    MLflow keeps the active experiment id process-wide; without this, switching stores (tests,
    notebooks, a service pointed elsewhere) logs runs to a non-existent experiment id.
    """
    import os

    from mlflow.tracking import fluent

    if hasattr(fluent, "_active_experiment_id"):
        fluent._active_experiment_id = None
    # mlflow.set_experiment also exports the id for child processes
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)


def ensure_experiment(name: str, config: TrackingConfig) -> str:
    """Create `name` (with its local artifact location) if missing, make it active, return its id."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        experiment_id = mlflow.create_experiment(
            name, artifact_location=config.artifact_location(name)
        )
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def manifest_hash(path: Path = DEFAULT_MANIFEST) -> str | None:
    """sha256 of the dbt manifest the features were built with; None when it is absent."""
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit(repo: Path = REPO_ROOT) -> str | None:
    """The checked-out commit (with `-dirty` when the work tree has changes), if git is there."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def loaded_batch_ids(url: str) -> list[str]:
    """Ids of the raw batches in the warehouse ledger (`raw._batches`), oldest first."""
    from warehouse.connection import connect, scalar

    with connect(url) as conn:
        exists = scalar(conn, "select to_regclass('raw._batches')")
        if exists is None:
            return []
        rows = conn.execute(
            "select batch_id from raw._batches order by loaded_at, batch_id"
        ).fetchall()
    return [r[0] for r in rows]


def _newest_that_fit(ids: list[str]) -> str:
    """Comma-joined ids, dropping the oldest (marked "...") so MLflow's tag size cap holds."""
    kept: list[str] = []
    size = 4  # room for the "...," marker
    for batch_id in reversed(ids):
        size += len(batch_id) + 1
        if size > MAX_TAG_CHARS:
            break
        kept.append(batch_id)
    prefix = "...," if len(kept) < len(ids) else ""
    return prefix + ",".join(reversed(kept))


def lineage_tags(url: str | None, manifest: Path = DEFAULT_MANIFEST) -> dict[str, str]:
    """Run tags tying a model to its data: batch ids, dbt manifest hash, git commit."""
    tags: dict[str, str] = {}
    if url is not None:
        batches = loaded_batch_ids(url)
        joined = _newest_that_fit(batches) if batches else "none"
        tags["data.batch_ids"] = joined
        tags["data.batch_count"] = str(len(batches))
        if batches:
            tags["data.latest_batch_id"] = batches[-1]
    tags["dbt.manifest_sha256"] = manifest_hash(manifest) or "absent"
    tags["git.commit"] = git_commit() or "unknown"
    return tags
