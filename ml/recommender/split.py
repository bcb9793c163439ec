"""Train/test splits for offline evaluation: temporal (global cutoff) and random."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.recommender._validation import check_interactions


def temporal_split(
    interactions: pd.DataFrame,
    test_fraction: float | None = 0.2,
    cutoff: object | None = None,
    min_train_interactions: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split at one global time cutoff: rows before it train, rows at/after it test.

    Args:
        interactions: needs a `timestamp` column (datetime-like or numeric).
        test_fraction: share of rows (by time order) to hold out; ignored when `cutoff` is given.
        cutoff: explicit timestamp; train = timestamp < cutoff, test = timestamp >= cutoff.
        min_train_interactions: test keeps only users with at least this many train rows.

    Test keeps only users and items seen in train: a CF model cannot score an unseen item and
    cold-start users are a separate question (popularity fallback), so counting them would
    measure the fallback, not the model.
    """
    frame = check_interactions(interactions)
    if "timestamp" not in frame.columns:
        raise ValueError(
            "temporal_split needs a 'timestamp' column; use random_split for data without one"
        )
    times = frame["timestamp"]
    if times.isna().any():
        raise ValueError(
            f"interactions.timestamp has {int(times.isna().sum())} null value(s)"
        )
    if cutoff is None:
        if test_fraction is None or not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
        cutoff = times.sort_values().iloc[
            int(np.floor(len(times) * (1 - test_fraction)))
        ]
    try:
        is_test = (times >= cutoff).to_numpy()
    except TypeError as error:
        raise ValueError(
            f"cutoff {cutoff!r} is not comparable with timestamp dtype {times.dtype}"
        ) from error
    return _finish(frame, is_test, min_train_interactions)


def random_split(
    interactions: pd.DataFrame,
    test_fraction: float = 0.2,
    seed: int = 0,
    min_train_interactions: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a random `test_fraction` of rows (for data without timestamps).

    Test is filtered like `temporal_split`: only users and items seen in train.
    """
    frame = check_interactions(interactions)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    return _finish(
        frame, rng.uniform(size=len(frame)) < test_fraction, min_train_interactions
    )


def _finish(
    frame: pd.DataFrame, is_test: np.ndarray, min_train_interactions: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(min_train_interactions, bool) or min_train_interactions < 1:
        raise ValueError(
            f"min_train_interactions must be >= 1, got {min_train_interactions!r}"
        )
    train = frame.loc[~is_test].copy()
    test = frame.loc[is_test]
    if train.empty:
        raise ValueError("the split leaves no training rows; move the cutoff later")
    user_counts = train["user_id"].value_counts()
    eligible = user_counts.index[user_counts >= min_train_interactions]
    keep = test["user_id"].isin(eligible) & test["item_id"].isin(
        train["item_id"].unique()
    )
    return train, test.loc[keep].copy()
