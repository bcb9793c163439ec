"""Churn against the generator's truth: how well churn can be predicted by someone who knows it.

Evaluation only (runs where a source ships planted truth; see `evaluation.ground_truth`). The
production gate judges the model on the holdout and a baseline (`ml.churn.evaluate.QualityBar`);
this module adds the planted-truth bar: accuracy >= 0.85 and ROC AUC >= 0.97 x the Bayes
oracle's on the same evaluation customers (`OracleBar`).

Two oracles, both scored as ROC AUC against the observed labels on the same evaluation
customers (label = no purchase in (c, c+h], h = horizon):

- **Bayes oracle** (the quality-bar reference): knows the generator's BG/NBD population
  parameters (r, alpha, a, b) and each customer's base-process purchase history up to the
  cutoff, in the generator's operational time. Its probability is the exact posterior
      P(no purchase in (T, T+h]) = 1 - P(alive | x, t_x, T) * (1 - ((alpha+T)/(alpha+T+h))^(r+x))
  i.e. the best any model can do from purchase history alone. (Fader, Hardie & Lee 2005.)
- **Clairvoyant oracle** (reported for context): knows each customer's latent state:
      P = 1 if the customer dropped out before c, else exp(-lambda * h)
  No model can reach it: dropout is never observed, only inferred from silence.

Both ignore the campaign and regional-rollout uplift streams and order cancellations (they
change a minority of customers' purchases); seasonality is handled by operational time in the
Bayes oracle and cancels out of the clairvoyant ranking (a common factor at one cutoff).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from evaluation.ground_truth import TruthBatch
from ml.churn.features import LABEL_COLUMN

REQUIRED = ("customer_id", "lambda", "dropout_at", "signup")
#: The planted-truth quality bar: accuracy and ROC AUC relative to the Bayes oracle.
MIN_ACCURACY = 0.85
MIN_ORACLE_RATIO = 0.97


@dataclass(frozen=True)
class GroundTruth:
    """The generator's planted truth needed by the oracles."""

    customers: pd.DataFrame  # customer_id, signup, lambda, dropout_at, ...
    order_kinds: pd.Series  # order_id -> "base" / "campaign" / "rollout"
    r: float
    alpha: float
    a: float
    b: float
    window_start: dt.date
    window_end: dt.date


@dataclass(frozen=True)
class OracleAUC:
    bayes: float
    clairvoyant: float


def load_ground_truth(batches: list[TruthBatch]) -> GroundTruth:
    """Customers from the newest batch, order kinds from all, parameters from the first."""
    if not batches:
        raise FileNotFoundError("no batch with ground truth given")
    newest = batches[-1].table("customers")
    customers = pd.read_parquet(newest)
    missing = [c for c in REQUIRED if c not in customers.columns]
    if missing:
        raise ValueError(f"{newest} lacks column(s) {missing}")
    kinds = [
        pd.read_parquet(b.table("orders"), columns=["order_id", "kind"])
        for b in batches
        if b.table("orders").is_file()
    ]
    order_kinds = (
        pd.concat(kinds).drop_duplicates("order_id").set_index("order_id")["kind"]
        if kinds
        else pd.Series(dtype=object)
    )
    summaries = [b.summary() for b in batches]
    params = summaries[0]["bgnbd"]
    return GroundTruth(
        customers=customers,
        order_kinds=order_kinds,
        r=float(params["r"]),
        alpha=float(params["alpha"]),
        a=float(params["a"]),
        b=float(params["b"]),
        window_start=min(dt.date.fromisoformat(s["window_start"]) for s in summaries),
        window_end=max(dt.date.fromisoformat(s["window_end"]) for s in summaries),
    )


def _cutoff_at(cutoff: dt.date) -> pd.Timestamp:
    return pd.Timestamp(cutoff + dt.timedelta(days=1), tz="UTC")


