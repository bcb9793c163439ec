"""Low-rank preferences: each customer's consideration set and exact choice probabilities.

Every customer has a consideration set ("pool") of POOL_SIZE product slots drawn by popularity
(with replacement). Purchases and views pick a slot with probability proportional to
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


def popularity_cdf(log_pop: np.ndarray) -> np.ndarray:
    w = np.exp(log_pop - log_pop.max())
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


def pools(seed: int, customer_ids: np.ndarray, log_pop: np.ndarray) -> np.ndarray:
    """Product indices (n x POOL_SIZE, int32) of the customers' consideration sets."""
    cdf = popularity_cdf(log_pop)
    out = np.empty((customer_ids.size, POOL_SIZE), dtype=np.int32)
    blocks = (customer_ids - 1) // BLOCK
    for blk in np.unique(blocks):
        sel = np.flatnonzero(blocks == blk)
        rng = stream(seed, "pool", int(blk))
        block_pool = np.searchsorted(cdf, rng.random((BLOCK, POOL_SIZE)), side="right")
        out[sel] = np.minimum(
            block_pool[(customer_ids[sel] - 1) % BLOCK], log_pop.size - 1
        )
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
