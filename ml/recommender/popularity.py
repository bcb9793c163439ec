"""Global and per-segment item popularity: the baseline and the cold-start fallback."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass(frozen=True)
class Popularity:
    """Popularity score tables: one row per segment plus a last row for the global ranking.

    Popularity of an item = number of distinct users who interacted with it. A segment's score is
    `segment_count + global_count / (max_global_count + 1)`, so items rank by segment popularity
    and ties (including items never seen in the segment) fall back to the global order.
    """

    table: np.ndarray  # (n_segments + 1, n_items) float64; last row = global
    segment_names: pd.Index
    # user_id -> segment code, for users with or without interactions
    user_segment: pd.Series
    # item positions per table row, most popular first (stable for ties)
    ranking: np.ndarray

    @property
    def global_row(self) -> int:
        return len(self.segment_names)

    def codes_for(self, user_ids: pd.Index | list[object]) -> np.ndarray:
        """Table row for each user: its segment's row, or the global row if it has none."""
        if self.user_segment.empty:
            return np.full(len(user_ids), self.global_row, dtype=np.int64)
        codes = self.user_segment.reindex(pd.Index(user_ids)).to_numpy(dtype=np.float64)
        return np.where(np.isnan(codes), self.global_row, codes).astype(np.int64)

    def code_for(self, user_id: object) -> int:
        """Table row for one user (fast path for single recommendations)."""
        try:
            return int(self.user_segment.at[user_id])
        except (KeyError, TypeError, ValueError):
            return self.global_row


def fit_popularity(
    matrix: sp.csr_matrix, users: pd.Index, segments: pd.Series | None = None
) -> Popularity:
    """Compute global and (if `segments`, a user_id -> segment Series, is given) segment tables."""
    binary = matrix.copy()
    binary.data[:] = 1.0
    global_counts = np.asarray(binary.sum(axis=0), dtype=np.float64).ravel()
    global_tiebreak = global_counts / (global_counts.max() + 1.0)
    if segments is None:
        return _popularity(
            global_counts[None, :], pd.Index([]), pd.Series(dtype=np.int64)
        )
    segments = _check_segments(segments)
    codes, names = pd.factorize(segments, sort=True)
    user_segment = pd.Series(codes, index=segments.index, dtype=np.int64)
    row_codes = user_segment.reindex(users).to_numpy(dtype=np.float64)
    known = ~np.isnan(row_codes)
    indicator = sp.csr_matrix(
        (
            np.ones(known.sum()),
            (row_codes[known].astype(np.int64), np.flatnonzero(known)),
        ),
        shape=(len(names), len(users)),
    )
    segment_counts = np.asarray((indicator @ binary).todense(), dtype=np.float64)
    table = np.vstack(
        [segment_counts + global_tiebreak[None, :], global_counts[None, :]]
    )
    return _popularity(table, pd.Index(names), user_segment)


def _popularity(
    table: np.ndarray, names: pd.Index, user_segment: pd.Series
) -> Popularity:
    ranking = np.argsort(-table, axis=1, kind="stable")
    return Popularity(table, names, user_segment, ranking)


def _check_segments(raw: object) -> pd.Series:
    if not isinstance(raw, pd.Series):
        raise TypeError(
            f"segments must be a pandas Series mapping user_id -> segment, got {type(raw).__name__}"
        )
    segments = raw.dropna()
    if not segments.index.is_unique:
        dupes = segments.index[segments.index.duplicated()].unique()[:5].tolist()
        raise ValueError(
            f"segments has duplicate user_id(s) in its index, e.g. {dupes}"
        )
    return segments