def clairvoyant_churn_probability(
    truth: GroundTruth, cutoff: dt.date, horizon_days: int
) -> pd.Series:
    """1 if dropped out before the cutoff, else exp(-lambda * h weeks); per customer_id."""
    c = truth.customers
    dropout = pd.to_datetime(c["dropout_at"], utc=True)
    dead = (dropout < _cutoff_at(cutoff)).fillna(False).to_numpy()
    lam = c["lambda"].to_numpy(dtype=float)
    p = np.where(dead, 1.0, np.exp(-lam * horizon_days / 7.0))
    return pd.Series(p, index=c["customer_id"].to_numpy(), name="p_churn_clairvoyant")


def bayes_churn_probability(
    truth: GroundTruth, orders: pd.DataFrame, cutoff: dt.date, horizon_days: int
) -> pd.Series:
    """BG/NBD posterior P(no purchase in the horizon) per customer_id (see module docstring).

    `orders` has order_id, customer_id, ordered_at (UTC); only base-process orders count.
    """
    from seeds_generator.calendar import Clock

    days = (truth.window_end - truth.window_start).days + 1
    clock = Clock.for_window(truth.window_start, days)
    cut_s = int(_cutoff_at(cutoff).timestamp())
    end_s = cut_s + horizon_days * 86_400
    if end_s > clock.end_s:
        raise ValueError(
            f"horizon after {cutoff} ends past the generator window ({truth.window_end})"
        )

    kind = orders["order_id"].map(truth.order_kinds).fillna("base")
    ordered_s = pd.to_datetime(orders["ordered_at"], utc=True).astype("int64") // 10**9
    base = orders.loc[(kind == "base").to_numpy() & (ordered_s < cut_s).to_numpy()]
    base_s = ordered_s.loc[base.index]
    per_customer = (
        pd.DataFrame({"customer_id": base["customer_id"], "t": base_s})
        .groupby("customer_id")["t"]
        .agg(["size", "max"])
    )
    c = truth.customers
    ids = c["customer_id"].to_numpy()
    signup_s = pd.to_datetime(c["signup"], utc=True).astype("int64").to_numpy() // 10**9
    start_op = clock.op(np.maximum(signup_s, clock.start_s))
    x = per_customer["size"].reindex(ids).fillna(0).to_numpy(dtype=float)
    last_s = per_customer["max"].reindex(ids).to_numpy(dtype=float)
    big_t = clock.op(np.full(ids.size, cut_s)) - start_op
    t_x = np.where(x > 0, clock.op(np.nan_to_num(last_s, nan=cut_s)) - start_op, 0.0)
    horizon = float(clock.op(np.array([end_s]))[0] - clock.op(np.array([cut_s]))[0])

    signed_up = (
        big_t > 0
    )  # customers signing up later get NaN (they are not at risk yet)
    big_t = np.where(signed_up, big_t, 1.0)
    p_alive = _bgnbd_p_alive(x, t_x, big_t, truth)
    quiet_if_alive = ((truth.alpha + big_t) / (truth.alpha + big_t + horizon)) ** (
        truth.r + x
    )
    p_churn = np.where(signed_up, 1.0 - p_alive * (1.0 - quiet_if_alive), np.nan)
    return pd.Series(p_churn, index=ids, name="p_churn_bayes")


def _bgnbd_p_alive(
    x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, g: GroundTruth
) -> np.ndarray:
    """P(alive | x, t_x, T); 1 when x = 0 (dropout happens only after a purchase)."""
    log_ratio = np.log(g.a) - np.log(g.b + np.maximum(x, 1.0) - 1.0)
    log_ratio += (g.r + x) * (np.log(g.alpha + big_t) - np.log(g.alpha + t_x))
    p = 1.0 / (1.0 + np.exp(np.clip(log_ratio, -700, 700)))
    return np.where(x > 0, p, 1.0)


