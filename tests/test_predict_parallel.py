"""The fast prediction path: same layers as the design-matrix path, any number of threads."""

import numpy as np
import pytest

from amurlink.core.tiles import Tile
from amurlink.habitat import predict
from amurlink.habitat.extrapolation import MessReference, mess
from amurlink.habitat.models import (
    BoostingModel,
    DownsampledRFModel,
    EnsembleModel,
    GLMModel,
    MaxentModel,
)


def training(seed=0, n=1500):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 3))
    y = (rng.random(n) < 0.05 + 0.4 * X[:, 0] * (1 - X[:, 1])).astype(int)
    return X, y


def small_ensemble(X, y):
    members = [
        ("maxent", MaxentModel(features="lqph")),
        ("glm", GLMModel()),
        ("rf", DownsampledRFModel(n_estimators=25, random_state=3)),
        ("brt", BoostingModel(max_iter=30, random_state=3)),
    ]
    ens = EnsembleModel(members=members, weights=[0.3, 0.1, 0.4, 0.2]).fit(X, y)
    ens.reference_ = X
    return ens


def covariate_stack(seed=1, shape=(3, 70, 53)):
    rng = np.random.default_rng(seed)
    arr = rng.uniform(-0.3, 1.3, shape)  # a third of the cells outside the training range
    arr[1, :4, :9] = np.nan
    return arr


def reader(arr, log=None):
    def read(window):
        if log is not None:
            log.append(("read", window))
        r, c = int(window.row_off), int(window.col_off)
        return arr[:, r : r + int(window.height), c : c + int(window.width)].astype(np.float32)

    return read


def test_rf_leaf_lookup_equals_trees_predict_proba():
    X, y = training()
    rf = DownsampledRFModel(n_estimators=30, random_state=1).fit(X, y)
    Xn = np.random.default_rng(5).uniform(-0.5, 1.5, (2000, 3))
    votes = np.zeros(len(Xn))
    for tree in rf.trees_:
        votes += tree.predict_proba(Xn.astype(np.float32))[:, list(tree.classes_).index(1)]
    np.testing.assert_array_equal(rf.predict_suitability(Xn), votes / len(rf.trees_))


