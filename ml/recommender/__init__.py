"""Recommender library: fit top-k recommenders and rating predictors on any interaction data.

Entry points: `fit`, `evaluate`, `temporal_split`, `random_split`, `tune` (implicit feedback)
and `fit_ratings`, `evaluate_ratings` (explicit ratings). See docs/recommender.md.
"""

from ml.recommender.evaluate import evaluate
from ml.recommender.fit import METHODS, fit
from ml.recommender.model import Recommender
from ml.recommender.ratings import RatingsModel, evaluate_ratings, fit_ratings
from ml.recommender.split import random_split, temporal_split
from ml.recommender.tune import tune

__all__ = [
    "METHODS",
    "RatingsModel",
    "Recommender",
    "evaluate",
    "evaluate_ratings",
    "fit",
    "fit_ratings",
    "random_split",
    "temporal_split",
    "tune",
]
