"""Run dbt as a subprocess against the configured warehouse (used by `ecom dbt` and `ecom run`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.paths import dbt_project_dir


def dbt_environment(url: str | None = None) -> dict[str, str]:
    """The process environment plus the ECOM_DB_* variables profiles.yml reads (default: the
    warehouse's transformer role, which owns what dbt builds)."""
    from warehouse.connection import database_url, dbt_env

    env = dict(os.environ)
    env.update(dbt_env(url or database_url(start=True)))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: list[str], url: str | None = None) -> int:
    """Run `dbt <args>` in the dbt project directory; returns dbt's exit code."""
    project = dbt_project_dir()
    cmd = [dbt_executable(), *args]
    if "--profiles-dir" not in args:
        cmd += ["--profiles-dir", str(project)]
    return subprocess.call(cmd, cwd=project, env=dbt_environment(url))
