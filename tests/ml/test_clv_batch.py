"""CLV on the shared world: the job's `ml.customer_clv` (one row per purchaser, sane values)
and the time-based holdout evaluation any transaction log gets (no ground truth needed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest

from contracts.ml_outputs import CUSTOMER_CLV
from ml.clv.evaluate import holdout_evaluation
from ml.clv.marts import latest_purchase_date, purchase_log

pytestmark = pytest.mark.slow


def test_the_jobs_customer_clv_covers_every_purchaser(platform_world) -> None:
    end = latest_purchase_date(platform_world.url)
    with psycopg.connect(platform_world.url) as conn:
        cur = conn.execute(f"select * from {CUSTOMER_CLV.qualified_name}")
        clv = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
        purchasers = conn.execute(
            "select count(distinct customer_id) from marts.fct_orders"
            " where is_purchase and ordered_date <= %s",
            (end,),
        ).fetchone()[0]
    assert list(clv.columns) == CUSTOMER_CLV.column_names
    assert len(clv) == purchasers
    assert clv["p_alive"].between(0, 1).all() and (clv["clv_12m"] >= 0).all()
    assert clv["expected_avg_order_value"].gt(0).all()
    assert clv["bgnbd_r"].nunique() == 1 and set(clv["observation_end"]) == {end}


def test_holdout_predictions_track_actual_purchases_and_beat_the_naive_rate(
    platform_world,
) -> None:
    transactions, end = purchase_log(platform_world.url)
    result = holdout_evaluation(transactions, end - dt.timedelta(days=90), end)
    m, customers = result.metrics, result.customers
    assert m["n_customers"] > 3000 and m["actual_total"] > 0
    # weekly buckets count several orders in a week once, as the fit does
    assert 0.5 * m["actual_total"] <= m["predicted_total"] <= 1.1 * m["actual_total"]
    assert customers["predicted"].corr(customers["actual"], method="spearman") > 0.5
    assert m["mae"] < m["naive_mae"] and m["mae_ratio"] < 1
    curve = result.cumulative
    assert curve["week"].tolist() == list(range(1, len(curve) + 1))
    assert curve["actual"].is_monotonic_increasing
    assert curve["actual"].iloc[-1] == m["actual_total"]
    assert curve["predicted"].iloc[-1] == pytest.approx(m["predicted_total"])


def test_holdout_needs_a_later_end() -> None:
    frame = pd.DataFrame(
        {"customer_id": [1], "ordered_at": ["2024-01-01"], "order_total": [10.0]}
    )
    with pytest.raises(ValueError, match="must be after calibration_end"):
        holdout_evaluation(frame, dt.date(2024, 2, 1), dt.date(2024, 1, 1))


def test_the_job_logged_the_holdout_run_with_its_curve_and_customers(
    platform_world, tmp_path
) -> None:
    from mlflow import MlflowClient
    from PIL import Image

    from ml.clv.report import CURVE_CSV, CURVE_PNG, CUSTOMERS_CSV, EXPERIMENT

    client = MlflowClient(tracking_uri=platform_world.tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    transactions, end = purchase_log(platform_world.url)
    expected = holdout_evaluation(transactions, end - dt.timedelta(days=90), end)
    assert run.data.params["holdout_end"] == end.isoformat()
    for key in ("mae", "naive_mae", "actual_total", "n_customers"):
        assert run.data.metrics[f"holdout_{key}"] == pytest.approx(
            expected.metrics[key]
        )
    names = {a.path for a in client.list_artifacts(run.info.run_id, "holdout")}
    assert names == {f"holdout/{n}" for n in (CURVE_PNG, CURVE_CSV, CUSTOMERS_CSV)}
    local = client.download_artifacts(run.info.run_id, "holdout", str(tmp_path))
    with Image.open(f"{local}/{CURVE_PNG}") as image:
        assert image.size[0] > 400 and image.size[1] > 200
    customers = pd.read_csv(f"{local}/{CUSTOMERS_CSV}")
    assert len(customers) == expected.metrics["n_customers"]
    assert customers["actual"].sum() == expected.metrics["actual_total"]
    curve = pd.read_csv(f"{local}/{CURVE_CSV}")
    assert curve["actual"].iloc[-1] == expected.metrics["actual_total"]
