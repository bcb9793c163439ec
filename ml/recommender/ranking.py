"""Row-wise top-k selection with exclusions, for score blocks and popularity rankings."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

CHUNK_CELLS = 1 << 23  # ~8M cells per block: bounds memory of batch scoring


def mask_excluded(scores: np.ndarray, exclude: sp.csr_matrix) -> None:
    """Set scores[r, c] = -inf in place for every stored (r, c) of `exclude` (same row count)."""
    counts = np.diff(exclude.indptr)
    scores[np.repeat(np.arange(len(counts)), counts), exclude.indices] = -np.inf


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k positions and values, best first; -inf entries come back as position -1."""
    n, m = scores.shape
    k = min(k, m)
    if k < m:
        part = np.argpartition(scores, m - k, axis=1)[:, m - k :]
    else:
        part = np.broadcast_to(np.arange(m), (n, m))
    values = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    values = np.take_along_axis(values, order, axis=1).astype(np.float64)
    return np.where(np.isneginf(values), -1, top), values


def ranked_top_k(
    ranking: np.ndarray,
    table: np.ndarray,
    codes: np.ndarray,
    exclude: sp.csr_matrix,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k for rows that share precomputed rankings (popularity): walk `ranking[code]`.

    Args:
        ranking: (n_codes, n_items) item positions, best first, per code.
        table: (n_codes, n_items) scores per code.
        codes: the ranking row of each requested user.
        exclude: (n_users, n_items) items to skip per user.
    """
    n_items = table.shape[1]
    width = min(k, n_items)
    items = np.full((len(codes), width), -1, dtype=np.int64)
    scores = np.full((len(codes), width), -np.inf)
    n_excluded = np.diff(exclude.indptr)
    step = max(1, CHUNK_CELLS // n_items)
    for start in range(0, len(codes), step):
        stop = min(start + step, len(codes))
        candidates = min(n_items, width + int(n_excluded[start:stop].max(initial=0)))
        cand = ranking[codes[start:stop], :candidates]
        blocked = np.zeros((stop - start, n_items), dtype=bool)
        block = exclude[start:stop]
        blocked[
            np.repeat(np.arange(stop - start), np.diff(block.indptr)), block.indices
        ] = True
        cand_blocked = np.take_along_axis(blocked, cand, axis=1)
        pick = np.argsort(cand_blocked, axis=1, kind="stable")[:, :width]
        chosen = np.take_along_axis(cand, pick, axis=1)
        valid = ~np.take_along_axis(cand_blocked, pick, axis=1)
        chosen_scores = table[codes[start:stop, None], chosen]
        items[start:stop, : chosen.shape[1]] = np.where(valid, chosen, -1)
        scores[start:stop, : chosen.shape[1]] = np.where(valid, chosen_scores, -np.inf)
    return items, scores
