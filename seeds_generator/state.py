"""Latent state carried between batches (ground_truth/state_*.parquet) and its round trip."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LATENT = (
    "lambda",
    "p",
    "nu",
    "tier",
    "proc_start_s",
    "alive",
    "x",
    "t_x_op",
    "T_op",
    "dropout_s",
)


@dataclass
class Population:
    """All customers known so far: their table row (`table`) and latent state (`latent`)."""

    table: dict[str, np.ndarray]
    latent: dict[str, np.ndarray]
    factors: np.ndarray

    @property
    def size(self) -> int:
        return self.table["customer_id"].size

    def concat(self, other: Population) -> Population:
        return Population(
            {k: np.concatenate([v, other.table[k]]) for k, v in self.table.items()},
            {k: np.concatenate([v, other.latent[k]]) for k, v in self.latent.items()},
            np.concatenate([self.factors, other.factors]),
        )


def _factor_cols(f: np.ndarray) -> dict[str, np.ndarray]:
    return {f"f{i}": f[:, i] for i in range(f.shape[1])}


def _write(path: Path, cols: dict[str, np.ndarray]) -> None:
    arrays = {}
    for k, v in cols.items():
        arrays[k] = pa.array(v, type=pa.string()) if v.dtype == object else pa.array(v)
    pq.write_table(pa.table(arrays), path, compression="zstd")


def save_population(path: Path, pop: Population) -> None:
    _write(
        path,
        {
            **{f"t_{k}": v for k, v in pop.table.items()},
            **{f"l_{k}": v for k, v in pop.latent.items()},
            **_factor_cols(pop.factors),
        },
    )


def load_population(path: Path) -> Population:
    t = pq.read_table(path)
    cols = {
        n: np.array(t.column(n).to_numpy(zero_copy_only=False)) for n in t.column_names
    }
    table = {
        n[2:]: (v.astype(object) if v.dtype.kind in "OU" else v)
        for n, v in cols.items()
        if n.startswith("t_")
    }
    latent = {n[2:]: v for n, v in cols.items() if n.startswith("l_")}
    fac = np.column_stack(
        [
            cols[n]
            for n in sorted(
                (n for n in cols if n.startswith("f") and n[1:].isdigit()),
                key=lambda s: int(s[1:]),
            )
        ]
    )
    return Population(table, latent, fac)


def save_products(path: Path, products: dict[str, np.ndarray]) -> None:
    plain = {k: v for k, v in products.items() if k != "_factors"}
    _write(path, {**plain, **_factor_cols(products["_factors"])})


def load_products(path: Path) -> dict[str, np.ndarray]:
    t = pq.read_table(path)
    cols = {
        n: np.array(t.column(n).to_numpy(zero_copy_only=False)) for n in t.column_names
    }
    fnames = sorted(
        (n for n in cols if n.startswith("f") and n[1:].isdigit()),
        key=lambda s: int(s[1:]),
    )
    out = {n: v for n, v in cols.items() if n not in fnames}
    out["_factors"] = np.column_stack([cols[n] for n in fnames])
    return out
