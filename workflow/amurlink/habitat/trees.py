"""Fitted trees packed for compiled prediction that reuses the last cell's leaf.

A regression tree partitions covariate space into axis-aligned boxes, one per
leaf (Breiman, Friedman, Olshen & Stone 1984, *Classification and Regression
Trees*, ch. 2): the path from the root to a leaf is a conjunction of
``x[f] <= t`` (left) and ``x[f] > t`` (right) tests, so the leaf's box is
``lo < x <= hi`` in every covariate.  A cell lies in a leaf's box exactly when
the tree routes it to that leaf.  Neighbouring raster cells have nearly the same
covariates (spatial autocorrelation), so most cells fall in the box of the leaf
their predecessor reached: :func:`sum_leaf_values` tests that box first and walks
the tree from the root only when the cell is outside it.  The result is the same
leaf, and the same sum in the same order, as scikit-learn's own traversal.

scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier` took
35.6 ns per tree per cell on the bench's raster-ordered cells; this path 7.4 ns,
and 22.1 against 34.3 on the same rows shuffled (bench/trees.py), so boosting
always takes it.  Down-sampled random forests' leaves, grown to single points,
are small boxes: the same kernel beats scikit-learn's traversal in raster order
(14.0 against 21.7 ns) and loses on shuffled rows (39.9 against 29.0), so
:func:`box_hit_rate` probes a few trees on the first rows and the forest takes
the packed path only where the last leaf's box keeps being hit
(:data:`MIN_BOX_HIT_RATE`).  Both paths give the
same numbers, so the choice never changes a prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: Rows per pass of the trees: a block of covariates stays in cache while every
#: tree visits it.
BLOCK_ROWS = 4096

#: Share of cells in the last cell's leaf above which the packed path wins for
#: deep trees: the bench's raster windows hit 0.82-0.87 (packed 14.0 against
#: scikit-learn's 21.7 ns per tree per cell), its shuffled rows 0.20 (39.9
#: against 29.0); the costs cross near 0.55.
MIN_BOX_HIT_RATE = 0.6


@dataclass(frozen=True)
class PackedTrees:
    """Trees as flat node arrays, with each node's box.

    Attributes
    ----------
    feature : ndarray of int32
        Split covariate of each node (0 at leaves).
    threshold : ndarray of float64
        Split value: ``x <= threshold`` goes left (+inf at leaves).
    left, right : ndarray of int32
        Children (global node indices), -1 at leaves.
    value : ndarray of float64
        Leaf values (0 at internal nodes).
    root : ndarray of int32
        Each tree's root node.
    box : ndarray of float64, shape (n_nodes, 2, n_features)
        ``box[k, 0]`` (exclusive) and ``box[k, 1]`` (inclusive) bounds of the
        cells that reach node ``k``.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    root: np.ndarray
    box: np.ndarray

    @property
    def n_features(self) -> int:
        return self.box.shape[2]


def node_boxes(feature, threshold, left, right, root, n_features: int) -> np.ndarray:
    """Each node's box, from its ancestors' split tests (global node indices)."""
    box = np.empty((len(feature), 2, n_features))
    box[:, 0] = -np.inf
    box[:, 1] = np.inf
    stack = list(root)
    while stack:
        k = stack.pop()
        if left[k] < 0:
            continue
        f, t = feature[k], threshold[k]
        box[left[k]] = box[k]
        box[left[k], 1, f] = min(box[k, 1, f], t)
        box[right[k]] = box[k]
        box[right[k], 0, f] = max(box[k, 0, f], t)
        stack += [left[k], right[k]]
    return box


def pack_trees(tree_nodes, n_features: int) -> PackedTrees:
    """Pack trees given as ``(feature, threshold, left, right, value)`` node arrays.

    Each tree's arrays index its own nodes (root 0); ``left < 0`` marks a leaf,
    whose ``value`` is what the tree returns there.
    """
    parts, roots, offset = [], [], 0
    for feature, threshold, left, right, value in tree_nodes:
        leaf = np.asarray(left) < 0
        parts.append(
            (
                np.where(leaf, 0, feature),
                np.where(leaf, np.inf, threshold),
                np.where(leaf, -1, np.asarray(left, np.int64) + offset),
                np.where(leaf, -1, np.asarray(right, np.int64) + offset),
                np.where(leaf, value, 0.0),
            )
        )
        roots.append(offset)
        offset += len(leaf)
    feature, threshold, left, right, value = (np.concatenate(c) for c in zip(*parts, strict=True))
    feature, left, right = (a.astype(np.int32) for a in (feature, left, right))
    threshold, value = threshold.astype(np.float64), value.astype(np.float64)
    root = np.array(roots, np.int32)
    box = node_boxes(feature, threshold, left, right, root, n_features)
    return PackedTrees(feature, threshold, left, right, value, root, box)


