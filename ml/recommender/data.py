"""Turn an interaction log into an id-indexed sparse user x item matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ml.recommender._validation import check_interactions


@dataclass(frozen=True)
class InteractionMatrix:
    """A user x item CSR matrix of summed weights plus the id <-> row/column mappings."""

    users: pd.Index
    items: pd.Index
    matrix: sp.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


def build_matrix(interactions: pd.DataFrame) -> InteractionMatrix:
    """Validate `interactions` and aggregate it into an `InteractionMatrix`.

    Duplicate (user_id, item_id) rows are summed. Pairs whose total weight is 0 are dropped, so a
    user (or item) whose every interaction has weight 0 is not part of the model.
    """
    frame = check_interactions(interactions)
    summed = frame.groupby(["user_id", "item_id"], sort=False, observed=True)[
        "weight"
    ].sum()
    summed = summed[summed > 0]
    if summed.empty:
        raise ValueError(
            "interactions has no row with weight > 0: nothing to learn from"
        )
    user_codes, users = pd.factorize(summed.index.get_level_values("user_id"))
    item_codes, items = pd.factorize(summed.index.get_level_values("item_id"))
    matrix = sp.csr_matrix(
        (summed.to_numpy(dtype=np.float32), (user_codes, item_codes)),
        shape=(len(users), len(items)),
        dtype=np.float32,
    )
    matrix.sort_indices()
    return InteractionMatrix(
        users=pd.Index(users), items=pd.Index(items), matrix=matrix
    )


def encode_rows(
    frame: pd.DataFrame, users: pd.Index, items: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Row/column positions of frame's (user_id, item_id) in the given indexes (-1 if absent)."""
    return users.get_indexer(frame["user_id"]), items.get_indexer(frame["item_id"])
