"""`ecom serve ...`: start the platform's long-running services (bound to 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from orchestration.paths import REPO_ROOT

app = typer.Typer(
    help="Start a service (bound to 127.0.0.1 by default): api, app, dagster, mlflow.",
    no_args_is_help=True,
)


def _bin(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


@app.command()
def dagster(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(3000, help="port"),
) -> None:
    """`dagster dev` on the project's Definitions, with a project-local DAGSTER_HOME."""
    from orchestration.instance import ensure_dagster_home

    env = dict(os.environ, DAGSTER_HOME=str(ensure_dagster_home()))
    raise typer.Exit(
        subprocess.call(
            [_bin("dagster"), "dev", "-h", host, "-p", str(port)],
            cwd=REPO_ROOT,
            env=env,
        )
    )


@app.command()
def mlflow(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(5000, help="port"),
) -> None:
    """The MLflow UI on the project's tracking store (MLFLOW_TRACKING_URI or var/mlflow)."""
    from warehouse.settings import get_settings

    root = get_settings().home / "mlflow"
    root.mkdir(parents=True, exist_ok=True)
    backend = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{root / 'mlflow.db'}"
    cmd = [
        _bin("mlflow"),
        "ui",
        "--backend-store-uri",
        backend,
        "-h",
        host,
        "-p",
        str(port),
    ]
    if backend.startswith("sqlite:"):
        cmd += ["--default-artifact-root", str(root / "artifacts")]
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT))


@app.command()
def api(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(8000, help="port"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """The FastAPI prediction service (models from the MLflow registry, data from the warehouse)."""
    from serving.server import run

    run(host=host, port=port, workers=workers)


@app.command("app")
def bi_app(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(8501, help="port"),
) -> None:
    """The Streamlit BI app (read-only on the marts and ml tables)."""
    from app.server import command

    raise typer.Exit(subprocess.call(command(host=host, port=port), cwd=REPO_ROOT))