def pack_hist_gradient_boosting(hgb) -> PackedTrees | None:
    """A fitted binary HistGradientBoostingClassifier's trees, or None if they need its own path.

    Categorical splits (bitsets) and a column preprocessor are left to
    scikit-learn: a categorical split is not an interval.
    """
    if getattr(hgb, "_preprocessor", None) is not None or hgb.n_trees_per_iteration_ != 1:
        return None
    nodes = [iteration[0].nodes for iteration in hgb._predictors]
    if any(n["is_categorical"].any() for n in nodes):
        return None
    return pack_trees(
        (
            (
                n["feature_idx"],
                n["num_threshold"],
                np.where(n["is_leaf"].astype(bool), -1, n["left"].astype(np.int64)),
                n["right"],
                n["value"],
            )  # fmt: skip
            for n in nodes
        ),
        hgb.n_features_in_,
    )


def pack_decision_trees(classifiers, n_features: int, positive=1) -> PackedTrees:
    """Fitted DecisionTreeClassifiers packed with each leaf's share of class ``positive``.

    A tree that never saw ``positive`` contributes 0 at every leaf, as it adds no
    vote to the forest.
    """

    def nodes(tree):
        t = tree.tree_
        classes = list(tree.classes_)
        value = (
            t.value[:, 0, classes.index(positive)]
            if positive in classes
            else np.zeros(t.node_count)
        )
        return t.feature, t.threshold, t.children_left, t.children_right, value

    return pack_trees((nodes(tree) for tree in classifiers), n_features)


def box_hit_rate(X: np.ndarray, trees: PackedTrees, n_rows: int = 2048, n_trees: int = 16) -> float:
    """Share of the first ``n_rows`` rows in their predecessor's leaf, over the first ``n_trees`` trees.

    ``X`` as for :func:`sum_leaf_values`.  Costs about a millisecond.
    """
    X = np.ascontiguousarray(X[:n_rows], dtype=np.float64)
    return _box_hit_rate(X, trees.feature, trees.threshold, trees.left, trees.right,
                         trees.root[:n_trees], trees.box)  # fmt: skip


def sum_leaf_values(X: np.ndarray, trees: PackedTrees, start: float = 0.0) -> np.ndarray:
    """``start`` plus the sum over trees, in tree order, of the leaf each row of ``X`` reaches.

    ``X`` is converted to C-ordered float64 (as scikit-learn's boosting predicts)
    and must be finite: no-data cells are the caller's to leave out.  Releases
    the GIL, so windows can be predicted in threads.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != trees.n_features:
        raise ValueError(f"X has shape {X.shape}, the trees take {trees.n_features} columns")
    out = np.full(X.shape[0], start, dtype=np.float64)
    _sum_leaf_values(X, trees.feature, trees.threshold, trees.left, trees.right,
                     trees.value, trees.root, trees.box, out)  # fmt: skip
    return out


@njit(inline="always")
def _outside_box(X, i, box, k):  # pragma: no cover
    outside = False
    for f in range(X.shape[1]):
        x = X[i, f]
        outside |= (x <= box[k, 0, f]) | (x > box[k, 1, f])
    return outside


@njit(inline="always")
def _leaf(X, i, k, feature, threshold, left, right):  # pragma: no cover
    while left[k] >= 0:
        if X[i, feature[k]] <= threshold[k]:
            k = left[k]
        else:
            k = right[k]
    return k


@njit(nogil=True, cache=True)
def _sum_leaf_values(X, feature, threshold, left, right, value, root, box, out):  # pragma: no cover
    n = X.shape[0]
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        for t in range(root.shape[0]):
            k = root[t]
            for i in range(start, stop):
                if _outside_box(X, i, box, k):
                    k = root[t]
                k = _leaf(X, i, k, feature, threshold, left, right)
                out[i] += value[k]


@njit(nogil=True, cache=True)
def _box_hit_rate(X, feature, threshold, left, right, root, box):  # pragma: no cover
    n = X.shape[0]
    hits = 0
    for t in range(root.shape[0]):
        k = root[t]
        for i in range(n):
            if _outside_box(X, i, box, k):
                k = root[t]
            elif left[k] < 0:  # a leaf's box, not the root's (which holds every cell)
                hits += 1
            k = _leaf(X, i, k, feature, threshold, left, right)
    return hits / max(1, n * root.shape[0])
