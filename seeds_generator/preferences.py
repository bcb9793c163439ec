"""Low-rank preferences: each customer's consideration set and exact choice probabilities.

Every customer has a consideration set ("pool") of POOL_SIZE product slots drawn (with
replacement) with probability ∝ popularity * exp(POOL_AFFINITY * u_c . v_p). Purchases and views pick a slot with probability proportional to
exp(u_c . v_p), so P(product | customer) = sum over the product's slots of exp(u_c . v_p) / Z_c:
a sampling-importance-resampling approximation of P ∝ exp(u_c . v_p + log popularity_p) that
is exact for the generator (the truth file stores these exact probabilities).
Pools are drawn per block of customer ids from their own stream, so an increment rebuilds
the same pool for an existing customer without storing it.
"""

from __future__ import annotations

import numpy as np

from seeds_generator.rng import stream

POOL_SIZE = 128
BLOCK = 4096
# how strongly shared taste (vs popularity alone) shapes the consideration sets
POOL_AFFINITY = 3.0
CANDIDATES = 1024  # popularity draws per customer that the pool is resampled from
TABLE = (
    1 << 20
)  # resolution of the popularity inverse-CDF table (1e-6 of probability mass)


def popularity_cdf(log_pop: np.ndarray) -> np.ndarray:
    w = np.exp(log_pop - log_pop.max())
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


def pools(
    seed: int,
    customer_ids: np.ndarray,
    log_pop: np.ndarray,
    cust_factors: np.ndarray,
    prod_factors: np.ndarray,
    affinity_weight: float = POOL_AFFINITY,
) -> np.ndarray:
    """Product indices (n x POOL_SIZE, int32) of the customers' consideration sets.

    Slots follow popularity_p * exp(affinity_weight * u_c . v_p), so the sets share the low-rank
    taste structure (collaborative filtering can learn it) instead of being private popularity
    draws. Sampling-importance-resampling keeps it cheap: CANDIDATES products per customer are
    drawn by popularity, then POOL_SIZE slots are resampled from them ∝ exp(affinity_weight *
    u.v). Rows of `cust_factors` align with `customer_ids`.
    """
    # inverse-CDF lookup table: popularity draws by indexing instead of a binary search each
    table = np.minimum(
        np.searchsorted(
            popularity_cdf(log_pop), (np.arange(TABLE) + 0.5) / TABLE, side="right"
        ),
        log_pop.size - 1,
    )
    out = np.empty((customer_ids.size, POOL_SIZE), dtype=np.int32)
    blocks = (customer_ids - 1) // BLOCK
    for blk in np.unique(blocks):
        sel = np.flatnonzero(blocks == blk)
        rng = stream(seed, "pool", int(blk))
        local = (customer_ids[sel] - 1) % BLOCK
        cand_u = rng.random((BLOCK, CANDIDATES))[local]
        pick_u = rng.random((BLOCK, POOL_SIZE))[local]
        cand = table[(cand_u * TABLE).astype(np.int64)]
        # one float32 GEMM per block (sampling weights need no more precision)
        affinity = cust_factors[sel].astype(np.float32) @ prod_factors.T.astype(
            np.float32
        )
        logits = affinity_weight * np.take_along_axis(affinity, cand, axis=1)
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        wcdf = np.cumsum(weights, axis=1)
        wcdf /= wcdf[:, -1:]
        wcdf[:, -1] = 1.0
        # one searchsorted over all rows: row i's cdf lives in [i, i + 1]
        offsets = np.arange(sel.size, dtype=np.float64)[:, None]
        flat = (wcdf + offsets).ravel()
        idx = np.searchsorted(flat, (pick_u + offsets).ravel(), side="right")
        slot = np.minimum(
            idx.reshape(sel.size, POOL_SIZE)
            - np.arange(sel.size)[:, None] * CANDIDATES,
            CANDIDATES - 1,
        )
        out[sel] = np.take_along_axis(cand, slot, axis=1)
    return out


class ChoiceModel:
    """Draw products for customers (by row index) from their pools, ∝ exp(affinity)."""

    def __init__(
        self, pool: np.ndarray, cust_factors: np.ndarray, prod_factors: np.ndarray
    ):
        self.pool = pool
        n = pool.shape[0]
        aff = np.empty(pool.shape)
        step = max(1, 2_000_000 // POOL_SIZE)
        for a in range(0, n, step):
            b = min(n, a + step)
            aff[a:b] = np.einsum(
                "ik,ijk->ij", cust_factors[a:b], prod_factors[pool[a:b]]
            )
        w = np.exp(aff)
        self.weights = w
        cdf = np.cumsum(w, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        self._cdf = cdf.ravel()

    def draw(self, rng: np.random.Generator, rows: np.ndarray) -> np.ndarray:
        """One product index per entry of `rows` (customer row indices)."""
        if rows.size == 0:
            return np.empty(0, dtype=np.int64)
        u = rng.random(rows.size)
        base = rows.astype(np.int64) * POOL_SIZE
        slot = np.zeros(rows.size, dtype=np.int64)
        step = POOL_SIZE // 2
        while step:  # binary search for the first slot with cdf > u, within each row
            go = self._cdf[base + slot + step - 1] <= u
            slot += go * step
            step //= 2
        return self.pool.ravel()[base + slot].astype(np.int64)

    def top_products(self, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Each customer's k most probable products: (product index n x k, probability n x k)."""
        prob = self.weights / self.weights.sum(axis=1, keepdims=True)
        order = np.argsort(self.pool, axis=1, kind="stable")
        sp = np.take_along_axis(self.pool, order, axis=1)
        pr = np.take_along_axis(prob, order, axis=1)
        # collapse duplicate slots: cumulative probability per distinct product
        new = np.ones(sp.shape, dtype=bool)
        new[:, 1:] = sp[:, 1:] != sp[:, :-1]
        csum = np.cumsum(pr, axis=1)
        last = np.ones(sp.shape, dtype=bool)
        last[:, :-1] = new[:, 1:]
        start_c = np.where(new, csum - pr, 0.0)
        start_c = np.maximum.accumulate(start_c, axis=1)
        total = np.where(last, csum - start_c, -1.0)
        kk = min(k, POOL_SIZE)
        top = np.argsort(-total, axis=1, kind="stable")[:, :kk]
        prod = np.take_along_axis(sp, top, axis=1).astype(np.int64)
        p = np.take_along_axis(total, top, axis=1)
        prod[p <= 0] = -1
        return prod, np.maximum(p, 0.0)