def _auc_on(frame: pd.DataFrame, probability: pd.Series, what: str) -> float:
    absent = ~frame["customer_id"].isin(probability.index)
    if absent.any():
        raise ValueError(
            f"{int(absent.sum())} evaluation customers are not in the ground truth "
            f"({what}; e.g. {frame.loc[absent, 'customer_id'].head(3).tolist()})"
        )
    y = frame[LABEL_COLUMN].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ValueError("the evaluation labels hold only one class: AUC is undefined")
    p = probability.reindex(frame["customer_id"]).to_numpy()
    if np.isnan(p).any():
        raise ValueError(
            f"{int(np.isnan(p).sum())} evaluation customers signed up after the cutoff ({what})"
        )
    return float(roc_auc_score(y, p))


def oracle_aucs(
    truth: GroundTruth, orders: pd.DataFrame, frame: pd.DataFrame, horizon_days: int
) -> OracleAUC:
    """Bayes and clairvoyant oracle AUCs on a single-cutoff labelled frame."""
    cutoffs = frame["cutoff_date"].unique()
    if len(cutoffs) != 1:
        raise ValueError(f"oracle_aucs expects one cutoff, got {sorted(cutoffs)}")
    cutoff = pd.Timestamp(cutoffs[0]).date()
    return OracleAUC(
        bayes=_auc_on(
            frame, bayes_churn_probability(truth, orders, cutoff, horizon_days), "bayes"
        ),
        clairvoyant=_auc_on(
            frame,
            clairvoyant_churn_probability(truth, cutoff, horizon_days),
            "clairvoyant",
        ),
    )


def warehouse_orders(url: str) -> pd.DataFrame:
    """order_id, customer_id, ordered_at of every order in `marts.fct_orders`."""
    from warehouse.reading import read_frame

    return read_frame(
        url, "select order_id, customer_id, ordered_at from marts.fct_orders"
    )


@dataclass(frozen=True)
class OracleBar:
    """accuracy >= min_accuracy AND roc_auc >= min_oracle_ratio x the Bayes oracle's."""

    min_accuracy: float = MIN_ACCURACY
    min_oracle_ratio: float = MIN_ORACLE_RATIO

    def check(self, metrics: dict[str, float], oracle: OracleAUC) -> dict[str, Any]:
        ratio = metrics["roc_auc"] / oracle.bayes
        accuracy_ok = metrics["accuracy"] >= self.min_accuracy
        auc_ok = ratio >= self.min_oracle_ratio
        return {
            "roc_auc": metrics["roc_auc"],
            "accuracy": metrics["accuracy"],
            "oracle_roc_auc": oracle.bayes,
            "clairvoyant_roc_auc": oracle.clairvoyant,
            "oracle_ratio": ratio,
            "accuracy_ok": accuracy_ok,
            "auc_ok": auc_ok,
            "passed": bool(accuracy_ok and auc_ok),
        }


def evaluate_champion(
    url: str,
    batches: list[TruthBatch],
    model_uri: str,
    bar: OracleBar | None = None,
) -> dict[str, Any]:
    """The registered model at `model_uri` on the marts' evaluation cutoff, against the oracle.

    Returns the `OracleBar` verdict plus the cutoff and the number of customers.
    """
    from ml.churn.evaluate import classification_metrics
    from ml.churn.marts import cutoff_plan, load_labelled_frame
    from ml.churn.model import labels
    from ml.churn.predict import churn_probability, load_churn_model

    plan = cutoff_plan(url)
    frame = load_labelled_frame(url, [plan.evaluation])
    pipeline = load_churn_model(model_uri)
    metrics = classification_metrics(labels(frame), churn_probability(pipeline, frame))
    oracle = oracle_aucs(
        load_ground_truth(batches), warehouse_orders(url), frame, plan.horizon_days
    )
    verdict = (bar or OracleBar()).check(metrics, oracle)
    return {
        **verdict,
        "eval_cutoff": plan.evaluation.isoformat(),
        "n_customers": len(frame),
    }
