"""A special world for the dbt tests that change raw data and rebuild: incremental builds,
injected faults, test scoping. Read-only checks of a full build use the shared platform world
(tests/conftest.py) instead.

This one is tiny on purpose (scale 0.005) because its tests run dbt many times: a clean base
batch and a one-day increment, the base loaded and built once per session (`dbt_built`); each
test works on a copy of that built database (`clone_built_database`, a PostgreSQL
`create database ... template`), so each starts from the same good build without rebuilding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from contracts.raw_tables import TABLES
from seeds_generator import generate, generate_increment
from warehouse.connection import dbt_env
from warehouse.databases import admin_url, create_database, drop_database
from warehouse.loader import load_batch

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
MART_SCHEMAS = ("marts", "ml_features")


@dataclass
class DbtRun:
    """Outcome of one dbt invocation: overall success and every node's status."""

    success: bool
    statuses: dict[str, str] = field(default_factory=dict)
    rows_affected: dict[str, int] = field(default_factory=dict)
    exception: BaseException | None = None

    def with_status(self, status: str) -> set[str]:
        return {node for node, s in self.statuses.items() if s == status}

    def status_of(self, name: str) -> str:
        """Status of the model/test whose unique_id ends with `.name` (exactly one)."""
        hits = [s for node, s in self.statuses.items() if node.endswith(f".{name}")]
        assert len(hits) == 1, f"{name!r} matched {len(hits)} nodes"
        return hits[0]


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_dbt(url: str, args: list[str], work_dir: Path) -> DbtRun:
    """Invoke dbt in-process on `url` with target and log paths under `work_dir`."""
    from dbt.cli.main import dbtRunner

    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **dbt_env(url),
        "ECOM_DBT_THREADS": "4",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--quiet",
    ]
    with _environment(env):
        result = dbtRunner().invoke(full_args)
    run = DbtRun(success=result.success, exception=result.exception)
    for node_result in getattr(result.result, "results", None) or []:
        unique_id = node_result.node.unique_id
        run.statuses[unique_id] = str(node_result.status)
        rows = (node_result.adapter_response or {}).get("rows_affected")
        if rows is not None:
            run.rows_affected[unique_id] = rows
    return run


def table_checksums(
    url: str, schemas: tuple[str, ...] = MART_SCHEMAS
) -> dict[str, tuple[int, str]]:
    """(row count, md5 of all rows in a canonical order) of every table in `schemas`."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1",
            (list(schemas),),
        ).fetchall()
        out = {}
        for (name,) in tables:
            schema, table = name.split(".")
            query = sql.SQL(
                "select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
                " from {}.{} as t"
            ).format(sql.Identifier(schema), sql.Identifier(table))
            count, digest = conn.execute(query).fetchone()
            out[name] = (count, digest)
    return out


def replace_raw_data(url: str, batch_dir: Path, *, validate: bool = True) -> None:
    """Empty every raw table and the batch ledger, then load `batch_dir` (bad data arriving;
    `validate=False` for data that reached raw around the raw gate)."""
    names = sql.SQL(", ").join(sql.Identifier("raw", t.name) for t in TABLES)
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("truncate {}, raw._batches").format(names))
    load_batch(batch_dir, url, validate=validate)


@dataclass(frozen=True)
class Batches:
    base: Path
    increment: Path
    base_manifest: dict
    increment_manifest: dict


@dataclass(frozen=True)
class BuiltWarehouse:
    url: str
    database: str
    run: DbtRun
    checksums: dict[str, tuple[int, str]]


SCALE = 0.005
SEED = 42


@pytest.fixture(scope="session")
def dbt_batches(tmp_path_factory) -> Batches:
    """A clean base batch and a one-day increment continuing it."""
    root = tmp_path_factory.mktemp("dbt_batches")
    base_manifest = generate(root / "base", scale=SCALE, seed=SEED, progress=False)
    increment_manifest = generate_increment(
        root / "base", root / "increment", days=1, progress=False
    )
    return Batches(root / "base", root / "increment", base_manifest, increment_manifest)


@pytest.fixture(scope="session")
def faulty_batch(tmp_path_factory) -> Callable[[str], tuple[Path, dict]]:
    """The base batch regenerated with one fault class injected: (dir, manifest)."""
    root = tmp_path_factory.mktemp("dbt_faulty")

    def make(fault: str) -> tuple[Path, dict]:
        out = root / fault
        manifest = generate(
            out, scale=SCALE, seed=SEED, inject_faults=(fault,), progress=False
        )
        return out, manifest

    return make


@pytest.fixture(scope="session")
def dbt_built(
    embedded_url: str, dbt_batches: Batches, tmp_path_factory
) -> Iterator[BuiltWarehouse]:
    """A database with the base batch loaded and a complete `dbt build` run on it."""
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "dbt")
    try:
        load_batch(dbt_batches.base, url)
        run = run_dbt(url, ["build"], tmp_path_factory.mktemp("dbt_build"))
        yield BuiltWarehouse(
            url, name, run, table_checksums(url) if run.success else {}
        )
    finally:
        drop_database(admin, name)


@pytest.fixture
def clone_built_database(
    embedded_url: str, dbt_built: BuiltWarehouse
) -> Iterator[Callable[[], str]]:
    """Factory: a copy of the built database (raw + every layer); dropped after the test."""
    admin = admin_url(embedded_url)
    created: list[str] = []

    def clone() -> str:
        assert dbt_built.run.success, (
            "the base dbt build failed; see test_build_succeeds"
        )
        name, url = create_database(admin, "dbt", template=dbt_built.database)
        created.append(name)
        return url

    yield clone
    for name in created:
        drop_database(admin, name)


@pytest.fixture(scope="session")
def dbt_runner() -> Callable[..., DbtRun]:
    """`run_dbt(url, args, work_dir)`: dbt in-process against a database."""
    return run_dbt


@pytest.fixture(scope="session")
def mart_checksums() -> Callable[..., dict[str, tuple[int, str]]]:
    """`table_checksums(url)`: (rows, md5) of every table in the mart schemas."""
    return table_checksums


@pytest.fixture(scope="session")
def swap_raw_data() -> Callable[[str, Path], None]:
    """`replace_raw_data(url, batch_dir)`: empty raw and load another batch."""
    return replace_raw_data
