"""Batch outputs for the API and BI app: top-k per customer and similar products per product.

`write_batch_outputs` loads a registered recommender by reference, predicts through its pyfunc
(the same code path as serving) for every customer in dim_customers, and replaces
`ml.recommendations` and `ml.similar_products`, each atomically (`warehouse.tables.replace_table`), in the layouts of `contracts.ml_outputs`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from contracts.ml_outputs import RECOMMENDATIONS, SIMILAR_PRODUCTS
from ml.recommender.marts import load_customers

log = logging.getLogger(__name__)

MODEL_NAME = "ecom-recommender"
CHAMPION_URI = f"models:/{MODEL_NAME}@champion"


def resolve_version(model_uri: str) -> tuple[str, str]:
    """(model name, version) behind `models:/<name>@<alias>` or `models:/<name>/<version>`."""
    from ml.registry import alias_version

    if not model_uri.startswith("models:/"):
        raise ValueError(
            f"model URI {model_uri!r} is not a registry reference (models:/name@alias or models:/name/N)"
        )
    ref = model_uri.removeprefix("models:/")
    if "@" in ref:
        name, alias = ref.split("@", 1)
        version = alias_version(name, alias)
        if version is None:
            raise LookupError(
                f"registered model {name!r} has no alias {alias!r} (train and register it first)"
            )
        return name, version
    if "/" in ref:
        name, version = ref.split("/", 1)
        return name, version
    raise ValueError(
        f"model URI {model_uri!r} names no version or alias (models:/name@alias or models:/name/N)"
    )


def similar_products_frame(model: Any, k: int) -> pd.DataFrame:
    """`similar_items` for every product in the model's catalogue as a long frame."""
    parts = []
    for item in model.item_ids:
        pairs = model.similar_items(item, k=k)
        if pairs:
            ids, scores = zip(*pairs, strict=True)
            parts.append(
                pd.DataFrame(
                    {
                        "product_id": item,
                        "rank": range(1, len(ids) + 1),
                        "similar_product_id": ids,
                        "score": scores,
                    }
                )
            )
    columns = ["product_id", "rank", "similar_product_id", "score"]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype(
        {
            "product_id": "int64",
            "rank": "int64",
            "similar_product_id": "int64",
            "score": "float64",
        }
    )


def write_batch_outputs(
    url: str,
    model_uri: str = CHAMPION_URI,
    k: int = 10,
    *,
    exclude_seen: bool | None = None,
    tracking_uri: str | None = None,
    generated_at: dt.datetime | None = None,
) -> dict[str, int]:
    """Write top-k per customer (`ml.recommendations`) and similar products (`ml.similar_products`).

    Every customer in dim_customers gets k rows (cold-start customers: their loyalty tier's
    popularity). `exclude_seen=None` keeps the model's own setting (its recipe's: a
    repeat-aware champion recommends items a customer already bought; True overrides it).
    Each table is replaced atomically (one transaction: readers see the old or the
    new rows, never a mix). Returns {"recommendations": rows, "similar_products": rows}.
    """
    import mlflow

    from ml.recommender._validation import check_k
    from ml.recommender.pyfunc import unwrap
    from ml.tracking import configure_tracking
    from warehouse.tables import replace_table

    k = check_k(k)
    configure_tracking(tracking_uri)
    name, version = resolve_version(model_uri)
    pinned = f"models:/{name}/{version}"
    pyfunc_model = mlflow.pyfunc.load_model(pinned)
    model, _ = unwrap(pyfunc_model, pinned)
    stamp = generated_at or dt.datetime.now(dt.UTC)
    customers = load_customers(url)
    params: dict[str, Any] = {"k": k}
    if exclude_seen is not None:
        params["exclude_seen"] = bool(exclude_seen)
    recs = pyfunc_model.predict(
        pd.DataFrame({"customer_id": customers.index.to_numpy(dtype="int64")}),
        params=params,
    )
    recs = recs.assign(model_name=name, model_version=version, generated_at=stamp)
    similar = similar_products_frame(model, k).assign(
        model_version=version, generated_at=stamp
    )
    n_similar = replace_table(url, SIMILAR_PRODUCTS, similar)
    n_recs = replace_table(url, RECOMMENDATIONS, recs)
    log.info(
        "wrote %d recommendations and %d similar-product rows from %s",
        n_recs,
        n_similar,
        pinned,
    )
    return {"recommendations": n_recs, "similar_products": n_similar}
