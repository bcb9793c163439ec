"""Nearest-neighbour matching on a scalar score, and the Abadie-Imbens variance pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors


@dataclass(frozen=True)
class Matches:
    """Matches of `source` units into `target` units.

    `neighbors[i]` holds target positions matched to source unit i (-1 = no match kept);
    `n_matches[i]` counts the kept ones (0 = dropped, e.g. by the caliper).
    """

    neighbors: np.ndarray
    n_matches: np.ndarray

    def imputed(self, target_values: np.ndarray) -> np.ndarray:
        """Mean target value over each source unit's kept matches (NaN when none)."""
        kept = self.neighbors >= 0
        values = np.where(kept, target_values[np.where(kept, self.neighbors, 0)], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return values.sum(axis=1) / self.n_matches

    def target_weights(self, n_target: int) -> tuple[np.ndarray, np.ndarray]:
        """Per target unit: w = sum of 1/M_i and v = sum of 1/M_i**2 over the units matching it."""
        kept = self.neighbors >= 0
        share = np.where(kept, 1.0 / np.maximum(self.n_matches, 1)[:, None], 0.0)
        idx = np.where(kept, self.neighbors, 0).ravel()
        w = np.bincount(idx, weights=share.ravel(), minlength=n_target)
        v = np.bincount(idx, weights=(share**2).ravel(), minlength=n_target)
        return w, v


def match_with_replacement(
    source: np.ndarray, target: np.ndarray, n_neighbors: int, caliper: float | None
) -> Matches:
    """The n_neighbors nearest targets of each source score (targets may be reused)."""
    k = min(n_neighbors, len(target))
    nn = NearestNeighbors(n_neighbors=k).fit(target[:, None])
    distances, neighbors = nn.kneighbors(source[:, None])
    if caliper is not None:
        neighbors = np.where(distances <= caliper, neighbors, -1)
    return Matches(neighbors=neighbors, n_matches=(neighbors >= 0).sum(axis=1))


def match_without_replacement(
    source: np.ndarray,
    target: np.ndarray,
    n_neighbors: int,
    caliper: float | None,
    rng: np.random.Generator,
) -> Matches:
    """Greedy matching, highest source score first: each target is used at most once.

    Going from the largest score down (MatchIt's default order) serves first the units that
    are hardest to match; `rng` breaks ties in the order.
    """
    neighbors = np.full((len(source), n_neighbors), -1, dtype=np.int64)
    available = np.ones(len(target), dtype=bool)
    limit = np.inf if caliper is None else caliper
    for _round in range(n_neighbors):  # one match per source unit per round
        for i in np.lexsort((rng.permutation(len(source)), -source)):
            if not available.any():
                break
            distance = np.where(available, np.abs(target - source[i]), np.inf)
            j = int(np.argmin(distance))
            if distance[j] <= limit:
                neighbors[i, _round] = j
                available[j] = False
    return Matches(neighbors=neighbors, n_matches=(neighbors >= 0).sum(axis=1))


def conditional_variance(
    y: np.ndarray, score: np.ndarray, group: np.ndarray, n_neighbors: int = 2
) -> np.ndarray:
    """Abadie-Imbens estimate of Var(Y | score, group) for each unit.

    Each unit is compared with its `n_neighbors` nearest units (on the score) in its own
    group: sigma^2_i = J / (J + 1) * (y_i - mean of the J neighbours' y)^2.
    """
    sigma2 = np.zeros(len(y))
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        j = min(n_neighbors, len(idx) - 1)
        if j < 1:
            continue
        nn = NearestNeighbors(n_neighbors=j + 1).fit(score[idx, None])
        _, neighbors = nn.kneighbors(score[idx, None])
        # Drop each unit itself (normally the first neighbour, but ties can reorder or hide
        # it); either way exactly j neighbours remain per row.
        own = neighbors == np.arange(len(idx))[:, None]
        others = np.where(own.any(axis=1)[:, None], ~own, np.arange(j + 1) < j)
        neighbor_mean = (y[idx][neighbors] * others).sum(axis=1) / j
        sigma2[idx] = j / (j + 1) * (y[idx] - neighbor_mean) ** 2
    return sigma2
