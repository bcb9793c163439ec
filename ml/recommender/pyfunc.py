"""The recommender as an MLflow pyfunc model, so it is logged, registered and loaded by reference.

Input: a DataFrame with a `customer_id` column (int64). Params (in the signature): `k` (default
10) and `exclude_seen` (default: the model's own setting, True unless the recipe is
repeat-aware). Output: one row per recommendation with columns customer_id, rank (1..k),
product_id, score, is_cold_start (True -> popularity fallback).

Artifacts: `recommender` (the pickled `Recommender`) and `recipe` (JSON: method, params,
interaction weights) so the promotion gate can rebuild and re-evaluate any registered version.
After `mlflow.pyfunc.load_model(uri)`, `.unwrap_python_model().recommender` is the fitted
`Recommender` (e.g. for `similar_items`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd
from mlflow.pyfunc import PythonModel

from ml.recommender.holdout import Recipe
from ml.recommender.model import Recommender

OUTPUT_COLUMNS = ("customer_id", "rank", "product_id", "score", "is_cold_start")
DEFAULT_PARAMS: dict[str, Any] = {"k": 10, "exclude_seen": True}
PIP_REQUIREMENTS = (
    "numpy>=1.26",
    "pandas>=2.1",
    "scipy>=1.11",
    "threadpoolctl>=3",
    "implicit>=0.7,<0.8",
)


def model_params(model: Recommender) -> dict[str, Any]:
    """The pyfunc params with the model's own defaults (the signature carries them)."""
    return {**DEFAULT_PARAMS, "exclude_seen": bool(model.exclude_seen)}


def recommendation_frame(
    model: Recommender,
    customer_ids: Any,
    k: int = 10,
    exclude_seen: bool | None = None,
) -> pd.DataFrame:
    """Top-k per customer as the pyfunc output frame (the one code path for batch and serving)."""
    ids = pd.Index(pd.array(customer_ids, dtype="int64"))
    recs = model.recommend_batch(ids, k=k, exclude_seen=exclude_seen)
    known = pd.Series(model.user_ids.get_indexer(ids) >= 0, index=ids)
    known = known[~known.index.duplicated()]
    return pd.DataFrame(
        {
            "customer_id": recs["user_id"].to_numpy(dtype="int64"),
            "rank": recs["rank"].to_numpy(dtype="int64"),
            "product_id": recs["item_id"].to_numpy(dtype="int64"),
            "score": recs["score"].to_numpy(dtype="float64"),
            "is_cold_start": ~known.reindex(recs["user_id"]).to_numpy(dtype=bool),
        }
    )


class RecommenderPyfunc(PythonModel):
    """pyfunc wrapper around a fitted `Recommender` (loaded from the `recommender` artifact)."""

    def __init__(self) -> None:
        self.recommender: Recommender | None = None
        self.recipe: Recipe | None = None

    def load_context(self, context: Any) -> None:
        self.recommender = Recommender.load(context.artifacts["recommender"])
        self.recipe = Recipe.from_dict(
            json.loads(Path(context.artifacts["recipe"]).read_text())
        )

    # `model_input` is left unannotated on purpose: MLflow 3 turns a type hint into its own
    # schema validation; the logged signature (a customer_id column) is what validates here.
    def predict(
        self, context: Any, model_input, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Top-k recommendations for every `customer_id` row (a DataFrame) of `model_input`."""
        if self.recommender is None:
            raise RuntimeError(
                "RecommenderPyfunc has no model: load it with mlflow.pyfunc.load_model"
            )
        if (
            not isinstance(model_input, pd.DataFrame)
            or "customer_id" not in model_input
        ):
            raise ValueError(
                "model input must be a DataFrame with a 'customer_id' column, got "
                f"{type(model_input).__name__} with columns {list(getattr(model_input, 'columns', []))}"
            )
        settings = {**model_params(self.recommender), **(params or {})}
        return recommendation_frame(
            self.recommender,
            model_input["customer_id"],
            k=int(settings["k"]),
            exclude_seen=bool(settings["exclude_seen"]),
        )


def log_recommender(
    model: Recommender, recipe: Recipe, workdir: Path, name: str = "model"
) -> Any:
    """Log `model` as a pyfunc (with signature and input example) in the active run; returns ModelInfo."""
    from mlflow.models import infer_signature

    workdir.mkdir(parents=True, exist_ok=True)
    model_path = model.save(workdir / "recommender.pkl")
    recipe_path = workdir / "recipe.json"
    recipe_path.write_text(json.dumps(recipe.as_dict(), indent=2, default=str))
    example = pd.DataFrame(
        {"customer_id": pd.array(list(model.user_ids[:3]), dtype="int64")}
    )
    params = model_params(model)
    output = recommendation_frame(model, example["customer_id"], k=params["k"])
    signature = infer_signature(example, output, params=params)
    return mlflow.pyfunc.log_model(
        name=name,
        python_model=RecommenderPyfunc(),
        artifacts={"recommender": str(model_path), "recipe": str(recipe_path)},
        signature=signature,
        input_example=example,
        pip_requirements=list(PIP_REQUIREMENTS),
    )


def unwrap(loaded: Any, model_uri: str = "the model") -> tuple[Recommender, Recipe]:
    """The fitted `Recommender` and its recipe inside a loaded pyfunc model."""
    wrapper = loaded.unwrap_python_model()
    if (
        not isinstance(wrapper, RecommenderPyfunc)
        or wrapper.recommender is None
        or wrapper.recipe is None
    ):
        raise TypeError(
            f"{model_uri} is not a recommender pyfunc model (got {type(wrapper).__name__})"
        )
    return wrapper.recommender, wrapper.recipe


def load_recommender(model_uri: str) -> tuple[Recommender, Recipe]:
    """The fitted `Recommender` and its recipe behind a model URI (e.g. models:/name@champion)."""
    return unwrap(mlflow.pyfunc.load_model(model_uri), model_uri)
