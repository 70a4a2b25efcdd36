"""Packed trees (boosting, down-sampled RF): the same leaves and sums as scikit-learn's traversal."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from amurlink.habitat import trees
from amurlink.habitat.models import BoostingModel, DownsampledRFModel


def _smooth_rows(n_rows: int, n_cols: int, seed: int, noise: float = 0.02) -> np.ndarray:
    """Raster-ordered cells of four smooth fields with a little noise (as windows are read)."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:n_rows, 0:n_cols] / max(n_rows, n_cols)
    bands = [
        np.sin(3 * r + k) * np.cos(4 * c - k) + rng.normal(0, noise, r.shape) for k in range(4)
    ]
    return np.stack(bands, axis=-1).reshape(-1, 4)


@pytest.fixture(scope="module")
def boosting():
    X = _smooth_rows(60, 60, seed=1)
    rng = np.random.default_rng(2)
    p = 1 / (1 + np.exp(-(2 * X[:, 0] - 3 * X[:, 1] ** 2 + X[:, 2] * X[:, 3])))
    y = (rng.random(len(X)) < p).astype(int)
    return BoostingModel(max_iter=60, random_state=0).fit(X, y)


@pytest.mark.parametrize("order", ["raster", "shuffled"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_packed_trees_equal_scikit_learn_bit_for_bit(boosting, order, dtype):
    X = _smooth_rows(150, 170, seed=5).astype(dtype)
    if order == "shuffled":
        X = X[np.random.default_rng(0).permutation(len(X))]
    assert boosting._packed_trees() is not None
    ours = boosting.predict_suitability(X)
    theirs = boosting.hgb_.predict_proba(X)[:, 1]
    assert np.array_equal(ours, theirs)
    assert np.array_equal(boosting.predict_proba(X), boosting.hgb_.predict_proba(X))


def _hand_tree() -> trees.PackedTrees:
    """Root: x0 <= 0.5 -> leaf 1.0; else x1 <= 2.0 -> leaf 2.0, else leaf 3.0."""
    feature = np.array([0, -2, 1, -2, -2])
    threshold = np.array([0.5, -2.0, 2.0, -2.0, -2.0])  # leaves' entries are ignored
    left = np.array([1, -1, 3, -1, -1])
    right = np.array([2, -1, 4, -1, -1])
    value = np.array([9.0, 1.0, 9.0, 2.0, 3.0])
    return trees.pack_trees([(feature, threshold, left, right, value)], n_features=2)


def test_node_boxes_are_the_split_tests_of_the_path():
    box = _hand_tree().box
    # leaf 4: x0 > 0.5 and x1 > 2.0
    assert box[4].tolist() == [[0.5, 2.0], [np.inf, np.inf]]
    # leaf 3: x0 > 0.5 and x1 <= 2.0
    assert box[3].tolist() == [[0.5, -np.inf], [np.inf, 2.0]]
    # leaf 1: x0 <= 0.5
    assert box[1].tolist() == [[-np.inf, -np.inf], [0.5, np.inf]]


def test_cells_on_a_threshold_go_left_as_the_tree_sends_them():
    # consecutive cells step across both thresholds, landing exactly on each: a box
    # with the wrong side open would keep the last leaf where the tree changes it
    up = np.nextafter(0.5, 1.0)
    X = np.array([[0.4, 0], [0.5, 0], [up, 0], [up, 2.0], [up, np.nextafter(2.0, 3)],
                  [0.9, 5], [0.5, 5], [0.9, 2.0], [0.9, 1.0]])  # fmt: skip
    sums = trees.sum_leaf_values(X, _hand_tree(), start=10.0)
    assert sums.tolist() == [11, 11, 12, 12, 13, 13, 11, 12, 12]


def test_categorical_splits_and_no_data_take_scikit_learns_path():
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=600), rng.integers(0, 4, 600)])
    y = ((X[:, 1] == 2) | (X[:, 0] > 1)).astype(int)
    model = BoostingModel(max_iter=20, categorical=[1], random_state=0).fit(X, y)
    assert model._packed_trees() is None
    assert np.array_equal(model.predict_suitability(X), model.hgb_.predict_proba(X)[:, 1])
    plain = BoostingModel(max_iter=20, random_state=0).fit(X, y)
    X[::7, 0] = np.nan
    assert np.array_equal(plain.predict_suitability(X), plain.hgb_.predict_proba(X)[:, 1])


def test_wrong_column_count_is_refused(boosting):
    with pytest.raises(ValueError, match="take 4 columns"):
        trees.sum_leaf_values(np.zeros((3, 5)), boosting._packed_trees())


@pytest.fixture(scope="module")
def forest():
    X = _smooth_rows(60, 60, seed=1)
    rng = np.random.default_rng(2)
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-(3 * X[:, 0] - 2 * X[:, 1])))).astype(int)
    return DownsampledRFModel(n_estimators=30, random_state=0).fit(X, y)


