"""A warehouse built from the four required tables only (customers, products, orders,
order_items): what a shop that exports nothing else gets.

The batch is a small generated one (scale 0.005) cut down to the least the contract accepts:
every optional table's file removed and, in the four required files, only the required
columns kept (no status, channel, tier, cost, category, ship-to area...; only the order's
amount breakdown, see KEEP_OPTIONAL).
The manifest is rewritten with `contracts.manifest`. It is loaded (raw validation on) and built
with a full `dbt build` once per session; no ML pipeline runs, so no model is registered and the
ml schema is absent, as on a fresh install.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from contracts.manifest import MANIFEST_FILE, sha256_file, table_entry, write_manifest
from contracts.raw_tables import TABLES, get_table
from warehouse.databases import admin_url, create_database, drop_database

SCALE = 0.005
SEED = 11
REQUIRED = tuple(t.name for t in TABLES if t.required)
OPTIONAL = tuple(t.name for t in TABLES if not t.required)


#: Optional columns kept: the generator's order_total includes shipping, so without the order's
#: amount breakdown its lines would not add up to it (the contract's identity, a dbt gate).
KEEP_OPTIONAL = {"orders": ("items_subtotal", "discount_amount", "shipping_amount")}


def _kept_columns(table: str, header: list[str]) -> list[str]:
    """The file's required columns (and KEEP_OPTIONAL): the least a shop may send."""
    kept = set(get_table(table).required_columns) | set(KEEP_OPTIONAL.get(table, ()))
    return [c for c in header if c in kept]


def make_required_only(source: Path, out: Path) -> Path:
    """Copy the required tables and columns of the batch in `source` to `out`, as a shop
    exporting only those would; a manifest to match."""
    manifest = json.loads((source / MANIFEST_FILE).read_text())
    out.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name in REQUIRED:
        entry = manifest["tables"][name]
        with (source / entry["file"]).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = _kept_columns(name, list(reader.fieldnames or []))
            rows = [[row[c] for c in columns] for row in reader]
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        tables[name] = table_entry(name, len(rows), sha256_file(path), columns=columns)
    write_manifest(
        out,
        {
            **{k: v for k, v in manifest.items() if k not in ("tables", "batch_id")},
            "batch_id": f"required-only-{manifest['batch_id']}",
            "tables": tables,
        },
    )
    return out


@dataclass(frozen=True)
class RequiredOnlyWarehouse:
    url: str
    database: str
    batch_dir: Path
    dbt_target_dir: Path


@pytest.fixture(scope="session")
def required_only_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from seeds_generator import generate

    root = tmp_path_factory.mktemp("required_only")
    generate(root / "generated", scale=SCALE, seed=SEED, progress=False)
    return make_required_only(root / "generated", root / "batch")


@pytest.fixture(scope="session")
def required_only_warehouse(
    embedded_url: str,
    required_only_batch: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RequiredOnlyWarehouse]:
    """The required-only batch loaded and built with `dbt build` (every model and test)."""
    from orchestration.dbt_runner import run_dbt
    from warehouse.loader import load_batch

    admin = admin_url(embedded_url)
    name, url = create_database(admin, "reqonly")
    target = tmp_path_factory.mktemp("required_only_dbt")
    try:
        load_batch(required_only_batch, url)
        code = run_dbt(
            [
                "build",
                "--quiet",
                "--target-path",
                str(target),
                "--log-path",
                str(target / "logs"),
            ],
            url,
        )
        assert code == 0, f"dbt build on the required-only warehouse exited {code}"
        yield RequiredOnlyWarehouse(url, name, required_only_batch, target)
    finally:
        drop_database(admin, name)


@pytest.fixture
def required_only_app(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    required_only_warehouse: RequiredOnlyWarehouse,
) -> Iterator[RequiredOnlyWarehouse]:
    """The BI app pointed at the required-only warehouse (its dbt artifacts too), the API at a
    closed port and MLflow at an empty store (nothing trained)."""
    import socket

    import streamlit as st

    from warehouse.settings import get_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ECOM_DATABASE_URL", required_only_warehouse.url)
    monkeypatch.setenv(
        "ECOM_DBT_TARGET_DIR", str(required_only_warehouse.dbt_target_dir)
    )
    monkeypatch.setenv("ECOM_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    st.cache_data.clear()
    get_settings.cache_clear()
    yield required_only_warehouse
    st.cache_data.clear()
    get_settings.cache_clear()


@pytest.fixture
def page_test() -> Callable[[str], object]:
    """`page_test("sales")`: an AppTest for app/pages/<name>.py (not yet run)."""
    from streamlit.testing.v1 import AppTest

    app_dir = Path(__file__).resolve().parents[2] / "app"

    def make(name: str):
        return AppTest.from_file(
            str(app_dir / "pages" / f"{name}.py"), default_timeout=120
        )

    return make
