"""Campaigns and Data quality pages on the real world warehouse."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

pytestmark = pytest.mark.slow


def test_campaigns_page_compares_naive_and_adjusted_effects(world_app, page, app_world):
    at = page("campaigns").run()
    assert not at.exception, [e.message for e in at.exception]
    effects = at.dataframe[0].value
    assert {"naive", "psm_att", "did_2x2"} <= set(effects["method"])
    assert effects[["ci_low", "ci_high"]].notna().any().all()
    charts_all = len(at.get("plotly_chart"))
    assert charts_all >= 4  # forest, did, event study, performance

    at.multiselect(key="campaigns-analyses").set_value(["rollout"]).run()
    assert not at.exception
    assert set(at.dataframe[0].value["analysis"]) == {"rollout"}
    assert len(at.get("plotly_chart")) < charts_all

    performance = at.dataframe[1].value
    types = sorted(performance["campaign_type"].unique())
    at.multiselect(key="campaigns-types").set_value(types[:1]).run()
    assert len(at.dataframe[1].value) < len(performance)


def test_campaigns_page_says_which_questions_the_data_cannot_answer(
    clone_world, point_app, page
):
    import pandas as pd

    from ml.causal.batch import read_campaign_effects, write_campaign_effects
    from ml.causal.campaign_estimates import not_identifiable_row

    url = clone_world()
    effects = read_campaign_effects(url)
    rollout = effects[effects["analysis"] == "rollout"]
    reason = "marts.dim_campaigns is empty: this shop delivered no campaigns to analyse"
    row = not_identifiable_row("campaign", "campaign effect on spend", reason)
    unanswered = pd.DataFrame(
        [{**row, "data_batch_id": None, "computed_at": rollout["computed_at"].max()}]
    )
    write_campaign_effects(url, pd.concat([unanswered, rollout]))
    point_app(url)
    at = page("campaigns").run()
    assert not at.exception, [e.message for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any(
        "campaign effect on spend: not identifiable" in w and reason in w
        for w in warnings
    ), warnings
    # no forest of campaign estimates: only the rollout's charts and the performance bars
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert len(keys) == 3, keys


def test_data_quality_page_shows_dbt_results_freshness_and_batches(
    world_app, page, app_world, downloads
):
    at = page("data_quality").run()
    assert not at.exception, [e.message for e in at.exception]
    results = json.loads((app_world.dbt_target_dir / "run_results.json").read_text())[
        "results"
    ]
    tests = [
        r for r in results if r["unique_id"].split(".")[0] in ("test", "unit_test")
    ]
    passed = sum(r["status"] == "pass" for r in tests)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Command"] == "dbt build"
    assert metrics["Tests passed"] == f"{passed} / {len(tests)}"
    manifest = json.loads((app_world.batch_dir / "manifest.json").read_text())
    batches = at.dataframe[-1].value
    assert batches["batch_id"].tolist() == [manifest["batch_id"]]
    freshness = at.dataframe[-2].value
    assert {"source", "table", "status"} <= set(freshness.columns) and len(
        freshness
    ) > 5

    book = openpyxl.load_workbook(io.BytesIO(downloads.get(at, "dl-dq-results-xlsx")))
    assert book.worksheets[0].max_row - 1 == len(results)

    shown = len(at.dataframe[-3].value)
    at.toggle(key="dq-tests-only").set_value(True).run()
    assert len(at.dataframe[-3].value) == len(tests) < shown


def test_data_quality_page_without_dbt_artifacts_says_how_to_produce_them(
    point_app, app_world, page, tmp_path
):
    point_app(app_world.url, tmp_path / "empty-target")
    at = page("data_quality").run()
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "ecom dbt build" in infos and "ecom dbt source freshness" in infos
