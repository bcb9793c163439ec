"""MLflow tracking setup and lineage tags."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import mlflow
import psycopg

from ml.tracking import (
    MAX_TAG_CHARS,
    configure_tracking,
    default_tracking_uri,
    ensure_experiment,
    lineage_tags,
    manifest_hash,
    resolve_tracking,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_import_sets_no_tracking_uri():
    code = (
        "import os, mlflow; os.environ.pop('MLFLOW_TRACKING_URI', None); "
        "before = mlflow.get_tracking_uri(); import ml.tracking, ml.registry; "
        "import ml.churn.train, ml.churn.batch; "
        "assert mlflow.get_tracking_uri() == before, mlflow.get_tracking_uri(); print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]


def test_default_is_sqlite_under_ecom_home(monkeypatch, tmp_path):
    from warehouse.settings import get_settings

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        config = resolve_tracking()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert config.tracking_uri == f"sqlite:///{tmp_path.resolve()}/mlflow/mlflow.db"
    assert config.artifact_root == tmp_path.resolve() / "mlflow" / "artifacts"


def test_env_variable_wins(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    config = resolve_tracking()
    assert config.tracking_uri == "http://mlflow.internal:5000"
    assert config.artifact_root is None and config.artifact_location("x") is None


def test_runs_and_artifacts_land_in_the_configured_store(tmp_path):
    saved = mlflow.get_tracking_uri()
    try:
        config = configure_tracking(default_tracking_uri(tmp_path))
        ensure_experiment("tracking-test", config)
        with mlflow.start_run() as run:
            mlflow.log_metric("m", 1.0)
            mlflow.log_text("hello", "note.txt")
        assert (tmp_path / "mlflow.db").is_file()
        stored = list((tmp_path / "artifacts" / "tracking-test").rglob("note.txt"))
        assert len(stored) == 1 and stored[0].read_text() == "hello"
        assert mlflow.get_run(run.info.run_id).data.metrics["m"] == 1.0
        # idempotent: the experiment is reused
        assert ensure_experiment("tracking-test", config) == run.info.experiment_id
    finally:
        mlflow.set_tracking_uri(saved)
        mlflow.set_registry_uri(saved)


def test_manifest_hash(tmp_path):
    assert manifest_hash(tmp_path / "missing.json") is None
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"nodes": {}}')
    assert manifest_hash(manifest) == hashlib.sha256(b'{"nodes": {}}').hexdigest()


def test_lineage_tags_read_the_batch_ledger(fresh_database, tmp_path):
    tags = lineage_tags(fresh_database, manifest=tmp_path / "none.json")
    assert tags["data.batch_ids"] == "none" and tags["dbt.manifest_sha256"] == "absent"
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("create schema raw")
        conn.execute(
            "create table raw._batches (batch_id text primary key, loaded_at timestamptz)"
        )
        conn.execute(
            "insert into raw._batches values ('b-old', '2024-01-01'), ('b-new', '2024-02-01')"
        )
    tags = lineage_tags(fresh_database, manifest=tmp_path / "none.json")
    assert tags["data.batch_ids"] == "b-old,b-new"
    assert tags["data.latest_batch_id"] == "b-new"
    assert tags["git.commit"] != ""


def test_batch_id_tag_stays_under_the_size_cap(fresh_database, tmp_path):
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("create schema raw")
        conn.execute("create table raw._batches (batch_id text, loaded_at timestamptz)")
        conn.execute(
            "insert into raw._batches select 'batch-' || lpad(i::text, 40, '0'), "
            "'2024-01-01'::timestamptz + i * interval '1 day' from generate_series(1, 500) i"
        )
    tags = lineage_tags(fresh_database, manifest=tmp_path / "none.json")
    assert len(tags["data.batch_ids"]) <= MAX_TAG_CHARS
    assert tags["data.batch_ids"].startswith("...,")
    assert tags["data.batch_ids"].endswith("0500") and tags["data.batch_count"] == "500"
