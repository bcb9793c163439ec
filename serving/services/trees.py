"""Evaluate a binary:logistic XGBoost tree ensemble with numpy, all trees at once.

For one row, `Booster.inplace_predict` spends most of its time in Python-side marshalling
(array interface, JSON config); walking the trees level by level as a few numpy gathers is
several times faster. The trees come from the booster's own JSON model (exact float32 split
values), rows are compared as float32 (as XGBoost does), and missing values follow each
node's default direction. `compile_booster` refuses anything else (categorical splits,
vector leaves, multi-class, dart/gblinear) with a TypeError.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np


class TreeEnsemble:
    """Padded node arrays of every tree: split feature/threshold, children, leaf values."""

    def __init__(
        self,
        feature: np.ndarray,
        threshold: np.ndarray,
        left: np.ndarray,
        right: np.ndarray,
        default_left: np.ndarray,
        value: np.ndarray,
        depth: int,
        base_margin: float,
    ) -> None:
        self.feature = feature  # (trees, nodes) int32, -1 at leaves
        self.threshold = threshold  # float32
        self.left = left
        self.right = right
        self.default_left = default_left  # bool
        self.value = value  # float32 leaf values (0 at split nodes)
        self.depth = depth
        self.base_margin = base_margin
        self._trees = np.arange(feature.shape[0])

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (base margin + sum of leaves) for rows `x` (n, features)."""
        x = np.asarray(x, dtype=np.float32)
        n = x.shape[0]
        node = np.zeros((n, self.feature.shape[0]), dtype=np.int32)
        trees = self._trees[None, :]
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            feature = self.feature[trees, node]
            leaf = feature < 0
            values = x[rows, np.where(leaf, 0, feature)]
            go_left = np.where(
                np.isnan(values),
                self.default_left[trees, node],
                values < self.threshold[trees, node],
            )
            step = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(leaf, node, step)
        leaves = self.value[trees, node].astype(np.float64)
        return self.base_margin + leaves.sum(axis=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(class 1) for binary:logistic."""
        return 1.0 / (1.0 + np.exp(-self.margin(x)))


def _base_score(text: str) -> float:
    """`base_score` is "0.5" in older models and "[5E-1]" in newer ones."""
    numbers = re.findall(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text)
    if len(numbers) != 1:
        raise TypeError(f"unsupported base_score {text!r}")
    return float(numbers[0])


def _tree_depth(left: list[int], right: list[int]) -> int:
    depth, frontier = 0, [0]
    while frontier:
        frontier = [c for n in frontier for c in (left[n], right[n]) if c >= 0]
        depth += 1 if frontier else 0
    return depth


def compile_booster(
    booster: Any, iteration_range: tuple[int, int] = (0, 0)
) -> TreeEnsemble:
    """A TreeEnsemble equivalent to `booster` (binary:logistic gbtree, numeric splits only)."""
    model = json.loads(booster.save_raw("json"))["learner"]
    if model["objective"]["name"] != "binary:logistic":
        raise TypeError(
            f"objective {model['objective']['name']} is not binary:logistic"
        )
    if model["gradient_booster"]["name"] != "gbtree":
        raise TypeError(f"booster {model['gradient_booster']['name']} is not gbtree")
    trees = model["gradient_booster"]["model"]["trees"]
    if iteration_range != (0, 0):
        indptr = model["gradient_booster"]["model"]["iteration_indptr"]
        trees = trees[indptr[iteration_range[0]] : indptr[iteration_range[1]]]
    if not trees:
        raise TypeError("the booster has no trees")
    size = max(len(t["left_children"]) for t in trees)
    shape = (len(trees), size)
    feature = np.full(shape, -1, dtype=np.int32)
    threshold = np.zeros(shape, dtype=np.float32)
    left = np.zeros(shape, dtype=np.int32)
    right = np.zeros(shape, dtype=np.int32)
    default_left = np.zeros(shape, dtype=bool)
    value = np.zeros(shape, dtype=np.float32)
    depth = 0
    for i, tree in enumerate(trees):
        if any(tree["split_type"]) or int(tree["tree_param"]["size_leaf_vector"]) > 1:
            raise TypeError("categorical splits or vector leaves are not supported")
        lc, rc = tree["left_children"], tree["right_children"]
        n = len(lc)
        is_leaf = np.asarray(lc) < 0
        conditions = np.asarray(tree["split_conditions"], dtype=np.float32)
        feature[i, :n] = np.where(is_leaf, -1, tree["split_indices"])
        threshold[i, :n] = np.where(is_leaf, 0, conditions)
        left[i, :n] = np.where(is_leaf, 0, lc)
        right[i, :n] = np.where(is_leaf, 0, rc)
        default_left[i, :n] = np.asarray(tree["default_left"], dtype=bool)
        value[i, :n] = np.where(is_leaf, conditions, 0)
        depth = max(depth, _tree_depth(lc, rc))
    p = _base_score(model["learner_model_param"]["base_score"])
    base_margin = float(np.log(p / (1 - p)))
    return TreeEnsemble(
        feature, threshold, left, right, default_left, value, depth, base_margin
    )
