"""Named, independent random streams derived from one seed (order of use never matters)."""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, *names: object) -> np.random.Generator:
    """A generator for the sub-stream `names` of `seed`; same inputs give the same draws."""
    key = "/".join(str(n) for n in names).encode()
    digest = hashlib.sha256(key).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(
        np.random.SeedSequence([int(seed) & 0xFFFFFFFF, *words])
    )
