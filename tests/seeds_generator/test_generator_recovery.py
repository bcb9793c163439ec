"""The planted parameters and effects are recoverable from the generated data (scale 0.05)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from seeds_generator import generate
from seeds_generator.params import PurchaseParams

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big(tmp_path_factory, read_batch):
    out = tmp_path_factory.mktemp("big")
    generate(out, scale=0.05, seed=11, progress=False)
    truth = json.loads((out / "ground_truth.json").read_text())
    frames = {
        p.stem: pd.read_parquet(p) for p in (out / "ground_truth").glob("*.parquet")
    }
    return read_batch(out), truth, frames, out


def test_purchase_rate_recovered(big):
    _, truth, f, _ = big
    c = f["customers"]
    pp = PurchaseParams()
    lam = c["lambda"]
    assert abs(lam.mean() - pp.r / pp.alpha) < 3 * np.sqrt(pp.r) / pp.alpha / np.sqrt(
        len(c)
    )
    assert abs(c.p.mean() - pp.a / (pp.a + pp.b)) < 0.01
    # base purchases = lambda * operational time alive (optional stopping), in aggregate
    exposure = np.where(c.is_alive_at_end, c["T"], c.t_x)
    ratio = c.x.sum() / (lam * exposure).sum()
    assert 0.96 < ratio < 1.04
    base = f["orders"][f["orders"].kind == "base"]
    assert len(base) == c.x.sum()
    assert 0.3 < 1 - c.is_alive_at_end.mean() < 0.7
    assert truth["bgnbd"] == {
        "r": pp.r,
        "alpha": pp.alpha,
        "a": pp.a,
        "b": pp.b,
        "mean_lambda_per_week": pp.r / pp.alpha,
        "mean_p": pp.a / (pp.a + pp.b),
    }


def test_bayes_p_alive_is_calibrated(big):
    c = big[2]["customers"]
    assert abs(c.p_alive_at_end_bayes.mean() - c.is_alive_at_end.mean()) < 0.03
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(c.is_alive_at_end, c.p_alive_at_end_bayes) > 0.8


def test_gamma_gamma_spend(big):
    data, _, f, _ = big
    pp = PurchaseParams()
    o = f["orders"]
    assert abs(o.value_drawn.mean() / pp.mean_order_value - 1) < 0.05
    sub = (
        data["orders"]
        .set_index("order_id")
        .items_subtotal.reindex(o.order_id)
        .to_numpy()
    )
    rel = np.abs(sub - o.value_drawn.to_numpy()) / o.value_drawn.to_numpy()
    assert np.median(rel) < 0.1
    assert abs(sub.mean() / o.value_drawn.mean() - 1) < 0.1
    assert np.corrcoef(sub, o.value_drawn)[0, 1] > 0.65
    per_cust = o.groupby("customer_id").value_drawn.agg(["mean", "size"])
    c = f["customers"].set_index("customer_id").reindex(per_cust.index)
    many = per_cust["size"] >= 5
    assert np.corrcoef(per_cust["mean"][many], c.expected_order_value[many])[0, 1] > 0.7


def test_campaign_naive_is_biased_up_and_att_rebuildable(big):
    data, truth, f, _ = big
    cp = truth["campaign"]
    assert cp["naive_difference"] > 1.5 * cp["att_sample"] > 0
    assert abs(cp["att_sample"] / cp["att_expected"] - 1) < 0.35
    att = cp["att_by_segment"]
    assert att["platinum"]["att_expected"] > att["bronze"]["att_expected"]
    # rebuild eligibility, treatment and the outcome from the warehouse tables alone
    start = pd.Timestamp(cp["start_date"], tz="UTC")
    cust = data["customers"]
    eligible = set(
        cust.customer_id[(cust.signed_up_at < start) & cust.is_marketing_opt_in]
    )
    assert eligible == set(f["campaign"].customer_id)
    exp = data["campaign_exposures"]
    treated = set(exp.customer_id[exp.campaign_id == cp["campaign_id"]])
    assert treated <= eligible and len(treated) == cp["n_treated"]
    o = data["orders"]
    win = o[
        (o.status != "cancelled")
        & (o.ordered_at >= start)
        & (o.ordered_at < start + pd.Timedelta(days=30))
    ]
    outcome = (
        win.groupby("customer_id")
        .order_total.sum()
        .reindex(sorted(eligible), fill_value=0.0)
    )
    is_t = outcome.index.isin(treated)
    naive = outcome[is_t].mean() - outcome[~is_t].mean()
    assert naive == pytest.approx(cp["naive_difference"], abs=0.01)


def test_rollout_did_near_planted_effect(big):
    data, truth, _, _ = big
    ro = truth["rollout"]
    rollout = pd.Timestamp(ro["rollout_date"], tz="UTC")
    weeks = ro["panel"]["weeks_each_side"]
    pre0 = rollout - pd.Timedelta(weeks=weeks)
    post1 = rollout + pd.Timedelta(weeks=weeks)
    cust = data["customers"]
    geo = data["geography"].set_index("geography_id").region
    panel = cust[cust.signed_up_at < pre0].set_index("customer_id")
    treated = panel.geography_id.map(geo).isin(ro["treated_regions"])
    o = data["orders"]
    pre = (
        o[(o.ordered_at >= pre0) & (o.ordered_at < rollout)]
        .groupby("customer_id")
        .size()
        .reindex(panel.index, fill_value=0)
    )
    post = (
        o[(o.ordered_at >= rollout) & (o.ordered_at < post1)]
        .groupby("customer_id")
        .size()
        .reindex(panel.index, fill_value=0)
    )
    d = (post - pre) / weeks
    did = d[treated].mean() - d[~treated].mean()
    se = np.sqrt(
        d[treated].var() / treated.sum() + d[~treated].var() / (~treated).sum()
    )
    assert did == pytest.approx(ro["did_realized"], abs=1e-9)
    assert abs(did - ro["effect_expected"]) < 3.5 * se
    assert (
        abs(ro["effect_sample"] - ro["effect_expected"]) < 0.3 * ro["effect_expected"]
    )
    assert ro["effect_expected"] > 2 * se


def test_customers_buy_their_planted_favourites(big):
    data, _truth, f, _ = big
    prefs = f["preferences"]
    top = set(zip(prefs.customer_id, prefs.product_id, strict=True))
    items = data["order_items"].merge(
        data["orders"][["order_id", "customer_id"]], on="order_id"
    )
    hit = np.mean(
        [
            (c, p) in top
            for c, p in zip(items.customer_id, items.product_id, strict=True)
        ]
    )
    random_rate = 10 / len(data["products"])
    assert hit > 8 * random_rate
    pairs = data["reviews"].merge(f["customers"][["customer_id"]], on="customer_id")
    assert len(pairs) > 100
    top_rank = prefs[prefs["rank"] == 1]
    assert (top_rank.probability > 10 / len(data["products"])).mean() > 0.9


def test_ratings_rise_with_affinity(big):
    data, truth, _, out = big
    from seeds_generator.state import load_population, load_products

    pop = load_population(out / "ground_truth" / "state_customers.parquet")
    prod = load_products(out / "ground_truth" / "state_products.parquet")
    r = data["reviews"]
    u = pop.factors[r.customer_id.to_numpy() - 1]
    v = prod["_factors"][r.product_id.to_numpy() - 1]
    affinity = np.einsum("ij,ij->i", u, v)
    assert r.rating.nunique() == 5
    assert np.corrcoef(affinity, r.rating)[0, 1] > 0.3
    assert "rating_model" in truth["preferences"]
