"""Fixtures for the BI app tests: the shared platform world (the platform's own job built it),
environments pointing the app at it, and a way to read what a download button would serve."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse.databases import create_database, drop_database

APP_DIR = Path(__file__).resolve().parents[2] / "app"


@dataclass(frozen=True)
class AppWorld:
    """The world as the app sees it: its warehouse, the batch it loaded, dbt's artifacts."""

    url: str
    template: str
    batch_dir: Path
    dbt_target_dir: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def admin_url(embedded_url: str) -> str:
    from warehouse.databases import admin_url as admin

    return admin(embedded_url)


@pytest.fixture(scope="session")
def app_world(platform_world, tmp_path_factory: pytest.TempPathFactory) -> AppWorld:
    """The shared world, with its warehouse build's run_results.json and (one explicit extra
    step the job does not take) `dbt source freshness` results in one target directory."""
    from orchestration.dbt_runner import run_dbt

    target = tmp_path_factory.mktemp("app-dbt-target")
    shutil.copy(platform_world.dbt_target_dir / "run_results.json", target)
    freshness = target / "freshness"
    # freshness may warn on old synthetic data; only the artifact matters here
    run_dbt(
        ["source", "freshness", "--quiet", "--target-path", str(freshness)],
        platform_world.url,
    )
    shutil.copy(freshness / "sources.json", target)
    shutil.rmtree(freshness)
    return AppWorld(
        platform_world.url,
        platform_world.template,
        platform_world.batch_dir,
        target,
    )


@pytest.fixture
def clone_world(admin_url: str, app_world: AppWorld) -> Iterator[Callable[[], str]]:
    """Factory: a writable copy of the world database (dropped after the test)."""
    created: list[str] = []

    def clone() -> str:
        name, url = create_database(admin_url, "app", template=app_world.template)
        created.append(name)
        return url

    yield clone
    for name in created:
        drop_database(admin_url, name)


def _clear_app_caches() -> None:
    import streamlit as st

    from warehouse.settings import get_settings

    st.cache_data.clear()
    get_settings.cache_clear()


@pytest.fixture
def point_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """`point_app(url, dbt_target_dir=None)`: aim the app at a warehouse; the API at a closed
    port (so the warehouse fallback is exercised) and MLflow at an empty store."""

    def point(url: str | None, dbt_target_dir: Path | None = None) -> None:
        if url is None:
            monkeypatch.delenv("ECOM_DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("ECOM_DATABASE_URL", url)
        monkeypatch.setenv(
            "ECOM_DBT_TARGET_DIR", str(dbt_target_dir or tmp_path / "no-dbt")
        )
        monkeypatch.setenv("ECOM_API_URL", f"http://127.0.0.1:{free_port()}")
        monkeypatch.setenv(
            "MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow' / 'none.db'}"
        )
        _clear_app_caches()

    yield point
    _clear_app_caches()


@pytest.fixture
def world_app(point_app, app_world) -> None:
    """The app pointed at the session's world."""
    point_app(app_world.url, app_world.dbt_target_dir)


class Downloads:
    """Reads the bytes a download button serves (deferred data is generated on demand)."""

    def __init__(self) -> None:
        self.managers: list = []

    def get(self, at, key: str) -> bytes:
        return self.file(at, key).content

    def file(self, at, key: str):
        """The served file (content, filename, mimetype) behind the button with `key`."""
        buttons = [e for e in at.get("download_button") if e.key == key]
        assert buttons, (
            f"no download button with key {key!r}; keys: {[e.key for e in at.get('download_button')]}"
        )
        proto = buttons[0].proto
        manager = self.managers[-1]
        url = (
            manager.execute_deferred(proto.deferred_file_id)
            if proto.deferred_file_id
            else proto.url
        )
        return manager._storage.get_file(url.rsplit("/", 1)[-1])


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    """Record the media manager AppTest creates for each run, to fetch download contents."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    recorder = Downloads()

    class RecordingManager(MediaFileManager):
        def __init__(self, storage) -> None:
            super().__init__(storage)
            recorder.managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", RecordingManager)
    return recorder


@pytest.fixture
def page() -> Callable[[str], object]:
    """`page("sales")`: an AppTest for app/pages/<name>.py (not yet run)."""
    from streamlit.testing.v1 import AppTest

    def make(name: str):
        return AppTest.from_file(
            str(APP_DIR / "pages" / f"{name}.py"), default_timeout=90
        )

    return make
