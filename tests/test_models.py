"""MaxEnt (maxnet formulation) and the other presence-background models."""

import pickle

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone

from amurlink.habitat.models import (
    BoostingModel,
    DownsampledRFModel,
    EnsembleModel,
    GLMModel,
    MaxentModel,
    default_feature_classes,
)


def virtual_species(seed=1, n_cells=20000, n_presences=300, n_background=5000):
    """Leroy et al. 2016 style: suitability a known logistic function of 3 covariates."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n_cells, 3))
    eta = -2 + 4 * X[:, 0] - 16 * (X[:, 1] - 0.5) ** 2  # x2 is noise
    truth = 1 / (1 + np.exp(-eta))
    pres = rng.choice(n_cells, n_presences, p=truth / truth.sum())
    bg = rng.choice(n_cells, n_background, replace=False)
    Xf = np.vstack([X[pres], X[bg]])
    y = np.r_[np.ones(n_presences, int), np.zeros(n_background, int)]
    return X, truth, Xf, y


@pytest.mark.parametrize("features", ["lq", "lqh"])
def test_maxent_recovers_known_truth(features):
    X, truth, Xf, y = virtual_species()
    model = MaxentModel(features=features).fit(Xf, y)
    pred = model.predict_suitability(X)
    assert model.converged_
    assert spearmanr(pred, truth)[0] > 0.9
    assert 0 <= pred.min() and pred.max() <= 1


def test_maxent_linear_only_misses_the_hump():
    # a model that cannot express the quadratic truth must do worse: the test can fail
    X, truth, Xf, y = virtual_species()
    lin = MaxentModel(features="l").fit(Xf, y).predict_suitability(X)
    quad = MaxentModel(features="lq").fit(Xf, y).predict_suitability(X)
    assert spearmanr(lin, truth)[0] < spearmanr(quad, truth)[0] - 0.2


def test_maxent_raw_output_sums_to_one_over_background():
    _, _, Xf, y = virtual_species(n_background=2000)
    model = MaxentModel(features="lq", add_presences_to_background=False).fit(Xf, y)
    raw = model.predict_raw(Xf[y == 0])
    assert raw.sum() == pytest.approx(1.0, rel=1e-9)
    # entropy of the raw distribution is at most log(n) (uniform)
    assert 0 < model.entropy_ <= np.log(2000) + 1e-9


def test_maxent_heavy_regularisation_gives_flat_cloglog():
    # with every feature penalised away the model is uniform over the background:
    # raw = 1/n, entropy = log n, so cloglog = 1 - exp(-1) everywhere (maxnet's identity)
    rng = np.random.default_rng(3)
    Xf = rng.uniform(0, 1, (3000, 2))
    y = np.r_[np.ones(100, int), np.zeros(2900, int)]
    model = MaxentModel(features="lq", beta=100.0).fit(Xf, y)
    assert np.abs(model.coef_).max() < 1e-6
    # 2900 background + the 100 presences added to it, as maxnet does
    assert model.entropy_ == pytest.approx(np.log(2900 + 100), rel=1e-6)
    assert np.allclose(model.predict_suitability(Xf[:10]), 1 - np.exp(-1), atol=1e-6)


def test_maxent_beta_shrinks_the_penalised_norm():
    # for an exact L1 optimum, the penalty term sum(lambda_j |b_j|) cannot grow with beta
    _, _, Xf, y = virtual_species(n_background=2000)
    norms, nonzero = [], []
    for beta in (0.5, 1.0, 2.0, 8.0):
        m = MaxentModel(features="lqh", beta=beta).fit(Xf, y)
        norms.append(np.sum(m.reg_ / beta * np.abs(m.coef_)))
        nonzero.append(np.count_nonzero(m.coef_))
    assert all(a > b for a, b in zip(norms, norms[1:], strict=False))
    assert nonzero[-1] < nonzero[0]


def test_maxnet_regularisation_table():
    # linear-only features with 30 presences: multiplier 0.2, lambda_j = beta*0.2*sd_j/sqrt(30)
    rng = np.random.default_rng(0)
    Xf = rng.uniform(0, 1, (530, 1))
    y = np.r_[np.ones(30, int), np.zeros(500, int)]
    model = MaxentModel(features="l", beta=2.0, add_presences_to_background=False).fit(Xf, y)
    z = (Xf[:30, 0] - Xf[:, 0].min()) / (Xf[:, 0].max() - Xf[:, 0].min())
    expected = 2.0 * max(0.001, z.std(ddof=1) * 0.2 / np.sqrt(30))
    assert model.reg_[0] == pytest.approx(expected)


def test_default_feature_classes():
    assert [default_feature_classes(n) for n in (5, 12, 50, 200)] == ["l", "lq", "lqh", "lqph"]


def test_categorical_one_hot_and_ordering():
    # land cover codes 10 (forest) and 40 (cropland): presences favour 10; the
    # codes must not be used as magnitudes
    rng = np.random.default_rng(5)
    n = 6000
    cover = rng.choice([10.0, 40.0], n)
    elev = rng.uniform(0, 1, n)
    truth = np.where(cover == 10, 0.6, 0.1) * (0.5 + 0.5 * elev)
    pres = rng.choice(n, 300, p=truth / truth.sum())
    bg = rng.choice(n, 3000, replace=False)
    X = np.column_stack([elev, cover])
    Xf = np.vstack([X[pres], X[bg]])
    y = np.r_[np.ones(300, int), np.zeros(3000, int)]
    model = MaxentModel(features="lq", categorical=["cover"], feature_names=["elev", "cover"])
    model.fit(Xf, y)
    assert "cover==10" in model.feature_names_out_ and "cover==40" in model.feature_names_out_
    assert not any(n.startswith("cover^2") or n == "cover" for n in model.feature_names_out_)
    F, _, kinds = model._design(np.array([[0.5, 10.0], [0.5, 40.0], [0.5, 20.0]]))
    onehot = F[:, [k == "c" for k in kinds]]
    assert onehot.tolist() == [[1, 0], [0, 1], [0, 0]]
    s = model.predict_suitability(np.array([[0.5, 10.0], [0.5, 40.0]]))
    assert s[0] > s[1]


def test_maxent_sample_weight_matters():
    _, _, Xf, y = virtual_species(n_background=2000)
    w = np.ones(len(y))
    a = MaxentModel(features="lq").fit(Xf, y, sample_weight=w).coef_
    w[y == 0] = np.where(Xf[y == 0, 0] > 0.5, 5.0, 1.0)
    b = MaxentModel(features="lq").fit(Xf, y, sample_weight=w).coef_
    assert not np.allclose(a, b)


@pytest.mark.parametrize(
    "model",
    [
        MaxentModel(features="lqh", beta=1.5),
        GLMModel(),
        DownsampledRFModel(n_estimators=20, random_state=0),
        BoostingModel(max_iter=30),
        EnsembleModel(
            members=[("maxent", MaxentModel(features="lq")), ("glm", GLMModel())],
            weights=[0.3, 0.1],
        ),
    ],
)
def test_clone_pickle_and_skill(model):
    X, truth, Xf, y = virtual_species(n_background=2000)
    c = clone(model)
    assert c.get_params().keys() == model.get_params().keys()
    fitted = c.fit(Xf, y)
    again = pickle.loads(pickle.dumps(fitted))
    p1 = fitted.predict_proba(X[:500])[:, 1]
    assert np.allclose(p1, again.predict_proba(X[:500])[:, 1])
    assert np.all((p1 >= 0) & (p1 <= 1))
    assert spearmanr(fitted.predict_proba(X)[:, 1], truth)[0] > 0.6


def test_ensemble_spread_is_zero_for_identical_members():
    X, _, Xf, y = virtual_species(n_background=1000)
    ens = EnsembleModel(members=[("a", GLMModel()), ("b", GLMModel())]).fit(Xf, y)
    assert np.allclose(ens.predict_spread(X[:100]), 0)
    assert np.allclose(
        ens.predict_suitability(X[:100]), GLMModel().fit(Xf, y).predict_proba(X[:100])[:, 1]
    )


def test_maxent_rejects_bad_input():
    with pytest.raises(ValueError, match="presences"):
        MaxentModel().fit(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="features"):
        MaxentModel(features="lqz").fit(
            np.random.default_rng(0).random((20, 2)), np.r_[np.ones(5), np.zeros(15)]
        )


def test_maxent_fit_is_bit_for_bit_reproducible():
    X, _, Xf, y = virtual_species(n_background=2000)
    a = MaxentModel(features="lqh").fit(Xf, y)
    b = MaxentModel(features="lqh").fit(Xf, y)
    assert np.array_equal(a.coef_, b.coef_)
    assert np.array_equal(a.predict_suitability(X[:1000]), b.predict_suitability(X[:1000]))


def test_rf_out_of_bag_presence_scores_are_below_in_bag():
    _, _, Xf, y = virtual_species(n_presences=200, n_background=2000)
    rf = DownsampledRFModel(n_estimators=60, random_state=0).fit(Xf, y)
    oob = rf.training_presence_scores()
    in_bag = rf.predict_suitability(Xf[y == 1])
    assert oob.shape == in_bag.shape and np.isfinite(oob).all()
    # a forest memorises its training presences; out of bag it cannot
    assert np.median(oob) < np.median(in_bag) - 0.1
    assert rf.in_bag_.mean() == pytest.approx(1 - np.exp(-1), abs=0.02)


def test_glm_link_from_raw_monomials_equals_the_design_path():
    """GLM's folded polynomial link equals scikit-learn's on the standardised design."""
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(5, 2, 600), rng.uniform(-1, 3, 600), rng.integers(0, 4, 600)])
    y = (X[:, 0] + rng.normal(0, 1, 600) > 5).astype(int)
    model = GLMModel(categorical=[2]).fit(X, y)
    Q = np.column_stack(
        [rng.normal(5, 3, 5000), rng.uniform(-2, 4, 5000), rng.integers(0, 4, 5000)]
    )
    model.chunk_rows = 777  # several chunks, one short
    reference = model.lr_.decision_function(model._design(Q, fit=False))
    np.testing.assert_allclose(model.decision_function(Q), reference, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        model.predict_suitability(Q), model.predict_proba(Q)[:, 1], rtol=0, atol=1e-12
    )


def test_uniform_interp_equals_np_interp_on_even_knots():
    from amurlink.habitat.models import _uniform_interp

    rng = np.random.default_rng(0)
    values = rng.normal(size=51)
    z = np.concatenate([rng.uniform(-0.5, 1.5, 10000), np.linspace(0, 1, 51), [0.0, 1.0]])
    expected = np.interp(z, np.linspace(0.0, 1.0, 51), values)
    np.testing.assert_allclose(_uniform_interp(z, values), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("features", ["lq", "lqh"])
def test_maxent_solution_meets_the_lasso_optimality_conditions(features):
    # Karush-Kuhn-Tucker conditions of min Σ w·logloss + Σ pen_j|β_j| (objective / Σw):
    # the loss gradient g_j = Σ wn (p − y) F_j is −pen_j·sign(β_j) where β_j ≠ 0 and
    # |g_j| ≤ pen_j where β_j = 0; the intercept's gradient is 0.  An inexact solver
    # (as L-BFGS-B on β± was, its link up to 1.3 off on an NCEAS species) fails this.
    _, _, Xf, y = virtual_species(n_presences=150, n_background=2000)
    m = MaxentModel(features=features).fit(Xf, y)
    X_all = np.vstack([Xf, Xf[y == 1]])
    presence = np.r_[y, np.zeros(int(y.sum()), int)] == 1
    F, _, _ = m._design(X_all)
    w = np.where(presence, 1.0, 100.0)
    wn = w / w.sum()
    pen = m.n_presences_ * m.reg_ / w.sum()
    p = 1 / (1 + np.exp(-(m.logistic_intercept_ + F @ m.coef_)))
    r = wn * (p - presence)
    g = F.T @ r
    active = m.coef_ != 0
    assert abs(r.sum()) < 1e-7
    assert active.sum() > 3
    np.testing.assert_allclose(g[active], -pen[active] * np.sign(m.coef_[active]), atol=1e-7)
    assert np.all(np.abs(g[~active]) <= pen[~active] + 1e-7)


@pytest.mark.parametrize("kind", ["maxent", "glm", "brt", "ensemble"])
def test_make_model_takes_categorical_covariates_by_name(kind):
    from amurlink.habitat.models import make_model

    _, _, Xf, y = virtual_species(n_presences=100, n_background=800)
    Xf = np.column_stack([Xf, np.floor(Xf[:, 0] * 4)])  # a class code
    m = make_model(kind, categorical=["veg"], feature_names=["a", "b", "c", "veg"]).fit(Xf, y)
    assert np.all(np.isfinite(m.predict_suitability(Xf[:50])))
    # the class column is a category in every member that takes categories, never a number
    members = dict(m.members_) if kind == "ensemble" else {kind: m}
    if "brt" in members:
        assert list(members["brt"].hgb_.is_categorical_) == [False, False, False, True]
    if "maxent" in members:
        assert "veg==2" in members["maxent"].feature_names_out_


def test_ensemble_clamps_the_same_with_and_without_categorical_columns():
    # clamp_X has a fast path when every column is continuous: both paths must agree
    rng = np.random.default_rng(4)
    X = rng.uniform(0, 1, (300, 3))
    y = (X[:, 0] > 0.5).astype(int)
    glm = [("glm", GLMModel())]
    cont = EnsembleModel(members=glm).fit(X, y)
    # a categorical column (training range -1..5): never clamped, even outside that range
    Xc = np.column_stack([X, np.r_[-1.0, 5.0, np.zeros(298)]])
    with_cat = EnsembleModel(members=glm, categorical=[3]).fit(Xc, y)
    Q = np.array([[-1.0, 0.5, 2.0], [0.3, np.nan, 0.7], [5.0, -3.0, 0.2]])
    expected = np.array([[X[:, 0].min(), 0.5, X[:, 2].max()], [0.3, np.nan, 0.7],
                         [X[:, 0].max(), X[:, 1].min(), 0.2]])  # fmt: skip
    np.testing.assert_array_equal(cont.clamp_X(Q), expected)
    Qc = np.column_stack([Q, [9.0, -9.0, 2.0]])
    np.testing.assert_array_equal(with_cat.clamp_X(Qc), np.column_stack([expected, Qc[:, 3]]))
    assert cont.clamp_X(Q) is not Q and np.isnan(Q[1, 1]) and Q[0, 0] == -1.0  # Q untouched


def test_ensemble_rf_member_takes_the_ensemble_tree_count():
    from amurlink.habitat import tuning
    from amurlink.habitat.models import ENSEMBLE_RF_TREES, make_model

    assert DownsampledRFModel().n_estimators == 200  # alone, its own default
    ens = make_model("ensemble")
    assert dict(ens.members)["rf"].n_estimators == ENSEMBLE_RF_TREES
    tuned = tuning._member("rf", {}, (), ["a", "b"], seed=0)
    assert tuned.n_estimators == ENSEMBLE_RF_TREES


def test_boosting_passes_its_leaf_and_penalty_settings_to_scikit_learn():
    _, _, Xf, y = virtual_species(n_presences=100, n_background=500)

    def smallest_leaf(model):
        hgb = model.fit(Xf, y).hgb_
        return min(n["count"] for tree in hgb._predictors for n in tree[0].nodes if n["is_leaf"])

    model = BoostingModel(max_iter=5, min_samples_leaf=40, l2_regularization=0.5, max_features=0.5)
    assert smallest_leaf(model) >= 40
    assert smallest_leaf(BoostingModel(max_iter=5)) < 40  # at scikit-learn's 20, smaller leaves
    assert (model.hgb_.l2_regularization, model.hgb_.max_features) == (0.5, 0.5)