@pytest.mark.parametrize(("model", "nodata"), [("ensemble", True), ("maxent", False)])
def test_layers_equal_the_design_matrix_path(monkeypatch, model, nodata):
    X, y = training()
    if model == "maxent":  # a single model, as predict_tile wraps it
        ens = predict.as_ensemble(MaxentModel(features="lqph").fit(X, y), X)
    else:
        ens = small_ensemble(X, y)
    arr = covariate_stack()
    if not nodata:  # every cell valid: the chunks are slices of the block
        arr = np.nan_to_num(arr, nan=0.5)
    new = predict.predict_layers(ens, arr.astype(np.float32), X, chunk_rows=1000)
    # today's path: MaxEnt from the full design matrix, the forest through predict_proba
    monkeypatch.setattr(MaxentModel, "decision_function", MaxentModel.decision_function_design)

    def rf_old(self, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        return np.mean([t.predict_proba(X)[:, 1] for t in self.trees_], axis=0)

    monkeypatch.setattr(DownsampledRFModel, "predict_suitability", rf_old)
    old = predict.predict_layers(ens, arr.astype(np.float32).astype(np.float64), X)
    for name in predict.LAYERS:
        assert np.array_equal(np.isnan(new[name]), np.isnan(old[name])), name
        np.testing.assert_allclose(new[name], old[name], rtol=0, atol=1e-9, err_msg=name)
    assert np.nanmax(new["clamping"]) > 1e-3  # the clamping map was exercised
    assert np.nanmin(new["mess"]) < 0
    assert np.isnan(new["suitability"]).any() == nodata


@pytest.mark.parametrize("n_jobs", [2, 3])
def test_threads_give_the_same_tile_and_bound_windows_in_flight(n_jobs):
    X, y = training()
    ens = small_ensemble(X, y)
    arr = covariate_stack()
    tile = Tile(0, 0, 70, 53, "r0c0")
    one = predict.predict_tile(ens, reader(arr), tile, 16)
    many = predict.predict_tile(ens, reader(arr), tile, 16, n_jobs=n_jobs)
    np.testing.assert_array_equal(one, many)
    log = []
    windows = tile.windows(16)
    gen = predict.predict_layer_windows(ens, reader(arr, log), windows, X, n_jobs, in_flight=3)
    got = []
    for window, _ in gen:
        got.append(window)
        reads = sum(1 for kind, _ in log if kind == "read")
        assert reads - len(got) <= 2  # at most in_flight read, counting the one yielded
    assert got == list(windows)


def test_mess_reference_sorted_once_equals_mess():
    X, _ = training()
    pts = covariate_stack().reshape(3, -1).T
    a = mess(pts, X, exclude=[2])
    b = mess(pts, MessReference(X, exclude=[2]))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_predict_windows_threads_equal_one_thread():
    X, y = training()
    model = MaxentModel(features="lqh").fit(X, y)
    arr = covariate_stack()
    tile = Tile(0, 0, 70, 53, "r0c0")
    one = list(predict.predict_windows(model, reader(arr), tile.windows(16)))
    two = list(predict.predict_windows(model, reader(arr), tile.windows(16), n_jobs=2))
    assert [w for w, _ in one] == [w for w, _ in two]
    for (_, a), (_, b) in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


def test_mess_counts_by_lookup_equal_binary_search():
    """Ties, values on reference points and bucket edges, outside the range, NaN."""
    rng = np.random.default_rng(4)
    ref = np.column_stack(
        [
            np.round(rng.normal(0, 1, 400), 1),  # many ties
            np.r_[np.zeros(200), rng.exponential(1, 200)],  # half at the minimum
            np.full(400, 3.0),  # constant
        ]
    )
    mref = MessReference(ref)
    for i, r in enumerate(mref.sorted):
        lo, hi = r[0], r[-1]
        edges = lo + np.arange(0, 16 * len(r) + 1) * (hi - lo) / (16 * len(r)) if hi > lo else r
        p = np.r_[r, np.nextafter(r, np.inf), np.nextafter(r, -np.inf), edges,
                  rng.uniform(lo - 1, hi + 1, 5000), np.nan, np.inf, -np.inf]  # fmt: skip
        np.testing.assert_array_equal(
            mref.count_at_or_below(i, p), np.searchsorted(r, p, side="right")
        )


def mess_reference_implementation(X, ref, exclude=()):
    """MESS as written before issue 14 (sorted per call, binary search, full matrix)."""
    ref = ref[np.isfinite(ref).all(axis=1)]
    cols = [j for j in range(X.shape[1]) if j not in set(exclude)]
    sims = np.full((X.shape[0], len(cols)), np.nan)
    for i, j in enumerate(cols):
        r = np.sort(ref[:, j])
        lo, hi = r[0], r[-1]
        span = hi - lo if hi > lo else 1.0
        p = X[:, j]
        f = 100.0 * np.searchsorted(r, p, side="right") / len(r)
        s = np.where(f <= 50, 2 * f, 2 * (100 - f))
        s = np.where(f == 0, 100 * (p - lo) / span, s)
        s = np.where(f == 100, 100 * (hi - p) / span, s)
        sims[:, i] = s
    ok = np.isfinite(X).all(axis=1)
    out = np.full(X.shape[0], np.nan)
    mod = np.full(X.shape[0], -1, np.int64)
    if ok.any() and cols:
        out[ok] = sims[ok].min(axis=1)
        mod[ok] = np.asarray(cols)[sims[ok].argmin(axis=1)]
    return out, mod


@pytest.mark.parametrize("exclude", [(), (1,)])
def test_mess_equals_the_reference_implementation(exclude):
    rng = np.random.default_rng(9)
    ref = np.column_stack(
        [np.round(rng.normal(0, 1, 500), 1), np.r_[np.zeros(250), rng.exponential(1, 250)],
         rng.uniform(0, 1, 500), np.full(500, 2.0)]
    )  # fmt: skip
    X = np.column_stack([rng.choice(ref[:, j], 4000) for j in range(4)])
    X[:1000] = rng.uniform(-3, 4, (1000, 4))  # outside, and ties on the reference values
    X[5, 2] = np.nan
    new, old = mess(X, ref, exclude), mess_reference_implementation(X, ref, exclude)
    np.testing.assert_array_equal(new[0], old[0])
    np.testing.assert_array_equal(new[1], old[1])
