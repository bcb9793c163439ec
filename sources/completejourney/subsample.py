"""A deterministic random subset of households, with everything that belongs to them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sources.completejourney.read import SourceData


def choose_households(
    all_households: np.ndarray, households: int, seed: int
) -> np.ndarray:
    """`households` ids drawn without replacement from `all_households` by `seed`, sorted.

    The draw depends only on the sorted set of ids, the count and the seed.
    """
    pool = np.unique(all_households)
    if not 1 <= households <= pool.size:
        raise ValueError(
            f"households must be between 1 and {pool.size:,} (the source's households), "
            f"got {households}"
        )
    chosen = np.random.default_rng(seed).choice(pool, size=households, replace=False)
    return np.sort(chosen)


def subsample(source: SourceData, households: int | None, seed: int) -> SourceData:
    """The source restricted to a random subset of households (all of them when None): their
    baskets and lines, demographics, campaign exposures and redemptions. Products, stores and
    campaigns are cut to what these reference by the mappers."""
    if households is None:
        return source
    keep = choose_households(
        source.transactions["household_id"].to_numpy(), households, seed
    )

    def mine(frame):
        return frame[frame["household_id"].isin(keep)].reset_index(drop=True)

    return replace(
        source,
        transactions=mine(source.transactions),
        demographics=mine(source.demographics),
        campaigns=mine(source.campaigns),
        coupon_redemptions=mine(source.coupon_redemptions),
    )
