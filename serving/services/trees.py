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
import math
import re
from typing import Any

import numpy as np


class TreeEnsemble:
    """Every tree's nodes in flat arrays, laid out so one level of all trees is a few gathers.

    Node ids are global (tree offset + node); a split's children are adjacent (left = right
    - 1), so one step is `node = right[node] - (value < threshold[node])`. Leaves step to
    themselves (right = self, threshold NaN: the comparison is False). Missing values need no
    branch: rows are widened to `[x with NaN -> +inf, x with NaN -> -inf]` and a split whose
    default is left reads the second half (-inf < t: left), any other the first (+inf: right).
    Real infinities are not missing and compare as XGBoost compares them.
    """

    def __init__(
        self,
        feature: np.ndarray,
        threshold: np.ndarray,
        right: np.ndarray,
        value: np.ndarray,
        roots: np.ndarray,
        n_features: int,
        depth: int,
        base_margin: float,
    ) -> None:
        self.feature = feature  # (nodes,) int64 column of the widened row, 0 at leaves
        self.threshold = threshold  # (nodes,) float32, NaN at leaves
        self.right = (
            right  # (nodes,) int64 right child (left is right - 1), self at leaves
        )
        self.value = value  # (nodes,) float32 leaf values (0 at splits)
        self.roots = roots  # (trees,) int64 global id of each tree's root
        self.n_features = n_features
        self.depth = depth
        self.base_margin = base_margin

    def _widened(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] < self.n_features:
            raise ValueError(
                f"expected rows of at least {self.n_features} features, got {x.shape}"
            )
        x = x[:, : self.n_features]
        missing = np.isnan(x)
        return np.concatenate(
            (np.where(missing, np.inf, x), np.where(missing, -np.inf, x)), axis=1
        ).astype(np.float32, copy=False)

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (base margin + sum of leaves) for rows `x` (n, features)."""
        wide = self._widened(x)
        n, width = wide.shape
        feature, threshold, right = self.feature, self.threshold, self.right
        if n == 1:  # one row: plain 1-d gathers
            row = wide[0]
            node = self.roots
            for _ in range(self.depth):
                node = right[node] - (row[feature[node]] < threshold[node])
            leaves = self.value[node].astype(np.float64)
            return self.base_margin + leaves.sum(keepdims=True)
        flat = wide.reshape(-1)
        offset = (np.arange(n, dtype=np.int64) * width)[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots)))
        for _ in range(self.depth):
            node = right[node] - (flat[offset + feature[node]] < threshold[node])
        leaves = self.value[node].astype(np.float64)
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


def _adjacent_children_order(left: list[int], right: list[int]) -> list[int]:
    """Nodes in breadth-first order, so each split's two children get adjacent ids."""
    order, i = [0], 0
    while i < len(order):
        node = order[i]
        if left[node] >= 0:
            order += [left[node], right[node]]
        i += 1
    return order


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
    n_features = int(model["learner_model_param"]["num_feature"])
    feature: list[int] = []
    threshold: list[float] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    depth = 0
    for tree in trees:
        if any(tree["split_type"]) or int(tree["tree_param"]["size_leaf_vector"]) > 1:
            raise TypeError("categorical splits or vector leaves are not supported")
        lc, rc = tree["left_children"], tree["right_children"]
        conditions = tree["split_conditions"]
        order = _adjacent_children_order(lc, rc)
        base = len(feature)
        new_id = {old: base + i for i, old in enumerate(order)}
        roots.append(base)
        for old in order:
            if lc[old] < 0:  # a leaf: steps to itself
                feature.append(0)
                threshold.append(math.nan)
                right.append(new_id[old])
                value.append(conditions[old])
            else:
                split = int(tree["split_indices"][old])
                if not 0 <= split < n_features:
                    raise TypeError(f"split on feature {split} of {n_features}")
                feature.append(split + (n_features if tree["default_left"][old] else 0))
                threshold.append(conditions[old])
                right.append(new_id[rc[old]])
                value.append(0.0)
        depth = max(depth, _tree_depth(lc, rc))
    p = _base_score(model["learner_model_param"]["base_score"])
    base_margin = float(np.log(p / (1 - p)))
    return TreeEnsemble(
        np.asarray(feature, dtype=np.int64),
        np.asarray(threshold, dtype=np.float32),
        np.asarray(right, dtype=np.int64),
        np.asarray(value, dtype=np.float32),
        np.asarray(roots, dtype=np.int64),
        n_features,
        depth,
        base_margin,
    )
