"""QuickScorer on the packed trees: the bitvector traversal bench/trees.py measures against ours.

QuickScorer (Lucchese, Nardini, Orlando, Perego, Tonellotto & Venturini 2015,
SIGIR '15 pp. 73-82) never walks a tree.  Number a tree's leaves left to right
and give each internal node a bitvector with zeros at the leaves of its left
subtree.  A cell's leaf is the lowest set bit of the AND of the bitvectors of
the nodes whose test it fails (``x > threshold``, so it goes right).  Those
nodes, among one tree's nodes on covariate ``f`` sorted by threshold, are a
prefix, so the AND over them is a precomputed prefix AND.  Here the prefix
length comes from one binary search per covariate per cell over all trees'
thresholds on that covariate (a forest-wide bin), looked up per tree: no
branch depends on the tree.

The library does not use it (bench/RESULTS.md): on the bench's raster windows
it is slower than the packed trees' box test and walk, for the RF and for
boosting.  It is kept here so that the comparison can be rerun.  Outputs are
equal to scikit-learn's bit for bit (tests/test_trees.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from amurlink.habitat.trees import BLOCK_ROWS, PackedTrees

ALL_LEAVES = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class QuickScorerTrees:
    """A forest as QuickScorer's tables.

    Attributes
    ----------
    thresholds, edges : ndarray
        Every tree's thresholds on covariate ``f``, sorted:
        ``thresholds[edges[f]:edges[f + 1]]``.
    bin_row : ndarray
        Column of covariate ``f``'s first bin in ``mask_row``.
    mask_row : ndarray of int32, shape (n_trees, bins)
        Row of ``masks`` holding tree ``t``'s prefix AND for that bin.
    masks : ndarray of uint64, shape (rows, words)
        Bitvectors over leaves, 1 or 4 words.
    leaf_value, first_leaf : ndarray
        Tree ``t``'s leaves, left to right: ``leaf_value[first_leaf[t]:first_leaf[t + 1]]``.
    """

    thresholds: np.ndarray
    edges: np.ndarray
    bin_row: np.ndarray
    mask_row: np.ndarray
    masks: np.ndarray
    leaf_value: np.ndarray
    first_leaf: np.ndarray


def pack_quickscorer(trees: PackedTrees) -> QuickScorerTrees:
    """QuickScorer's tables for packed trees of at most 256 leaves each."""
    per_tree = [_numbered(trees, int(r)) for r in trees.root]
    n_leaves = max(len(leaves) for leaves, _ in per_tree)
    if n_leaves > 256:
        raise ValueError(f"a tree has {n_leaves} leaves; these tables hold at most 256")
    words = 1 if n_leaves <= 64 else 4
    n_features = trees.n_features
    by_feature = [
        np.unique(
            [trees.threshold[k] for _, spans in per_tree for k in spans if trees.feature[k] == f]
        )
        for f in range(n_features)
    ]
    edges = np.r_[0, np.cumsum([len(t) for t in by_feature])].astype(np.int64)
    bin_row = np.r_[0, np.cumsum([len(t) + 1 for t in by_feature])].astype(np.int64)
    mask_row = np.zeros((len(per_tree), bin_row[-1]), np.int32)
    masks, leaf_value, first_leaf = [], [], [0]
    for t, (leaves, spans) in enumerate(per_tree):
        leaf_value.append(trees.value[leaves])
        first_leaf.append(first_leaf[-1] + len(leaves))
        for f in range(n_features):
            nodes = sorted(
                (k for k in spans if trees.feature[k] == f), key=lambda k: trees.threshold[k]
            )
            reach = np.ones(64 * words, bool)
            start = len(masks)
            masks.append(reach.copy())
            for k in nodes:  # failing this node's test rules out its left subtree's leaves
                reach[slice(*spans[k])] = False
                masks.append(reach.copy())
            # bin b of covariate f holds x with by_feature[f][b-1] < x <= by_feature[f][b]:
            # the tree's nodes failed there are those with threshold <= by_feature[f][b-1]
            failed = np.searchsorted(
                [trees.threshold[k] for k in nodes], by_feature[f], side="right"
            )
            mask_row[t, bin_row[f]] = start
            mask_row[t, bin_row[f] + 1 : bin_row[f + 1]] = start + failed
    bits = np.packbits(np.array(masks), axis=1, bitorder="little").view(np.uint64)
    return QuickScorerTrees(
        np.concatenate(by_feature).astype(np.float64), edges, bin_row, mask_row,
        np.ascontiguousarray(bits.reshape(len(masks), words)), np.concatenate(leaf_value),
        np.array(first_leaf, np.int64),
    )  # fmt: skip


