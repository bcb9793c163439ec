"""Scoring backends: given known-user rows, produce a dense (users x items) score block.

Backends hold only numpy/scipy arrays (no third-party model objects), so a fitted Recommender
pickles cleanly and does not depend on the training library at load time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class FactorScorer:
    """Matrix factorisation: score(u, i) = user_factors[u] . item_factors[i]."""

    user_factors: np.ndarray
    item_factors: np.ndarray

    def score(self, rows: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
        return self.user_factors[rows] @ self.item_factors.T

    def similar(self, item: int) -> np.ndarray:
        """Cosine similarity of every item's factor vector to `item`'s."""
        norms = np.linalg.norm(self.item_factors, axis=1)
        norms[norms == 0] = 1.0
        return (self.item_factors @ self.item_factors[item]) / (norms * norms[item])


@dataclass(frozen=True)
class ItemKNNScorer:
    """Item-item cosine: score(u, i) = sum over the user's items j of weight(u, j) * sim(j, i)."""

    similarity: (
        sp.csr_matrix
    )  # (n_items, n_items), top-`neighbors` per row, zero diagonal

    def score(self, rows: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
        return np.asarray((seen @ self.similarity).todense(), dtype=np.float32)

    def similar(self, item: int) -> np.ndarray:
        return np.asarray(self.similarity[item].todense(), dtype=np.float64).ravel()


def item_cosine(
    matrix: sp.csr_matrix, neighbors: int, shrink: float = 0.0
) -> sp.csr_matrix:
    """Item-item cosine similarity of the columns of `matrix`, keeping `neighbors` per item.

    sim(i, j) = x_i . x_j / (|x_i| |x_j| + shrink); the diagonal is zero.
    """
    columns = matrix.tocsc().astype(np.float64)
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=0)).ravel())
    gram = (columns.T @ columns).tocsr()
    gram.setdiag(0.0)
    gram.eliminate_zeros()
    coo = gram.tocoo()
    coo.data = coo.data / (norms[coo.row] * norms[coo.col] + shrink)
    return _keep_top_per_row(coo.tocsr(), neighbors).astype(np.float32)


def cooccurrence_cosine(matrix: sp.csr_matrix, item: int) -> np.ndarray:
    """Cosine similarity of one item's column to every column (used by the popularity model)."""
    columns = matrix.tocsc().astype(np.float64)
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=0)).ravel())
    dots = np.asarray((columns.T @ columns[:, item]).todense()).ravel()
    denominator = norms * norms[item]
    denominator[denominator == 0] = 1.0
    return dots / denominator


def _keep_top_per_row(matrix: sp.csr_matrix, top: int) -> sp.csr_matrix:
    matrix.sort_indices()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    keep = np.zeros(len(data), dtype=bool)
    for row in range(matrix.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if end - start <= top:
            keep[start:end] = True
        else:
            best = np.argpartition(-data[start:end], top - 1)[:top]
            keep[start + best] = True
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(indptr))
    return sp.csr_matrix(
        (data[keep], (rows[keep], indices[keep])),
        shape=matrix.shape,
        dtype=matrix.dtype,
    )
