"""The one cached DbtProject, and making sure its manifest exists before definitions load."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.paths import dbt_project_dir

# Parsing does not connect to the database, but profiles.yml must render: placeholders suffice.
_PARSE_ENV = {
    "ECOM_DB_HOST": "localhost",
    "ECOM_DB_PORT": "5432",
    "ECOM_DB_USER": "postgres",
    "ECOM_DB_PASSWORD": "",
    "ECOM_DB_NAME": "ecom",
}
_SOURCE_DIRS = ("models", "macros", "snapshots", "tests", "seeds", "analyses")


@cache
def get_dbt_project() -> DbtProject:
    project_dir = dbt_project_dir()
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def _newest_source_mtime(project_dir: Path) -> float:
    newest = (project_dir / "dbt_project.yml").stat().st_mtime
    for folder in _SOURCE_DIRS:
        for path in (project_dir / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest(project: DbtProject | None = None) -> Path:
    """Parse the dbt project when its manifest is missing or older than the project's files.

    A fresh clone has no `target/manifest.json`; `@dbt_assets` needs one at definition time.
    """
    project = project or get_dbt_project()
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(
        project.project_dir
    ):
        return manifest
    from orchestration.dbt_runner import dbt_executable

    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in _PARSE_ENV.items()}}
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    proc = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--profiles-dir",
            str(project.profiles_dir),
        ],
        cwd=project.project_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not manifest.exists():
        raise RuntimeError(
            f"dbt parse failed in {project.project_dir}:\n{proc.stdout}\n{proc.stderr}"
        )
    return manifest