def _forest_by_scikit_learn(forest, X) -> np.ndarray:
    X = np.asarray(X, np.float32)
    votes = sum(t.predict_proba(X)[:, list(t.classes_).index(1)] for t in forest.trees_)
    return votes / len(forest.trees_)


@pytest.mark.parametrize("order", ["raster", "shuffled"])
def test_forest_takes_packed_trees_on_raster_rows_and_gives_scikit_learns_votes(forest, order):
    X = _smooth_rows(300, 320, seed=5, noise=0.001)
    if order == "shuffled":
        X = X[np.random.default_rng(0).permutation(len(X))]
    packed = forest._packed_trees()
    rate = trees.box_hit_rate(X.astype(np.float32).astype(np.float64), packed)
    # smooth fields in raster order stay in the last leaf; shuffled rows rarely do
    assert (rate >= trees.MIN_BOX_HIT_RATE) == (order == "raster")
    theirs = _forest_by_scikit_learn(forest, X)
    assert np.array_equal(forest.predict_suitability(X), theirs)
    packed_votes = trees.sum_leaf_values(X.astype(np.float32), packed) / len(forest.trees_)
    assert np.array_equal(packed_votes, theirs)


def test_box_hit_rate_counts_cells_in_the_last_leaf():
    # hand tree: leaves x0 <= 0.5 | x1 <= 2 | x1 > 2; first cell never counts as a hit
    X = np.array([[0.1, 0], [0.2, 0], [0.9, 0], [0.9, 1], [0.9, 3], [0.9, 4]])
    assert trees.box_hit_rate(X, _hand_tree()) == pytest.approx(3 / 6)


def test_a_refit_forest_packs_its_new_trees():
    X = _smooth_rows(60, 60, seed=1)
    y = (X[:, 2] > 0).astype(int)
    refit = DownsampledRFModel(n_estimators=5, random_state=1).fit(X, 1 - y)
    stale = refit._packed_trees()
    refit.fit(X, y)
    rows = _smooth_rows(200, 200, seed=7, noise=0.001)
    # raster rows, so the prediction goes through the packed trees, which must be the new ones
    assert trees.box_hit_rate(rows, refit._packed_trees()) >= trees.MIN_BOX_HIT_RATE
    assert refit._packed_trees() is not stale
    assert np.array_equal(refit.predict_suitability(rows), _forest_by_scikit_learn(refit, rows))


# bench/quickscorer.py finds the same leaves, so bench/trees.py compares like with like


@pytest.fixture(scope="module")
def qs():
    """bench/quickscorer.py, loaded once (its kernels compile on first use)."""
    path = Path(__file__).resolve().parents[1] / "bench" / "quickscorer.py"
    spec = importlib.util.spec_from_file_location("bench_quickscorer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickscorer_bench_sends_cells_on_a_threshold_left(qs):
    up = np.nextafter(0.5, 1.0)
    X = np.array([[0.4, 0], [0.5, 0], [up, 0], [up, 2.0], [up, np.nextafter(2.0, 3)],
                  [0.9, 5], [0.5, 5], [0.9, 2.0], [0.9, 1.0]])  # fmt: skip
    tables = qs.pack_quickscorer(_hand_tree())
    assert tables.masks.shape[1] == 1
    sums = qs.sum_leaf_values(X, tables, start=10.0)
    assert sums.tolist() == [11, 11, 12, 12, 13, 13, 11, 12, 12]


@pytest.mark.parametrize("order", ["raster", "shuffled"])
def test_quickscorer_bench_sums_equal_the_packed_trees_bit_for_bit(qs, order):
    X = _smooth_rows(38, 38, seed=1)  # 187-222 leaves a tree: all four words in use
    rng = np.random.default_rng(2)
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-(3 * X[:, 0] - 2 * X[:, 1])))).astype(int)
    forest = DownsampledRFModel(n_estimators=25, random_state=0).fit(X, y)
    boosting = BoostingModel(max_iter=30, random_state=0).fit(X, y)
    Q = _smooth_rows(120, 130, seed=5).astype(np.float32).astype(np.float64)
    if order == "shuffled":
        Q = Q[np.random.default_rng(0).permutation(len(Q))]
    packed = forest._packed_trees()
    tables = qs.pack_quickscorer(packed)
    assert tables.masks.shape[1] == 4
    assert max(np.diff(tables.first_leaf)) > 192  # a leaf in the fourth word
    assert np.array_equal(qs.sum_leaf_values(Q, tables), trees.sum_leaf_values(Q, packed))
    packed = boosting._packed_trees()
    tables = qs.pack_quickscorer(packed)
    assert tables.masks.shape[1] == 1
    assert np.array_equal(qs.sum_leaf_values(Q, tables, start=0.25),
                          trees.sum_leaf_values(Q, packed, start=0.25))  # fmt: skip


def test_quickscorer_bench_refuses_trees_of_more_than_256_leaves(qs):
    X = _smooth_rows(40, 40, seed=1)
    y = (np.arange(len(X)) % 2).astype(int)  # noise: trees grow a leaf per point
    forest = DownsampledRFModel(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="at most 256"):
        qs.pack_quickscorer(forest._packed_trees())