def _numbered(trees: PackedTrees, root: int):
    """Leaves left to right, and each internal node's left-subtree leaves as (start, stop)."""
    leaves, spans = [], {}

    def visit(k):
        if trees.left[k] < 0:
            leaves.append(k)
            return
        start = len(leaves)
        visit(trees.left[k])
        spans[k] = (start, len(leaves))
        visit(trees.right[k])

    visit(root)
    return leaves, spans


def sum_leaf_values(X: np.ndarray, qs: QuickScorerTrees, start: float = 0.0) -> np.ndarray:
    """As :func:`amurlink.habitat.trees.sum_leaf_values`: the same sums in the same tree order."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    out = np.full(X.shape[0], start)
    _sum_leaf_values(X, qs.thresholds, qs.edges, qs.bin_row, qs.mask_row, qs.masks,
                     qs.leaf_value, qs.first_leaf, out)  # fmt: skip
    return out


@njit(inline="always")
def _leaf_one_word(masks, row_of, rows, j):  # pragma: no cover
    reach = ALL_LEAVES
    for f in range(rows.shape[1]):
        reach &= masks[row_of[rows[j, f]], 0]
    return np.int64(trailing_zeros(reach))


@njit(inline="always")
def _leaf_four_words(masks, row_of, rows, j):  # pragma: no cover
    a0 = a1 = a2 = a3 = ALL_LEAVES
    for f in range(rows.shape[1]):
        r = row_of[rows[j, f]]
        a0 &= masks[r, 0]
        a1 &= masks[r, 1]
        a2 &= masks[r, 2]
        a3 &= masks[r, 3]
    # trailing_zeros(0) is 64: the first non-zero word's lowest bit, without branches
    z0, z1 = np.int64(trailing_zeros(a0)), np.int64(trailing_zeros(a1))
    z2, z3 = np.int64(trailing_zeros(a2)), np.int64(trailing_zeros(a3))
    return z0 + (a0 == 0) * (z1 + (a1 == 0) * (z2 + (a2 == 0) * z3))


@njit(nogil=True)  # not cached: the tests load this file by path
def _sum_leaf_values(
    X, thresholds, edges, bin_row, mask_row, masks, leaf_value, first_leaf, out
):  # pragma: no cover
    n, n_features = X.shape
    one_word = masks.shape[1] == 1
    rows = np.empty((BLOCK_ROWS, n_features), np.int64)
    for s in range(0, n, BLOCK_ROWS):
        e = min(n, s + BLOCK_ROWS)
        for i in range(s, e):  # each cell's bin per covariate, for every tree
            for f in range(n_features):
                rows[i - s, f] = bin_row[f] + np.searchsorted(
                    thresholds[edges[f] : edges[f + 1]], X[i, f]
                )
        for t in range(mask_row.shape[0]):
            row_of = mask_row[t]
            for i in range(s, e):
                if one_word:  # the same every cell: predicted, not a cost
                    leaf = _leaf_one_word(masks, row_of, rows, i - s)
                else:
                    leaf = _leaf_four_words(masks, row_of, rows, i - s)
                out[i] += leaf_value[first_leaf[t] + leaf]
