"""Read churn training/evaluation/scoring frames from the dbt feature marts.

The marts (`ml_features.ml_customer_features`, `ml_features.ml_churn_labels`) hold one row per
(customer, cutoff) for every cutoff in `ml_features.ml_cutoffs`; dbt builds them for the
cutoffs in `var('ml_cutoff_dates')`. `build_feature_marts` runs that dbt build; the readers
refuse cutoffs the marts were not built for, naming the missing ones.

Time-based split: training cutoffs come strictly before the evaluation cutoff, and each
training label window ends on or before the evaluation cutoff, so no label used in training
looks past the evaluation cutoff.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pandas as pd

from ml.churn.features import LABEL_COLUMN

SCHEMA = "ml_features"
FEATURES_TABLE = f"{SCHEMA}.ml_customer_features"
LABELS_TABLE = f"{SCHEMA}.ml_churn_labels"
CUTOFFS_TABLE = f"{SCHEMA}.ml_cutoffs"
DEFAULT_HORIZON_DAYS = 90
# Only the cutoff-dependent nodes: their parents (staging, orders) do not read the ML vars.
# (the intersection with models keeps tests out of the direct selection; with cautious indirect
# selection only tests whose parents are all rebuilt run, not e.g. relations to dim_customers).
DBT_SELECTION = ("int_ml_cutoffs_selected+,resource_type:model",)


class FeatureMartError(RuntimeError):
    """The feature marts are missing or were not built for the requested cutoffs/horizon."""


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a YYYY-MM-DD date, got {value!r}") from None


def latest_order_date(url: str) -> dt.date:
    """The last day with an order in the staging data (the data's "today")."""
    from warehouse.connection import connect

    with connect(url) as conn:
        row = conn.execute(
            "select max(ordered_date) from staging.stg_shop__orders"
        ).fetchone()
    if row is None or row[0] is None:
        raise FeatureMartError("staging.stg_shop__orders is empty: load a batch first")
    return row[0]


def plan_cutoffs(
    data_end: dt.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    n_train: int = 3,
    step_days: int | None = None,
) -> tuple[list[dt.date], dt.date, dt.date]:
    """Training cutoffs, the evaluation cutoff and the scoring cutoff for data ending `data_end`.

    Evaluation is one horizon before the data end (its labels are just observable), training
    cutoffs step back from there by `step_days` (default: one horizon) so their label windows
    end on or before the evaluation cutoff; scoring is at the data end.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be >= 1, got {horizon_days}")
    if n_train < 1:
        raise ValueError(f"n_train must be >= 1, got {n_train}")
    step = step_days or horizon_days
    if step < horizon_days:
        raise ValueError(
            f"step_days ({step}) must be >= horizon_days ({horizon_days}) so a training "
            "label window never overlaps the evaluation period"
        )
    evaluation = data_end - dt.timedelta(days=horizon_days)
    train = [evaluation - dt.timedelta(days=step * k) for k in range(n_train, 0, -1)]
    return train, evaluation, data_end


def build_feature_marts(
    url: str, cutoffs: Sequence[object], horizon_days: int = DEFAULT_HORIZON_DAYS
) -> None:
    """`dbt build` the ML marts for `cutoffs` with the given horizon.

    Rebuilds only the cutoff-dependent models (and runs their tests); the rest of the
    project (staging, core marts) must have been built already.
    """
    from orchestration.dbt_runner import run_dbt

    dates = sorted({_as_date(c, "cutoff").isoformat() for c in cutoffs})
    if not dates:
        raise ValueError("build_feature_marts: no cutoffs given")
    dbt_vars = json.dumps(
        {"ml_cutoff_dates": dates, "churn_horizon_days": int(horizon_days)}
    )
    code = run_dbt(
        [
            "build",
            "--select",
            *DBT_SELECTION,
            "--indirect-selection",
            "cautious",
            "--vars",
            dbt_vars,
            "--threads",
            "2",
        ],
        url,
    )
    if code != 0:
        raise FeatureMartError(
            f"dbt build of the ML marts failed (exit {code}) for cutoffs {dates}"
        )


def available_cutoffs(url: str) -> pd.DataFrame:
    """`ml_features.ml_cutoffs`: the cutoffs the marts hold, with horizon and observability."""
    frame = _read_sql(url, f"select * from {CUTOFFS_TABLE} order by cutoff_date")
    frame["cutoff_date"] = pd.to_datetime(frame["cutoff_date"]).dt.date
    return frame


def _require_cutoffs(
    url: str, cutoffs: Sequence[dt.date], horizon_days: int, *, labelled: bool
) -> None:
    have = available_cutoffs(url)
    missing = sorted(set(cutoffs) - set(have["cutoff_date"]))
    if missing:
        raise FeatureMartError(
            f"the ML marts hold cutoffs {[d.isoformat() for d in have['cutoff_date']]} "
            f"but not {[d.isoformat() for d in missing]}; build them with "
            "ml.churn.data.build_feature_marts(url, cutoffs) "
            "(dbt build --vars '{ml_cutoff_dates: [...]}')"
        )
    chosen = have[have["cutoff_date"].isin(cutoffs)]
    horizons = sorted(set(chosen["churn_horizon_days"].astype(int)))
    if horizons != [int(horizon_days)]:
        raise FeatureMartError(
            f"the ML marts were built with churn_horizon_days={horizons}, "
            f"requested {horizon_days}: rebuild with build_feature_marts"
        )
    if labelled:
        blind = chosen.loc[~chosen["is_label_observable"], "cutoff_date"]
        if len(blind):
            raise FeatureMartError(
                f"cutoff(s) {[d.isoformat() for d in blind]} have no observable labels: "
                f"their {horizon_days}-day horizon runs past the data end"
            )


def ensure_feature_marts(
    url: str, cutoffs: Sequence[object], horizon_days: int = DEFAULT_HORIZON_DAYS
) -> bool:
    """Build the ML marts unless they already hold exactly `cutoffs` with this horizon.

    Returns whether dbt ran.
    """
    dates = sorted({_as_date(c, "cutoff") for c in cutoffs})
    try:
        have = available_cutoffs(url)
        current = sorted(have["cutoff_date"]) == dates and set(
            have["churn_horizon_days"].astype(int)
        ) == {int(horizon_days)}
    except FeatureMartError:
        current = False
    if not current:
        build_feature_marts(url, dates, horizon_days)
    return not current


def load_labelled_frame(
    url: str, cutoffs: Sequence[object], horizon_days: int = DEFAULT_HORIZON_DAYS
) -> pd.DataFrame:
    """Features joined to labels for `cutoffs` (customers with an order by each cutoff)."""
    dates = sorted({_as_date(c, "cutoff") for c in cutoffs})
    if not dates:
        raise ValueError("load_labelled_frame: no cutoffs given")
    _require_cutoffs(url, dates, horizon_days, labelled=True)
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
    url: str,
    cutoffs: Sequence[object],
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, eval) frames: every cutoff but the latest trains, the latest evaluates.

    Raises when a training cutoff's label window would reach past the evaluation cutoff.
    """
    dates = sorted({_as_date(c, "cutoff") for c in cutoffs})
    if len(dates) < 2:
        raise ValueError(
            f"load_training_frames needs >= 2 cutoffs (train..., eval), got {len(dates)}"
        )
    *train_dates, eval_date = dates
    late = [d for d in train_dates if d + dt.timedelta(days=horizon_days) > eval_date]
    if late:
        raise ValueError(
            f"training cutoff(s) {[d.isoformat() for d in late]} have label windows past "
            f"the evaluation cutoff {eval_date.isoformat()} (horizon {horizon_days} days): "
            "that leaks evaluation-period outcomes into training"
        )
    frame = load_labelled_frame(url, dates, horizon_days)
    is_eval = frame["cutoff_date"] == eval_date
    train, evaluation = frame[~is_eval].reset_index(drop=True), frame[is_eval]
    if train.empty or evaluation.empty:
        raise FeatureMartError(
            f"empty {'training' if train.empty else 'evaluation'} frame for cutoffs "
            f"{[d.isoformat() for d in dates]}"
        )
    return train, evaluation.reset_index(drop=True)


def load_scoring_frame(url: str, cutoff: object | None = None) -> pd.DataFrame:
    """Features of every active customer (>= 1 order by the cutoff) at `cutoff`.

    Default cutoff: the latest one in the marts.
    """
    if cutoff is None:
        have = available_cutoffs(url)
        if have.empty:
            raise FeatureMartError(
                f"{CUTOFFS_TABLE} is empty: build the ML marts first"
            )
        date = max(have["cutoff_date"])
    else:
        date = _as_date(cutoff, "cutoff")
        have = available_cutoffs(url)
        if date not in set(have["cutoff_date"]):
            raise FeatureMartError(
                f"the ML marts hold no features for cutoff {date.isoformat()}"
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
    from psycopg import errors
    from psycopg.types.numeric import FloatLoader

    from warehouse.connection import connect

    try:
        with connect(url) as conn:
            # numeric -> float: features are model inputs, not money to add up exactly
            conn.adapters.register_loader("numeric", FloatLoader)
            cur = conn.execute(query, params)
            columns = [d.name for d in cur.description or []]
            rows = cur.fetchall()
    except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
        raise FeatureMartError(
            f"ML feature marts missing ({exc.diag.message_primary}); "
            "run ml.churn.data.build_feature_marts(url, cutoffs) or `ecom dbt build`"
        ) from None
    return pd.DataFrame.from_records(rows, columns=columns)
