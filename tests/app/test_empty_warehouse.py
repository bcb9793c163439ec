"""Every page on a warehouse with nothing to show yet: a database where nothing was loaded, and
one whose raw schema holds a loaded batch that was never built. Each page renders (no
exception) and says, in one message, what to run; no other error. (A warehouse built from the
required tables only: tests/required_only.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.db import describe
from app.page_names import PAGE_NAMES
from warehouse.databases import create_database, drop_database


@pytest.fixture(scope="module")
def raw_only_url(
    admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding one small loaded batch in raw and nothing built from it."""
    from seeds_generator import generate
    from warehouse.loader import load_batch

    batch = tmp_path_factory.mktemp("raw-only") / "batch"
    generate(batch, scale=0.002, seed=3, progress=False)
    name, url = create_database(admin_url, "rawonly")
    try:
        load_batch(batch, url)
        yield url
    finally:
        drop_database(admin_url, name)


MART_PAGES = tuple(n for n in PAGE_NAMES if n != "data_quality")


def _render(page, name: str):
    at = page(name).run()
    assert not at.exception, (name, [e.message for e in at.exception])
    return at


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


def _infos(at) -> str:
    return " ".join(i.value for i in at.info)


@pytest.mark.parametrize("name", MART_PAGES)
def test_page_where_nothing_was_loaded_says_load_or_run(
    point_app, page, fresh_database, name
):
    point_app(fresh_database)
    at = _render(page, name)
    assert [e.value for e in at.error] == [
        f"No data loaded yet: the warehouse at {describe(fresh_database)} has no marts yet"
        " (marts.fct_orders is missing), and raw holds no loaded batch."
    ]
    assert _codes(at) == [
        "ecom run        # or: ecom load <batch dir> && ecom dbt build"
    ]
    assert not at.metric and not at.get("plotly_chart")


@pytest.mark.parametrize("name", MART_PAGES)
def test_page_on_raw_data_never_built_says_build(point_app, page, raw_only_url, name):
    point_app(raw_only_url)
    at = _render(page, name)
    [error] = [e.value for e in at.error]
    assert "has no marts yet" in error and "raw holds 1 loaded batch" in error, error
    assert _codes(at) == ["ecom dbt build        # or: ecom run"]
    assert not at.metric and not at.get("plotly_chart")


def test_data_quality_where_nothing_was_loaded(point_app, page, fresh_database):
    point_app(fresh_database)
    at = _render(page, "data_quality")
    assert not at.error, [e.value for e in at.error]
    infos = _infos(at)
    for relation in ("marts.source_coverage", "raw._batches"):
        assert f"`{relation}` does not exist" in infos, infos
    assert "`ecom run`" in infos and not at.dataframe


def test_data_quality_on_raw_data_never_built_lists_the_batch(
    point_app, page, raw_only_url
):
    point_app(raw_only_url)
    at = _render(page, "data_quality")
    assert not at.error, [e.value for e in at.error]
    assert "`marts.source_coverage` does not exist" in _infos(at)
    [batches] = [d.value for d in at.dataframe]
    assert len(batches) == 1
