"""Read the churn frames from the dbt feature marts (and nothing below them).

`ml_features.ml_cutoffs` is the cutoff plan the warehouse build produced (dbt vars set by
Dagster on the `warehouse_dbt` asset): each cutoff with its horizon, whether its labels are
observable, and its role (train, evaluation, scoring). `ml_customer_features` and
`ml_churn_labels` hold one row per (customer, cutoff) for those cutoffs. Training reads the
plan and never runs dbt: to train on other cutoffs, build the warehouse with other vars.

Time-based split: training cutoffs come strictly before the evaluation cutoff, and each
training label window ends on or before it, so no label used in training looks past the
evaluation cutoff (checked here again, whatever the vars were).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ml.churn.features import LABEL_COLUMN

SCHEMA = "ml_features"
FEATURES_TABLE = f"{SCHEMA}.ml_customer_features"
LABELS_TABLE = f"{SCHEMA}.ml_churn_labels"
CUTOFFS_TABLE = f"{SCHEMA}.ml_cutoffs"
REBUILD_HINT = (
    "build the warehouse with the cutoffs you need: the Dagster asset warehouse_dbt "
    "(config churn_horizon_days, ml_train_cutoff_count, ml_cutoff_dates) or "
    "`ecom dbt build --vars '{ml_cutoff_dates: [...]}'`"
)


class FeatureMartError(RuntimeError):
    """The feature marts are missing or do not hold a usable cutoff plan."""


@dataclass(frozen=True)
class CutoffPlan:
    """What the marts were built for: training cutoffs, the evaluation and scoring cutoffs."""

    train: tuple[dt.date, ...]
    evaluation: dt.date
    scoring: dt.date
    horizon_days: int

    @property
    def labelled(self) -> list[dt.date]:
        return [*self.train, self.evaluation]


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a YYYY-MM-DD date, got {value!r}") from None


def available_cutoffs(url: str) -> pd.DataFrame:
    """`ml_features.ml_cutoffs`: every cutoff with horizon, observability and role."""
    frame = _read_sql(url, f"select * from {CUTOFFS_TABLE} order by cutoff_date")
    frame["cutoff_date"] = pd.to_datetime(frame["cutoff_date"]).dt.date
    return frame


def cutoff_plan(url: str) -> CutoffPlan:
    """The plan in `ml_cutoffs`; FeatureMartError naming what is missing or inconsistent."""
    return plan_from_cutoffs(available_cutoffs(url))


def plan_from_cutoffs(have: pd.DataFrame) -> CutoffPlan:
    """The plan in rows of `ml_cutoffs` (cutoff_date, churn_horizon_days, cutoff_role)."""
    if have.empty:
        raise FeatureMartError(f"{CUTOFFS_TABLE} is empty: {REBUILD_HINT}")
    horizons = sorted(set(have["churn_horizon_days"].astype(int)))
    if len(horizons) != 1:
        raise FeatureMartError(
            f"{CUTOFFS_TABLE} mixes churn horizons {horizons}: {REBUILD_HINT}"
        )
    horizon = horizons[0]
    roles = have.groupby("cutoff_role")["cutoff_date"].apply(sorted).to_dict()
    train, evaluation = roles.get("train", []), roles.get("evaluation", [])
    if not train or len(evaluation) != 1:
        raise FeatureMartError(
            f"{CUTOFFS_TABLE} holds {len(train)} training and {len(evaluation)} evaluation "
            f"cutoff(s) (cutoffs {[d.isoformat() for d in have['cutoff_date']]}); training "
            f"needs >= 1 labelled cutoff before a later labelled one: {REBUILD_HINT}"
        )
    late = [d for d in train if d + dt.timedelta(days=horizon) > evaluation[0]]
    if late:
        raise FeatureMartError(
            f"training cutoff(s) {[d.isoformat() for d in late]} have label windows past the "
            f"evaluation cutoff {evaluation[0].isoformat()} (horizon {horizon} days): that "
            f"leaks evaluation-period outcomes into training; {REBUILD_HINT}"
        )
    return CutoffPlan(
        train=tuple(train),
        evaluation=evaluation[0],
        scoring=max(have["cutoff_date"]),
        horizon_days=horizon,
    )


def load_labelled_frame(url: str, cutoffs: Sequence[object]) -> pd.DataFrame:
    """Features joined to labels for `cutoffs` (customers with an order by each cutoff)."""
    dates = sorted({_as_date(c, "cutoff") for c in cutoffs})
    if not dates:
        raise ValueError("load_labelled_frame: no cutoffs given")
    have = available_cutoffs(url)
    observable = set(have.loc[have["is_label_observable"], "cutoff_date"])
    missing = [d.isoformat() for d in dates if d not in observable]
    if missing:
        raise FeatureMartError(
            f"the marts hold no labels for cutoff(s) {missing} (labelled: "
            f"{sorted(d.isoformat() for d in observable)}): {REBUILD_HINT}"
        )
    frame = _read_sql(
        url,
        f"""
        select features.*, labels.{LABEL_COLUMN}
        from {FEATURES_TABLE} as features
        inner join {LABELS_TABLE} as labels
            on features.customer_id = labels.customer_id
            and features.cutoff_date = labels.cutoff_date
        where features.cutoff_date = any(%s)
        order by features.cutoff_date, features.customer_id
        """,
        (dates,),
    )
    return _normalise(frame)


def load_training_frames(
    url: str, plan: CutoffPlan
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, eval) frames: the plan's training cutoffs, and its evaluation cutoff."""
    frame = load_labelled_frame(url, plan.labelled)
    is_eval = frame["cutoff_date"] == plan.evaluation
    train, evaluation = frame[~is_eval].reset_index(drop=True), frame[is_eval]
    if train.empty or evaluation.empty:
        which = "training" if train.empty else "evaluation"
        raise FeatureMartError(
            f"no customer with purchases before the {which} cutoff(s) "
            f"{[d.isoformat() for d in plan.labelled]}: churn needs an order history longer "
            f"than the horizon ({plan.horizon_days} days) plus the cutoff steps, with "
            "customers active before the earliest cutoff. Deliver more history, or set a "
            f"shorter plan on the warehouse build ({REBUILD_HINT})"
        )
    return train, evaluation.reset_index(drop=True)


