"""MESS, clamping, response curves and permutation importance."""

import numpy as np

from amurlink.habitat import interpret, predict
from amurlink.habitat.extrapolation import mess
from amurlink.habitat.models import EnsembleModel, GLMModel, MaxentModel


def test_mess_hand_computed():
    ref = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0], [3.0, 40.0]])
    X = np.array(
        [
            [1.5, 25.0],  # f = 50 % for both: similarity 100
            [-1.0, 25.0],  # below the range by 1/3 of it: 100·(−1−0)/3
            [1.0, 45.0],  # f=50 (ties count as ≤) → 100; above max by 5/30 → −16.7
            [np.nan, 1.0],
        ]
    )
    m, mod = mess(X, ref)
    np.testing.assert_allclose(m[:3], [100.0, -100 / 3, -100 * 5 / 30])
    assert np.isnan(m[3]) and mod[3] == -1
    assert list(mod[1:3]) == [0, 1]
    # categorical columns are skipped
    m2, _ = mess(X, ref, exclude=[1])
    np.testing.assert_allclose(m2[2], 100.0)
    # ties at the minimum: a value equal to the minimum shared by half the points
    m3, _ = mess(np.array([[0.0]]), np.array([[0.0], [0.0], [1.0], [2.0]]))
    np.testing.assert_allclose(m3, [100.0])


def test_ensemble_clamping_map_is_zero_inside_and_positive_outside():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (600, 2))
    y = (X[:, 0] + 0.2 * rng.normal(size=600) > 0.7).astype(int)
    ens = EnsembleModel(members=[("glm", GLMModel()), ("maxent", MaxentModel(features="lq"))])
    ens.fit(X, y)
    inside = ens.predict_all(np.array([[0.5, 0.5]]))
    assert inside["clamping"][0] == 0.0
    outside = ens.predict_all(np.array([[3.0, 0.5]]))
    # a quadratic GLM and MaxEnt keep changing beyond the range; clamped they cannot
    assert outside["clamping"][0] > 1e-3
    np.testing.assert_allclose(
        outside["suitability"], ens.predict_suitability(np.array([[1.0, 0.5]]))
    )


def test_predict_layers_and_single_model_wrapper():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (800, 2))
    y = (X[:, 0] > 0.6).astype(int)
    model = MaxentModel(features="lq").fit(X, y)
    ens = predict.as_ensemble(model, X)
    block = rng.uniform(-0.5, 1.5, (2, 6, 7))
    block[0, 0, 0] = np.nan
    out = predict.predict_layers(ens, block, X)
    flat = block.reshape(2, -1).T
    ok = np.isfinite(flat).all(axis=1)
    np.testing.assert_allclose(out["suitability"].ravel()[ok], model.predict_suitability(flat[ok]))
    assert np.all(out["uncertainty"].ravel()[ok] == 0)  # one member: no spread
    assert np.isnan(out["mess"][0, 0])
    assert (out["mess"].ravel()[ok] < 0).any()  # some cells outside [0, 1]


def test_partial_dependence_follows_the_true_response():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, (3000, 2))
    y = (rng.uniform(size=3000) < X[:, 0] ** 2).astype(int)  # rises with x0, x1 irrelevant
    model = GLMModel().fit(X, y)
    curves = interpret.partial_dependence(model, X, ["x0", "x1"], n_points=10, seed=0)
    c0 = curves[curves.covariate == "x0"]["suitability"].to_numpy()
    c1 = curves[curves.covariate == "x1"]["suitability"].to_numpy()
    assert np.all(np.diff(c0) > 0)
    assert np.ptp(c1) < 0.5 * np.ptp(c0)
    again = interpret.partial_dependence(model, X, ["x0", "x1"], n_points=10, seed=0)
    assert curves.equals(again)


def test_permutation_importance_ranks_the_informative_covariate():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (2000, 3))
    y = (X[:, 1] + 0.1 * rng.normal(size=2000) > 0.6).astype(int)
    model = GLMModel().fit(X, y)
    imp = interpret.permutation_importance(model, X, y, ["a", "b", "c"], n_repeats=3, seed=0)
    assert imp.iloc[0]["covariate"] == "b"
    assert imp.iloc[0]["percent"] > 80
    np.testing.assert_allclose(imp["percent"].sum(), 100)


def test_plots_return_figures():
    curves = interpret.partial_dependence(
        GLMModel().fit(np.array([[0.0], [1.0], [0.2], [0.9]]), np.array([0, 1, 0, 1])),
        np.array([[0.0], [1.0]]),
        ["x"],
        n_points=5,
    )
    fig = interpret.plot_response_curves(curves)
    assert len(fig.axes) >= 1


def test_tree_members_are_clamp_invariant_so_the_clamping_map_can_skip_them():
    from amurlink.habitat.models import BoostingModel, DownsampledRFModel

    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, (500, 2))
    y = (X[:, 0] + 0.2 * rng.normal(size=500) > 0.7).astype(int)
    far = rng.uniform(-3, 4, (300, 2))
    for model in (DownsampledRFModel(n_estimators=25, random_state=0), BoostingModel(max_iter=30)):
        model.fit(X, y)
        assert model.clamp_invariant
        clipped = np.clip(far, X.min(axis=0), X.max(axis=0))
        np.testing.assert_array_equal(
            model.predict_suitability(far), model.predict_suitability(clipped)
        )
    # and the ensemble's clamping map with a tree member equals the slow, full computation
    ens = EnsembleModel(
        members=[("rf", DownsampledRFModel(n_estimators=25, random_state=0)), ("glm", GLMModel())]
    ).fit(X, y)
    fast = ens.predict_all(far)["clamping"]
    full = np.abs(
        ens.predict_suitability(far) - ens.weights_ @ ens.member_predictions(far, clamp=False)
    )
    np.testing.assert_allclose(fast, full, atol=1e-12)


def test_response_and_importance_use_what_the_fit_stored():
    rng = np.random.default_rng(4)
    X = rng.uniform(0, 1, (1200, 2))
    y = np.r_[np.ones(200, int), np.zeros(1000, int)]
    X[:200, 0] = rng.beta(5, 1.5, 200)  # presences first, as fit_species_model stores them
    model = GLMModel().fit(X, y)
    model.covariate_names_, model.reference_, model.n_presences_train_ = ["a", "b"], X, 200
    curves, imp = interpret.response_and_importance(model, seed=0, n_background=300)
    assert set(curves["covariate"]) == {"a", "b"} and set(curves["model"]) == {"model"}
    assert imp.iloc[0]["covariate"] == "a"
    again = interpret.response_and_importance(model, seed=0, n_background=300)
    assert curves.equals(again[0]) and imp.equals(again[1])
