"""The fitted `Recommender`: top-k recommendations, similar items, persistence."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ml.recommender._validation import check_k
from ml.recommender.popularity import Popularity
from ml.recommender.ranking import CHUNK_CELLS, mask_excluded, ranked_top_k, top_k
from ml.recommender.repeats import BuyAgainScorer, RepeatBlendScorer
from ml.recommender.scorers import FactorScorer, ItemKNNScorer, cooccurrence_cosine

Scorer = FactorScorer | ItemKNNScorer | BuyAgainScorer | RepeatBlendScorer | None


class Recommender:
    """A fitted top-k recommender over a fixed user and item catalogue (build it with `fit`).

    Known users are scored by the fitted method; unknown (cold-start) users get popularity
    recommendations — their segment's if a `segments` mapping was given at fit time and knows
    them, else global. `exclude_seen` is the model's own default for `recommend` (False: a
    repeat-aware model that may recommend a user's training items). Pickle it, or use
    `save`/`load`.
    """

    # class-level defaults: models pickled before these attributes existed load as before
    exclude_seen: bool = True
    repeat_weight: float | None = None

    def __init__(
        self,
        method: str,
        params: dict[str, Any],
        users: pd.Index,
        items: pd.Index,
        seen: sp.csr_matrix,
        scorer: Scorer,
        popularity: Popularity,
        num_threads: int = 1,
        exclude_seen: bool = True,
        repeat_weight: float | None = None,
    ) -> None:
        self.method = method
        self.params = dict(params)
        self.user_ids = users
        self.item_ids = items
        self._seen = seen
        self._scorer = scorer
        self._popularity = popularity
        self._num_threads = num_threads
        self.exclude_seen = bool(exclude_seen)
        self.repeat_weight = repeat_weight

    def __repr__(self) -> str:
        return (
            f"Recommender(method={self.method!r}, n_users={self.n_users}, "
            f"n_items={self.n_items}, params={self.params}, "
            f"exclude_seen={self.exclude_seen}, repeat_weight={self.repeat_weight})"
        )

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def is_known_user(self, user_id: object) -> bool:
        """True if the user had interactions in the training data."""
        return self._user_row(user_id) >= 0

    def recommend(
        self, user_id: object, k: int = 10, exclude_seen: bool | None = None
    ) -> list[tuple[Any, float]]:
        """Top-k (item_id, score) pairs for one user, best first.

        `exclude_seen=None` uses the model's own setting. Fewer than k pairs come back only
        when seen items are excluded and the user has seen almost the whole catalogue.
        """
        k = check_k(k)
        items, scores = self._top_items([user_id], k, self._exclude(exclude_seen))
        valid = items[0] >= 0
        ids = self.item_ids.take(items[0][valid]).tolist()
        return list(zip(ids, scores[0][valid].astype(float).tolist(), strict=True))

    def recommend_batch(
        self, user_ids: Iterable[object], k: int = 10, exclude_seen: bool | None = None
    ) -> pd.DataFrame:
        """Top-k recommendations for many users as a long frame: user_id, rank (1..k), item_id, score.

        `exclude_seen=None` uses the model's own setting.
        """
        k = check_k(k)
        users = list(user_ids)
        with threadpool_limits(limits=self._num_threads, user_api="blas"):
            items, scores = self._top_items(users, k, self._exclude(exclude_seen))
        valid = items >= 0
        row, col = np.nonzero(valid)
        user_index = (
            pd.Index(users) if users else pd.Index([], dtype=self.user_ids.dtype)
        )
        return pd.DataFrame(
            {
                "user_id": user_index.take(row),
                "rank": (col + 1).astype(np.int64),
                "item_id": self.item_ids.take(items[valid]),
                "score": scores[valid].astype(np.float64),
            }
        )

    def similar_items(self, item_id: object, k: int = 10) -> list[tuple[Any, float]]:
        """The k items most similar to `item_id` with their similarity, best first.

        ALS/BPR: cosine of item factors. item_knn: the fitted item-item cosine (kept neighbours
        only). popularity, buy_again: co-occurrence cosine over the training interactions. Items with zero
        co-occurrence similarity are not returned by item_knn/popularity.
        """
        k = check_k(k)
        item = self._item_row(item_id)
        if item < 0:
            raise KeyError(
                f"item_id {item_id!r} is not in the model's catalogue of {self.n_items} items "
                "(it had no interactions in the training data)"
            )
        scorer = self._scorer
        if isinstance(scorer, RepeatBlendScorer):
            scorer = scorer.base
        if scorer is None or isinstance(scorer, BuyAgainScorer):
            sims = cooccurrence_cosine(self._seen, item)
        else:
            sims = scorer.similar(item)
        sims = np.asarray(sims, dtype=np.float64).copy()
        if not isinstance(scorer, FactorScorer):
            sims[sims <= 0] = -np.inf
        sims[item] = -np.inf
        top, values = top_k(sims[None, :], k)
        valid = top[0] >= 0
        ids = self.item_ids.take(top[0][valid]).tolist()
        return list(zip(ids, values[0][valid].astype(float).tolist(), strict=True))

    def save(self, path: str | Path) -> Path:
        """Pickle the model to `path` (only load files you trust: this is pickle)."""
        path = Path(path)
        path.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Recommender:
        """Load a model written by `save`."""
        model = pickle.loads(Path(path).read_bytes())
        if not isinstance(model, cls):
            raise TypeError(
                f"{path} does not hold a Recommender (got {type(model).__name__})"
            )
        return model

    # -- internals -------------------------------------------------------------------------

    def _exclude(self, exclude_seen: bool | None) -> bool:
        return self.exclude_seen if exclude_seen is None else bool(exclude_seen)

    def _user_row(self, user_id: object) -> int:
        try:
            row = self.user_ids.get_loc(user_id)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            return -1
        return int(row) if isinstance(row, int | np.integer) else -1

    def _item_row(self, item_id: object) -> int:
        try:
            row = self.item_ids.get_loc(item_id)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            return -1
        return int(row) if isinstance(row, int | np.integer) else -1

    def _top_items(
        self,
        user_ids: list[object],
        k: int,
        exclude_seen: bool,
        extra_exclude: sp.csr_matrix | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Item positions (-1 = none) and scores, shape (n_users, min(k, n_items)).

        Known users of a CF method are scored by the scorer; everyone else walks the
        precomputed popularity ranking of their segment. `extra_exclude` (one row per user,
        n_items columns) masks items beyond the seen ones.
        """
        if len(user_ids) == 1:
            rows = np.array([self._user_row(user_ids[0])], dtype=np.int64)
            codes = np.array([self._popularity.code_for(user_ids[0])], dtype=np.int64)
        else:
            rows = self.user_ids.get_indexer(pd.Index(user_ids)).astype(np.int64)
            codes = self._popularity.codes_for(user_ids)
        width = min(k, self.n_items)
        items = np.full((len(rows), width), -1, dtype=np.int64)
        scores = np.full((len(rows), width), -np.inf)
        if not len(rows):
            return items, scores
        exclude = self._exclusions(rows, exclude_seen, extra_exclude)
        use_scorer = (rows >= 0) & (self._scorer is not None)
        for subset, ranker in (
            (use_scorer, self._scored_top_k),
            (~use_scorer, self._popular_top_k),
        ):
            if subset.all():
                items, scores = ranker(rows, codes, exclude, width)
            elif subset.any():
                where = np.flatnonzero(subset)
                items[where], scores[where] = ranker(
                    rows[where], codes[where], exclude[where], width
                )
        return items, scores

    def _exclusions(
        self, rows: np.ndarray, exclude_seen: bool, extra: sp.csr_matrix | None
    ) -> sp.csr_matrix:
        known = rows >= 0
        if exclude_seen and known.all():
            exclude = self._seen[rows]
        elif exclude_seen and known.any():
            keep = sp.diags(known.astype(np.float32))
            exclude = (keep @ self._seen[np.where(known, rows, 0)]).tocsr()
            exclude.eliminate_zeros()
        else:
            exclude = sp.csr_matrix((len(rows), self.n_items), dtype=np.float32)
        if extra is not None:
            exclude = (exclude + extra).tocsr()
        return exclude

    def _scored_top_k(
        self, rows: np.ndarray, codes: np.ndarray, exclude: sp.csr_matrix, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        assert self._scorer is not None
        items = np.empty((len(rows), width), dtype=np.int64)
        scores = np.empty((len(rows), width))
        step = max(1, CHUNK_CELLS // max(self.n_items, 1))
        for start in range(0, len(rows), step):
            block = rows[start : start + step]
            block_scores = self._scorer.score(block, self._seen[block])
            mask_excluded(block_scores, exclude[start : start + step])
            items[start : start + step], scores[start : start + step] = top_k(
                block_scores, width
            )
        return items, scores

    def _popular_top_k(
        self, rows: np.ndarray, codes: np.ndarray, exclude: sp.csr_matrix, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        return ranked_top_k(
            self._popularity.ranking, self._popularity.table, codes, exclude, width
        )
