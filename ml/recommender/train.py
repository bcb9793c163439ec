"""The recommender on the warehouse: evaluate on a temporal holdout, train, register, gate.

Plain functions for the Dagster assets (group `ml`):

- `evaluate_on_warehouse(url, ...)`       -> holdout metrics vs popularity baselines and
                                             explicit-rating RMSE/MAE (no MLflow)
- `train_and_register(url, ...)`          -> MLflow run, pyfunc model, registry version, gate
Inputs come from the marts (`marts.py`); batch outputs are written by `batch.py`. Nothing here
needs planted truth: agreement with the generator's preferences is `evaluation/`'s job.

MLflow layout (experiment `ecom-recommender`): one run `recommender-train` with params,
lineage tags, holdout/validation/ratings metrics, `evaluation/*` artifacts and the
pyfunc model; registered as `ecom-recommender`; the gate (`ml.registry`) compares NDCG@k of the
candidate's recipe and the champion's recipe, each refit on the rows before the evaluation
cutoff and scored on the same held-out pairs.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ml.recommender.batch import CHAMPION_URI, MODEL_NAME
from ml.recommender.evaluate import PROTOCOLS
from ml.recommender.holdout import (
    DEFAULT_METHODS,
    DEFAULT_PROTOCOL,
    HoldoutSplit,
    Recipe,
    Selection,
    fit_recipe,
    ratings_holdout,
    score_recipe,
    score_recipe_protocols,
    select_recipe,
    split_holdout,
)
from ml.recommender.marts import (
    load_customers,
    load_interactions,
    load_ratings,
    resolve_weights,
)

log = logging.getLogger(__name__)

EXPERIMENT = "ecom-recommender"
__all__ = [
    "CHAMPION_URI",
    "MODEL_NAME",
    "RecommenderTrainingResult",
    "evaluate_on_warehouse",
    "train_and_register",
]


@dataclass
class WarehouseEvaluation:
    """Everything the holdout evaluation produced (models included, for training)."""

    weights: dict[str, float]
    k: int
    split: HoldoutSplit
    selection: Selection
    segments: pd.Series
    metrics: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    protocol: str = DEFAULT_PROTOCOL


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _evaluate(
    url: str,
    *,
    log_frame: pd.DataFrame,
    weights: dict[str, float],
    k: int,
    n_trials: int,
    methods: Sequence[str],
    params: Mapping[str, Mapping[str, Any]] | None,
    test_fraction: float,
    seed: int,
    protocol: str = DEFAULT_PROTOCOL,
    relevant: str = "interactions",
) -> WarehouseEvaluation:
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    segments = load_customers(url)
    split = split_holdout(log_frame, test_fraction=test_fraction, relevant=relevant)
    selection = select_recipe(
        split,
        weights,
        methods=methods,
        n_trials=n_trials,
        k=k,
        seed=seed,
        params=params,
        segments=segments,
        protocol=protocol,
    )
    t1 = time.perf_counter()
    seconds["tuning"] = t1 - t0
    ndcg = f"ndcg@{k}"
    # every candidate, the selected and best CF recipes and both baselines, under both
    # protocols; "popularity" is global, "segment_popularity" per loyalty tier
    popularity = Recipe("popularity", {}, weights)
    entries: list[tuple[str, Recipe | None, bool]] = [
        ("selected", selection.recipe, True),
        ("cf", selection.best_cf, True),
        ("popularity", popularity, False),
        ("segment_popularity", popularity, True),
        ("buy_again", Recipe("buy_again", {}, weights, exclude_seen=False), True),
        *((name, recipe, True) for name, recipe in selection.candidates.items()),
    ]
    scored: dict[str, dict[str, dict[str, float]]] = {}
    protocols: dict[str, dict[str, dict[str, float]]] = {p: {} for p in PROTOCOLS}
    for label, recipe, use_segments in entries:
        if recipe is None or label in protocols[protocol]:
            continue
        key = json.dumps([recipe.as_dict(), use_segments], sort_keys=True, default=str)
        if key not in scored:
            scored[key] = score_recipe_protocols(
                recipe,
                split.train,
                split.test,
                segments if use_segments else None,
                k,
            )
        for p in PROTOCOLS:
            protocols[p][label] = scored[key][p]
    seconds["holdout"] = time.perf_counter() - t1
    holdout = protocols[protocol]
    recipe = selection.recipe
    metrics: dict[str, Any] = {
        "k": k,
        "weights": weights,
        "protocol": protocol,
        "relevant": relevant,
        "cutoff": split.cutoff.isoformat(),
        "validation_cutoff": split.validation_cutoff.isoformat(),
        "n_train_rows": len(split.train),
        "n_test_rows": len(split.test),
        "selected_method": recipe.method,
        "selected_candidate": recipe.name,
        "selected_params": recipe.params,
        "selected_exclude_seen": recipe.exclude_seen,
        "selected_repeat_weight": recipe.repeat_weight,
        "cf_method": selection.best_cf.method if selection.best_cf else None,
        "cf_params": selection.best_cf.params if selection.best_cf else None,
        "validation": {f"{m}_{ndcg}": v for m, v in selection.validation.items()},
        "repeat_weight_validation": {
            m: {f"{w:g}": v for w, v in grid.items()}
            for m, grid in selection.repeat_weights.items()
        },
        "holdout": holdout,
        "protocols": protocols,
        f"cf_over_popularity_{ndcg}": _ratio(
            holdout["cf"][ndcg] if "cf" in holdout else None,
            holdout["popularity"][ndcg],
        ),
        f"selected_over_popularity_{ndcg}": _ratio(
            holdout["selected"][ndcg], holdout["popularity"][ndcg]
        ),
        f"selected_over_buy_again_{ndcg}": _ratio(
            holdout["selected"][ndcg], holdout["buy_again"][ndcg]
        ),
    }
    t3 = time.perf_counter()
    ratings = load_ratings(url)
    metrics["ratings"] = ratings_holdout(ratings) if len(ratings) >= 10 else None
    seconds["ratings"] = time.perf_counter() - t3
    return WarehouseEvaluation(
        weights, k, split, selection, segments, metrics, seconds, protocol
    )


def evaluate_on_warehouse(
    url: str,
    k: int = 10,
    n_trials: int = 10,
    *,
    weights: Mapping[str, float] | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    protocol: str = DEFAULT_PROTOCOL,
    relevant: str = "interactions",
) -> dict[str, Any]:
    """Offline evaluation on the warehouse's interactions (no MLflow).

    Temporal holdout (last `test_fraction` of the log's rows by time); each method in `methods`
    is tuned on an inner split of the training rows (`n_trials` optuna trials each), CF methods
    also get a repeat-aware `+repeats` candidate, and the validation winner under `protocol`
    ("new_items" or "all_items") is "selected"; "cf" is the best seen-excluding CF method.
    Returns a dict with `protocols` (precision/recall/ndcg/map/coverage@k per model and
    protocol: selected, cf, popularity, segment_popularity, buy_again and every candidate),
    `holdout` (the primary protocol's), the NDCG ratios over global popularity and buy-again
    and explicit `ratings` RMSE/MAE (svd vs bias baseline vs global mean). `relevant`:
    "interactions" (every holdout interaction counts) or "purchases" (only what was bought).
    """
    w = resolve_weights(weights)
    result = _evaluate(
        url,
        log_frame=load_interactions(url, w, with_purchases=relevant == "purchases"),
        weights=w,
        k=k,
        n_trials=n_trials,
        methods=methods,
        params=params,
        test_fraction=test_fraction,
        seed=seed,
        protocol=protocol,
        relevant=relevant,
    )
    return {**result.metrics, "seconds": result.seconds}


@dataclass
class RecommenderTrainingResult:
    """What one training run produced and decided."""

    run_id: str
    model_name: str
    version: str
    alias: str
    gate_reason: str
    gate_score: float
    recipe: dict[str, Any]
    metrics: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def promoted(self) -> bool:
        return self.alias == "champion"

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _flat_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a nested dict as MLflow metric names (`holdout.cf.ndcg@10` -> `holdout_cf_ndcg_10`)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}".replace("@", "_at_").replace("+", "_")
        if isinstance(value, Mapping):
            out.update(_flat_metrics(value, name + "_"))
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value == value
        ):
            out[name] = float(value)
    return out


class _RecipeScorer:
    """`score(model_uri) -> NDCG@k` of the model's recipe refit before the cutoff, on the fixed
    test pairs, under the evaluation's primary protocol (the recipe's `exclude_seen` included)."""

    def __init__(self, url: str, evaluation: WarehouseEvaluation) -> None:
        self.url = url
        self.evaluation = evaluation
        self._logs: dict[str, pd.DataFrame] = {}
        self.recipes: dict[str, Recipe] = {}  # model URI -> its recipe, as scored

    def train_rows(self, weights: Mapping[str, float]) -> pd.DataFrame:
        ev = self.evaluation
        if dict(weights) == ev.weights:
            return ev.split.train
        key = json.dumps(dict(sorted(weights.items())))
        if key not in self._logs:
            full = load_interactions(self.url, weights)
            self._logs[key] = full.loc[full["timestamp"] < ev.split.cutoff]
        return self._logs[key]

    def __call__(self, model_uri: str) -> float:
        from ml.recommender.pyfunc import load_recommender

        _, recipe = load_recommender(model_uri)
        self.recipes[model_uri] = recipe
        ev = self.evaluation
        metrics = score_recipe(
            recipe,
            self.train_rows(recipe.weights),
            ev.split.test,
            ev.segments,
            ev.k,
            protocol=ev.protocol,
        )
        return float(metrics[f"ndcg@{ev.k}"])


def gate_report(
    evaluation: WarehouseEvaluation,
    candidate_score: float,
    promoted: bool,
    champion_score: float | None,
    champion_recipe: Recipe | None,
) -> dict[str, Any]:
    """The champion after the gate against both baselines, under the primary protocol.

    Keys: `champion_ndcg@k`, `champion_over_popularity_ndcg@k`, `champion_over_buy_again_ndcg@k`,
    `champion_exclude_seen`, `popularity_ndcg@k`, `buy_again_ndcg@k`, `protocol` (all None-free
    where known; ratios None when a baseline scores 0).
    """
    ndcg = f"ndcg@{evaluation.k}"
    holdout = evaluation.metrics["holdout"]
    selected = evaluation.selection.recipe
    score = candidate_score if promoted else champion_score
    recipe = selected if promoted else champion_recipe
    popularity, buy_again = holdout["popularity"][ndcg], holdout["buy_again"][ndcg]
    return {
        "protocol": evaluation.protocol,
        f"champion_{ndcg}": score,
        f"popularity_{ndcg}": popularity,
        f"buy_again_{ndcg}": buy_again,
        f"champion_over_popularity_{ndcg}": _ratio(score, popularity),
        f"champion_over_buy_again_{ndcg}": _ratio(score, buy_again),
        "champion_exclude_seen": None if recipe is None else recipe.exclude_seen,
    }


def train_and_register(
    url: str,
    *,
    n_trials: int = 10,
    margin: float = 0.0,
    k: int = 10,
    weights: Mapping[str, float] | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    model_name: str = MODEL_NAME,
    tracking_uri: str | None = None,
    protocol: str = DEFAULT_PROTOCOL,
    relevant: str = "interactions",
) -> RecommenderTrainingResult:
    """Tune and select on a validation split, evaluate on the temporal holdout, refit the
    selected recipe on ALL interactions, log to MLflow, register `model_name`, run the gate.

    Args:
        margin: NDCG@k improvement over the champion's recipe needed to become champion.
        methods: candidate methods (validation winner ships; the baselines popularity and
            buy_again are candidates).
        params: fixed hyper-parameters per method (that method is then not tuned).
        protocol: the primary protocol ("new_items": discovery, seen items excluded;
            "all_items": next purchases, repeats included, e.g. grocery) for selection and the
            gate; the selected recipe's `exclude_seen` ships with the model.
        relevant: what the holdout counts as relevant: "interactions" (default) or
            "purchases" (what was bought; models still train on every interaction).
    """
    import mlflow

    from ml.recommender.pyfunc import log_recommender
    from ml.registry import GatePolicy, promote_if_better, register_model
    from ml.tracking import configure_tracking, ensure_experiment, lineage_tags

    w = resolve_weights(weights)
    policy = GatePolicy(metric=f"ndcg@{k}", margin=margin, greater_is_better=True)
    log_frame = load_interactions(url, w, with_purchases=relevant == "purchases")
    evaluation = _evaluate(
        url,
        log_frame=log_frame,
        weights=w,
        k=k,
        n_trials=n_trials,
        methods=methods,
        params=params,
        test_fraction=test_fraction,
        seed=seed,
        protocol=protocol,
        relevant=relevant,
    )
    recipe = evaluation.selection.recipe
    t0 = time.perf_counter()
    model = fit_recipe(log_frame, recipe, evaluation.segments)
    evaluation.seconds["final_fit"] = time.perf_counter() - t0
    candidate_score = float(evaluation.metrics["holdout"]["selected"][f"ndcg@{k}"])

    config = configure_tracking(tracking_uri)
    ensure_experiment(EXPERIMENT, config)
    with mlflow.start_run(run_name="recommender-train") as run:
        mlflow.set_tags(
            {**lineage_tags(url), "model_name": model_name, "stage": "train"}
        )
        mlflow.log_params(
            {
                "method": recipe.method,
                "candidate": recipe.name,
                "exclude_seen": recipe.exclude_seen,
                "repeat_weight": recipe.repeat_weight,
                "protocol": protocol,
                "relevant": relevant,
                **{f"param_{k_}": v for k_, v in recipe.params.items()},
                **{f"weight_{k_}": v for k_, v in w.items()},
                "candidate_methods": ",".join(methods),
                "n_trials_per_method": n_trials,
                "k": k,
                "test_fraction": test_fraction,
                "eval_cutoff": evaluation.split.cutoff.isoformat(),
                "gate_metric": policy.metric,
                "gate_margin": margin,
                "seed": seed,
                "n_interactions": len(log_frame),
                "n_users": model.n_users,
                "n_items": model.n_items,
            }
        )
        mlflow.log_metrics(
            _flat_metrics({k_: v for k_, v in evaluation.metrics.items() if k_ != "k"})
        )
        mlflow.log_metrics(_flat_metrics(evaluation.seconds, "seconds_"))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            (out / "evaluation.json").write_text(
                json.dumps(evaluation.metrics, indent=2, default=str)
            )
            if not evaluation.selection.trials.empty:
                evaluation.selection.trials.to_csv(
                    out / "tuning_trials.csv", index=False
                )
            mlflow.log_artifacts(str(out), artifact_path="evaluation")
            info = log_recommender(model, recipe, out / "model")
        version = register_model(
            info.model_uri,
            model_name,
            tags={
                "run_id": run.info.run_id,
                "method": recipe.method,
                "exclude_seen": str(recipe.exclude_seen),
                "protocol": protocol,
                "eval_cutoff": evaluation.split.cutoff.isoformat(),
            },
            description="Top-k product recommendations per customer (implicit feedback), popularity cold start.",
        )
        scorer = _RecipeScorer(url, evaluation)
        decision = promote_if_better(
            model_name,
            version,
            scorer,
            policy,
            candidate_score=candidate_score,
        )
        champion_uri = f"models:/{model_name}/{decision.champion_version}"
        gate = gate_report(
            evaluation,
            candidate_score,
            decision.promoted,
            decision.champion_score,
            scorer.recipes.get(champion_uri),
        )
        evaluation.metrics.update(gate)
        mlflow.log_metrics(_flat_metrics(gate, "gate_"))
        mlflow.set_tags(
            {
                "registry.version": version,
                "registry.alias": decision.alias,
                "registry.reason": decision.reason[:4000],
            }
        )
    return RecommenderTrainingResult(
        run_id=run.info.run_id,
        model_name=model_name,
        version=version,
        alias=decision.alias,
        gate_reason=decision.reason,
        gate_score=candidate_score,
        recipe=recipe.as_dict(),
        metrics=evaluation.metrics,
        seconds=evaluation.seconds,
    )
