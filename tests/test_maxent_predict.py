"""MaxEnt's link from its non-zero features equals the link of the full design matrix."""

import numpy as np
import pytest

from amurlink.habitat.models import MaxentModel


def random_model(features, seed, categorical=False, clamp=True, density=0.2):
    """A MaxEnt model with random sparse coefficients over random training ranges."""
    rng = np.random.default_rng(seed)
    n = 4
    X = rng.normal(0, 3, (500, n)) + rng.uniform(-5, 5, n)
    cat = ()
    if categorical:
        X[:, 2] = rng.choice([1.0, 3.0, 7.0, 12.0], len(X))
        cat = (2,)
    m = MaxentModel(
        features=features, categorical=cat, clamp=clamp, n_knots=int(rng.integers(5, 51))
    )
    m._setup_features(X, 50)
    F, _, _ = m._design(X)
    coef = rng.normal(0, 2, F.shape[1])
    coef[rng.random(F.shape[1]) > density] = 0.0
    m.coef_ = coef
    m.intercept_ = float(rng.normal())
    m.entropy_ = 5.0
    return m, X


def new_data(X, seed):
    """Points inside and up to half a range outside the training range, and on its ends."""
    rng = np.random.default_rng(seed + 100)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    out = rng.uniform(lo - span / 2, hi + span / 2, (3000, X.shape[1]))
    out[:4] = [lo, hi, X[0], X[1]]
    return out


@pytest.mark.parametrize("features", ["l", "lq", "lqp", "h", "t", "lqh", "lqph", "lqpht"])
@pytest.mark.parametrize("clamp", [True, False])
def test_link_equals_design_matrix_link(features, clamp):
    for seed in range(5):
        m, X = random_model(features, seed, categorical=seed % 2 == 1, clamp=clamp)
        Xn = new_data(X, seed)
        if seed % 2:
            Xn[:, 2] = np.random.default_rng(seed).choice([1.0, 3.0, 5.0, 12.0], len(Xn))
        fast, ref = m.decision_function(Xn), m.decision_function_design(Xn)
        np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-9)
        # float32 input (as rasters are read) gives the link of the float32 values
        np.testing.assert_allclose(
            m.decision_function(Xn.astype(np.float32)),
            m.decision_function_design(Xn.astype(np.float32)),
            rtol=0,
            atol=1e-9,
        )


def test_threshold_knots_are_inclusive_and_hinges_exact_at_knots():
    """Cells exactly on a knot: [z ≥ k] counts the knot, hinges take their knot values."""
    m, X = random_model("ht", 3, density=1.0)
    lo, hi = m.xmin_, m.xmax_
    knots = np.r_[np.linspace(0, 1, m.n_knots), np.linspace(0, 1, m.n_knots + 2)]
    Xk = lo + knots[:, None] * (hi - lo)
    np.testing.assert_allclose(m.decision_function(Xk), m.decision_function_design(Xk), atol=1e-9)


def test_chunks_and_fitted_model_suitability():
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 1, (3000, 3))
    y = (rng.random(3000) < 0.05 + 0.3 * X[:, 0]).astype(int)
    m = MaxentModel(features="lqph").fit(X, y)
    Xn = rng.uniform(-0.2, 1.2, (5000, 3))
    s = m.predict_suitability(Xn)
    ref = -np.expm1(-np.exp(m.decision_function_design(Xn) + m.entropy_))
    np.testing.assert_allclose(s, ref, rtol=0, atol=1e-12)
    m.chunk_rows = 777  # chunking does not change a value
    np.testing.assert_array_equal(m.predict_suitability(Xn), s)
