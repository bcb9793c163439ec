"""Repeat purchases: a user's own history as scores ("buy again") and its blend with CF.

On grocery data most of a household's next basket is items it bought before, so a recommender
that never repeats loses to "buy what you bought before". Two scorers use the history:

- `BuyAgainScorer` (the `buy_again` method, a baseline): a user's training items ranked by
  purchase frequency (number of events, i.e. rows with weight > 0; on the warehouse one row is
  a customer x product x day), most recent last event first on ties; then global popularity
  for the remaining slots. Users without history get the popularity fallback (cold start).
- `RepeatBlendScorer` (a CF method fit with `exclude_seen=False`):
  score(u, i) = w * share(u, i) + (1 - w) * cf(u, i), where share = frequency / the user's
  largest frequency (0 for items the user never had) and cf = the CF score min-max scaled per
  user over the catalogue, both in [0, 1]; `w` is the repeat weight in [0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ml.recommender.scorers import FactorScorer, ItemKNNScorer

#: Default repeat weight of the blend; the pipeline tunes it on validation (`REPEAT_WEIGHT_GRID`).
DEFAULT_REPEAT_WEIGHT = 0.5
REPEAT_WEIGHT_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class History:
    """Per (user, item) of the model grid: event count and time of the last event."""

    frequency: sp.csr_matrix  # float64 counts, sorted indices
    last_seen: sp.csr_matrix  # same sparsity; last event time scaled to [0, 1]


def history(interactions: pd.DataFrame, users: pd.Index, items: pd.Index) -> History:
    """Event counts and last-event times of `interactions` on the (users x items) grid.

    Rows with weight 0, or whose user/item is not on the grid, are ignored. Without a
    `timestamp` column every last-event time is 0 (frequency alone ranks).
    """
    frame = interactions.loc[interactions["weight"].to_numpy(dtype=np.float64) > 0]
    rows = users.get_indexer(frame["user_id"])
    cols = items.get_indexer(frame["item_id"])
    keep = (rows >= 0) & (cols >= 0)
    rows, cols = rows[keep], cols[keep]
    times = _times(frame, keep)
    shape = (len(users), len(items))
    key = rows.astype(np.int64) * len(items) + cols
    unique, inverse = np.unique(key, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(unique)).astype(np.float64)
    last = np.full(len(unique), -np.inf)
    np.maximum.at(last, inverse, times)
    span = (last.max() - last.min()) if len(last) else 0.0
    recency = (last - last.min()) / span if span > 0 else np.zeros_like(last)
    u_rows, u_cols = unique // len(items), unique % len(items)
    frequency = sp.csr_matrix((counts, (u_rows, u_cols)), shape=shape)
    last_seen = sp.csr_matrix((recency, (u_rows, u_cols)), shape=shape)
    frequency.sort_indices()
    last_seen.sort_indices()
    return History(frequency, last_seen)


def _times(frame: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
    if "timestamp" not in frame.columns:
        return np.zeros(int(keep.sum()))
    stamps = frame["timestamp"]
    if pd.api.types.is_datetime64_any_dtype(stamps):
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        values = stamps.to_numpy().astype("datetime64[ns]").astype(np.int64)
    else:
        values = pd.to_numeric(stamps).to_numpy()
    return values[keep].astype(np.float64)


def buy_again_order(hist: History) -> sp.csr_matrix:
    """Per user, 1 + (n_u - position) / n_u for the n_u history items (in (1, 2]).

    Position 0 = highest frequency, ties by latest last event, then by item position.
    """
    freq, last = hist.frequency, hist.last_seen
    rows = np.repeat(np.arange(freq.shape[0]), np.diff(freq.indptr))
    order = np.lexsort((freq.indices, -last.data, -freq.data, rows))
    counts = np.diff(freq.indptr)
    position = np.empty(len(order), dtype=np.float64)
    position[order] = np.arange(len(order)) - np.repeat(freq.indptr[:-1], counts)
    n_u = np.repeat(counts, counts).astype(np.float64)
    values = 1.0 + (n_u - position) / np.maximum(n_u, 1.0)
    return sp.csr_matrix((values, freq.indices, freq.indptr), shape=freq.shape)


def repeat_share(hist: History) -> sp.csr_matrix:
    """frequency / the user's largest frequency, in (0, 1] for history items."""
    freq = hist.frequency
    counts = np.diff(freq.indptr)
    if freq.nnz == 0:
        return freq.copy()
    top = np.maximum.reduceat(freq.data, freq.indptr[:-1][counts > 0])
    user_top = np.ones(freq.shape[0])
    user_top[counts > 0] = top
    values = freq.data / np.repeat(user_top, counts)
    return sp.csr_matrix((values, freq.indices, freq.indptr), shape=freq.shape)


def _scatter(block: np.ndarray, part: sp.csr_matrix, scale: float = 1.0) -> None:
    """block[r, c] += scale * part[r, c] for the stored entries of `part` (same row count)."""
    counts = np.diff(part.indptr)
    block[np.repeat(np.arange(len(counts)), counts), part.indices] += scale * part.data


@dataclass(frozen=True)
class BuyAgainScorer:
    """History items first (frequency, then recency), then global popularity."""

    order: sp.csr_matrix  # (n_users, n_items), values in (1, 2] from `buy_again_order`
    fallback: np.ndarray  # (n_items,) in (0, 1), the global popularity order

    def score(self, rows: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
        block = np.tile(self.fallback, (len(rows), 1))
        part = self.order[rows]
        counts = np.diff(part.indptr)
        block[np.repeat(np.arange(len(rows)), counts), part.indices] = part.data
        return block


@dataclass(frozen=True)
class RepeatBlendScorer:
    """w * repeat share + (1 - w) * per-user min-max scaled CF score."""

    base: FactorScorer | ItemKNNScorer
    share: sp.csr_matrix  # (n_users, n_items) from `repeat_share`
    weight: float

    def score(self, rows: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
        raw = np.asarray(self.base.score(rows, seen), dtype=np.float64)
        low = raw.min(axis=1, keepdims=True)
        span = raw.max(axis=1, keepdims=True) - low
        block = (raw - low) / np.where(span > 0, span, 1.0)
        block *= 1.0 - self.weight
        _scatter(block, self.share[rows], self.weight)
        return block

    def similar(self, item: int) -> np.ndarray:
        return self.base.similar(item)


def check_repeat_weight(weight: object) -> float:
    """`weight` as a float in [0, 1), else ValueError."""
    if isinstance(weight, bool) or not isinstance(weight, int | float | np.number):
        raise ValueError(f"repeat_weight must be a number in [0, 1), got {weight!r}")
    value = float(weight)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"repeat_weight must be in [0, 1), got {value!r}")
    return value