def load_scoring_frame(url: str, cutoff: object | None = None) -> pd.DataFrame:
    """Features of every active customer (>= 1 order by the cutoff) at `cutoff`.

    Default cutoff: the latest one in the marts (the plan's scoring cutoff).
    """
    have = available_cutoffs(url)
    if have.empty:
        raise FeatureMartError(f"{CUTOFFS_TABLE} is empty: {REBUILD_HINT}")
    date = max(have["cutoff_date"]) if cutoff is None else _as_date(cutoff, "cutoff")
    if date not in set(have["cutoff_date"]):
        raise FeatureMartError(
            f"the ML marts hold no features for cutoff {date.isoformat()}: {REBUILD_HINT}"
        )
    frame = _read_sql(
        url,
        f"""
        select * from {FEATURES_TABLE}
        where cutoff_date = %s and has_ordered
        order by customer_id
        """,
        (date,),
    )
    return _normalise(frame)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Cutoff as a date, label as bool: the dtypes the feature spec expects."""
    if "cutoff_date" in frame:
        frame["cutoff_date"] = pd.to_datetime(frame["cutoff_date"]).dt.date
    if LABEL_COLUMN in frame:
        frame[LABEL_COLUMN] = frame[LABEL_COLUMN].astype(bool)
    return frame


def _read_sql(url: str, query: str, params: tuple = ()) -> pd.DataFrame:
    from warehouse.reading import MartMissing, read_frame

    try:
        return read_frame(url, query, params, numeric_as_float=True)
    except MartMissing as exc:
        raise FeatureMartError(
            f"ML feature marts missing ({exc}): {REBUILD_HINT}"
        ) from None
