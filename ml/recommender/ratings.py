"""Explicit ratings: biased matrix factorisation ("svd") and a bias-only baseline, in numpy.

Both predict r(u, i) = mu + b_u + b_i [+ p_u . q_i]. The "svd" method fits the factorised
model by alternating ridge regressions (ALS with weighted-lambda regularisation: each user's or
item's penalty scales with its number of ratings), fully vectorised per side; "baseline" fits
the biases alone by regularised alternating means. Unknown users/items contribute zero bias and
factors; predictions are clipped to the training rating range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.recommender._validation import check_frame, check_ratings

RATING_DEFAULTS: dict[str, dict[str, Any]] = {
    "svd": {"factors": 10, "regularization": 0.1, "iterations": 15, "random_state": 0},
    "baseline": {"reg_user": 15.0, "reg_item": 10.0, "iterations": 10},
}
_MAX_BLOCK_CELLS = 1 << 22  # bound on the per-chunk stack of outer products


@dataclass
class RatingsModel:
    """A fitted rating predictor (build it with `fit_ratings`)."""

    method: str
    params: dict[str, Any]
    user_ids: pd.Index
    item_ids: pd.Index
    global_mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    rating_range: tuple[float, float]
    user_factors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    item_factors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def predict(self, user_id: object, item_id: object) -> float:
        """Predicted rating of `item_id` by `user_id`."""
        frame = pd.DataFrame({"user_id": [user_id], "item_id": [item_id]})
        return float(self._predict_codes(*self._codes(frame))[0])

    def predict_batch(self, df: pd.DataFrame) -> pd.Series:
        """Predicted ratings for the (user_id, item_id) rows of `df`, aligned to its index."""
        frame = check_frame(df, ("user_id", "item_id"), "df")
        return pd.Series(
            self._predict_codes(*self._codes(frame)),
            index=frame.index,
            name="prediction",
        )

    def _codes(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return self.user_ids.get_indexer(frame["user_id"]), self.item_ids.get_indexer(
            frame["item_id"]
        )

    def _predict_codes(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        known_u, known_i = users >= 0, items >= 0
        pred = np.full(len(users), self.global_mean)
        pred[known_u] += self.user_bias[users[known_u]]
        pred[known_i] += self.item_bias[items[known_i]]
        both = known_u & known_i
        if self.user_factors.size and both.any():
            pred[both] += np.einsum(
                "ij,ij->i",
                self.user_factors[users[both]],
                self.item_factors[items[both]],
            )
        return np.clip(pred, *self.rating_range)


def fit_ratings(
    ratings: pd.DataFrame, method: str = "svd", **params: Any
) -> RatingsModel:
    """Fit a rating predictor on `ratings` (columns user_id, item_id, rating).

    Args:
        method: "svd" (biased MF; params factors, regularization, iterations, random_state) or
            "baseline" (global mean + biases; params reg_user, reg_item, iterations).
    """
    if method not in RATING_DEFAULTS:
        raise ValueError(
            f"unknown method {method!r}; valid methods: {list(RATING_DEFAULTS)}"
        )
    unknown = sorted(set(params) - set(RATING_DEFAULTS[method]))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for method {method!r}; "
            f"valid: {sorted(RATING_DEFAULTS[method])}"
        )
    settings = {**RATING_DEFAULTS[method], **params}
    frame = check_ratings(ratings)
    users, user_ids = pd.factorize(frame["user_id"])
    items, item_ids = pd.factorize(frame["item_id"])
    values = frame["rating"].to_numpy(dtype=np.float64)
    mu = float(values.mean())
    user_bias, item_bias = _fit_biases(
        users, items, values - mu, len(user_ids), len(item_ids), settings
    )
    model = RatingsModel(
        method=method,
        params=settings,
        user_ids=pd.Index(user_ids),
        item_ids=pd.Index(item_ids),
        global_mean=mu,
        user_bias=user_bias,
        item_bias=item_bias,
        rating_range=(float(values.min()), float(values.max())),
    )
    if method == "svd":
        _fit_factors(model, users, items, values, settings)
    return model


def evaluate_ratings(model: RatingsModel, test: pd.DataFrame) -> dict[str, float]:
    """RMSE and MAE of `model` on `test` (columns user_id, item_id, rating)."""
    frame = check_ratings(test, "test")
    errors = model.predict_batch(frame).to_numpy() - frame["rating"].to_numpy(
        dtype=np.float64
    )
    return {
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mae": float(np.mean(np.abs(errors))),
    }


def _fit_biases(
    users: np.ndarray,
    items: np.ndarray,
    residual: np.ndarray,
    n_users: int,
    n_items: int,
    settings: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    reg_user = float(settings.get("reg_user", 15.0))
    reg_item = float(settings.get("reg_item", 10.0))
    user_counts = np.bincount(users, minlength=n_users)
    item_counts = np.bincount(items, minlength=n_items)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(int(settings.get("iterations", 10))):
        item_bias = np.bincount(items, residual - user_bias[users], n_items) / (
            reg_item + item_counts
        )
        user_bias = np.bincount(users, residual - item_bias[items], n_users) / (
            reg_user + user_counts
        )
    return user_bias, item_bias


def _fit_factors(
    model: RatingsModel,
    users: np.ndarray,
    items: np.ndarray,
    values: np.ndarray,
    settings: dict[str, Any],
) -> None:
    factors = int(settings["factors"])
    lam = float(settings["regularization"])
    if factors <= 0 or lam < 0:
        raise ValueError(
            f"need factors > 0 and regularization >= 0, got {factors}, {lam}"
        )
    rng = np.random.default_rng(settings["random_state"])
    n_users, n_items = len(model.user_ids), len(model.item_ids)
    item_side = np.hstack(
        [model.item_bias[:, None], 0.1 * rng.standard_normal((n_items, factors))]
    )
    user_side = np.zeros((n_users, factors + 1))
    by_user, by_item = (
        np.argsort(users, kind="stable"),
        np.argsort(items, kind="stable"),
    )
    centred = values - model.global_mean
    for _ in range(int(settings["iterations"])):
        # user step: features [1, q_i], target r - mu - b_i -> solve for [b_u, p_u]
        user_side = _ridge_by_group(
            users[by_user],
            _with_ones(item_side[items[by_user], 1:]),
            centred[by_user] - item_side[items[by_user], 0],
            n_users,
            lam,
        )
        # item step: features [1, p_u], target r - mu - b_u -> solve for [b_i, q_i]
        item_side = _ridge_by_group(
            items[by_item],
            _with_ones(user_side[users[by_item], 1:]),
            centred[by_item] - user_side[users[by_item], 0],
            n_items,
            lam,
        )
    model.user_bias, model.user_factors = (
        user_side[:, 0].copy(),
        user_side[:, 1:].copy(),
    )
    model.item_bias, model.item_factors = (
        item_side[:, 0].copy(),
        item_side[:, 1:].copy(),
    )


def _with_ones(features: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(features), 1)), features])


def _ridge_by_group(
    groups: np.ndarray,
    features: np.ndarray,
    target: np.ndarray,
    n_groups: int,
    lam: float,
) -> np.ndarray:
    """Per-group ridge solutions; `groups` sorted, every group 0..n_groups-1 non-empty.

    Group g solves (X_g' X_g + lam * n_g * I) w = X_g' y_g (weighted-lambda regularisation).
    """
    dim = features.shape[1]
    starts = np.searchsorted(groups, np.arange(n_groups + 1))
    counts = np.diff(starts)
    solutions = np.zeros((n_groups, dim))
    step = max(1, _MAX_BLOCK_CELLS // (dim * dim))
    group = 0
    while group < n_groups:
        last = int(np.searchsorted(starts, starts[group] + step, side="right")) - 1
        last = min(max(last, group + 1), n_groups)
        lo, hi = starts[group], starts[last]
        x, y = features[lo:hi], target[lo:hi]
        offsets = starts[group:last] - lo
        gram = np.add.reduceat(np.einsum("ni,nj->nij", x, x), offsets, axis=0)
        rhs = np.add.reduceat(x * y[:, None], offsets, axis=0)
        gram += (lam * counts[group:last])[:, None, None] * np.eye(dim)
        solutions[group:last] = np.linalg.solve(gram, rhs[..., None])[..., 0]
        group = last
    return solutions
