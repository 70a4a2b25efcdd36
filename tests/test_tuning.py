"""ENMeval-style tuning on spatial CV and the CV-weighted ensemble."""

import numpy as np
import pandas as pd
import pytest

from amurlink.habitat import tuning
from amurlink.habitat.models import EnsembleModel, MaxentModel


def toy(seed=3, n_p=150, n_b=1500):
    """Presences where x0 is high; x1 noise; coordinates on a 100 km square."""
    rng = np.random.default_rng(seed)
    Xb = rng.uniform(0, 1, (n_b, 2))
    Xp = np.column_stack([rng.beta(5, 1.5, n_p), rng.uniform(0, 1, n_p)])
    X = np.vstack([Xp, Xb])
    y = np.r_[np.ones(n_p, int), np.zeros(n_b, int)]
    xy = rng.uniform(0, 100_000, (len(y), 2))
    return X, y, xy


def test_select_setting_lowest_omission_then_auc():
    summary = pd.DataFrame(
        {
            "omission_10p_mean": [0.2, 0.1, 0.1, np.nan],
            "auc_mean": [0.95, 0.70, 0.80, 0.99],
        }
    )
    assert tuning.select_setting(summary) == 2  # ties on omission broken by AUC
    summary.loc[2, "omission_10p_mean"] = 0.3
    assert tuning.select_setting(summary) == 1  # omission first, even at lower AUC


def test_candidate_grid():
    grid = {"features": ["l", "lqh"], "beta": [1, 4], "brt_max_depth": [2, 3]}
    assert tuning.candidate_settings("maxent", grid) == [
        {"features": "l", "beta": 1.0},
        {"features": "l", "beta": 4.0},
        {"features": "lqh", "beta": 1.0},
        {"features": "lqh", "beta": 4.0},
    ]
    assert tuning.candidate_settings("brt", grid) == [{"max_depth": 2}, {"max_depth": 3}]
    assert tuning.candidate_settings("rf", grid) == [{}]
    with pytest.raises(ValueError):
        tuning.candidate_settings("svm", grid)


def test_fold_without_presences_is_reported_not_fatal():
    X, y, _ = toy()
    folds = np.where(y == 1, 0, np.arange(len(y)) % 2)  # fold 1 has no presences
    scores = tuning.fold_scores([("m", MaxentModel(features="l"))], X, y, {"s": folds}, n_jobs=1)
    assert isinstance(scores[("m", "s", 1)], str) and "skipped" in scores[("m", "s", 1)]
    table = tuning.fold_table(scores, "m", y, {"s": folds})
    assert table.loc[table.fold == 1, "note"].str.startswith("skipped").all()


def test_ensemble_fold_scores_are_weighted_member_scores():
    y = np.array([1, 0, 1, 0])
    folds = {"s": np.array([0, 0, 1, 1])}
    scores = {
        ("a", "s", 0): (np.array([0.9, 0.1]), np.array([0.8])),
        ("b", "s", 0): (np.array([0.1, 0.9]), np.array([0.2])),
        ("a", "s", 1): (np.array([0.9, 0.1]), np.array([0.8])),
        ("b", "s", 1): (np.array([0.1, 0.9]), np.array([0.2])),
    }
    only_a = tuning.fold_table(scores, ["a", "b"], y, folds, weights=[1.0, 0.0])
    only_b = tuning.fold_table(scores, ["a", "b"], y, folds, weights=[0.0, 1.0])
    assert (only_a["auc"] == 1.0).all() and (only_b["auc"] == 0.0).all()
    oof = tuning.out_of_fold_presence_scores(scores, ["a", "b"], [0.75, 0.25], y, folds["s"], "s")
    np.testing.assert_allclose(oof, [0.7, 0.7])


@pytest.mark.slow
def test_fit_tuned_ensemble_chooses_weights_and_is_reproducible():
    X, y, xy = toy()
    kw = dict(
        members=["maxent", "glm", "brt"],
        grid={"features": ["l", "lq"], "beta": [1.0], "brt_max_depth": [2]},
        block_size_m=25_000,
        n_folds=3,
        seed=1,
        feature_names=["x0", "x1"],
    )
    ens, summary, folds, tun = tuning.fit_tuned_ensemble(X, y, xy[:, 0], xy[:, 1], **kw)
    assert isinstance(ens, EnsembleModel) and ens.member_names == ["maxent", "glm", "brt"]
    assert tun["selected"].sum() == 3 and len(tun) == 4
    assert set(folds["model"]) == {"maxent", "glm", "brt", "ensemble"}
    assert set(folds["scheme"]) == {"spatial_block", "random"}
    np.testing.assert_allclose(ens.weights_.sum(), 1.0)
    aucs = [summary["members"][m]["cv"]["spatial_block"]["auc_mean"] for m in ens.member_names]
    expected = np.array(aucs) - 0.5
    np.testing.assert_allclose(ens.weights_, expected / expected.sum())
    assert summary["ensemble"]["cv"]["spatial_block"]["auc_mean"] > 0.75
    assert 0 < summary["threshold"] < 1
    table = tuning.metrics_table(summary)
    assert list(table["model"]) == ["maxent", "glm", "brt", "ensemble"]
    assert {"spatial_auc", "random_auc", "spatial_or10p", "random_boyce"} <= set(table.columns)
    again, *_ = tuning.fit_tuned_ensemble(X, y, xy[:, 0], xy[:, 1], n_jobs=2, **kw)
    np.testing.assert_array_equal(ens.predict_suitability(X), again.predict_suitability(X))


def test_weights_fall_back_to_equal_only_with_a_warning(caplog):
    def summary(*aucs):
        return {
            k: {"cv": {"spatial_block": {"auc_mean": a}}} for k, a in zip("abc", aucs, strict=True)
        }

    w, source = tuning._skill_weights(summary(0.8, 0.6, 0.5))
    np.testing.assert_allclose(w, [0.75, 0.25, 0.0])
    assert source == "spatial CV"
    with caplog.at_level("WARNING"):
        w, source = tuning._skill_weights(summary(0.39, 0.36, 0.38))
    np.testing.assert_allclose(w, [1 / 3] * 3)
    assert source.startswith("equal (spatial CV failed: no member scored above AUC 0.5: a 0.390")
    assert "ensemble weights: equal" in caplog.text
    w, source = tuning._skill_weights(summary(0.7, float("nan"), 0.6))
    assert w[1] == 0 and "no CV for b: weight 0" in source


def test_every_cv_fit_is_logged_as_it_finishes():
    X, y, _ = toy()
    folds = np.arange(len(y)) % 3
    messages = []
    jobs = [("a", MaxentModel(features="l")), ("b", MaxentModel(features="lq"))]
    scores = tuning.fold_scores(jobs, X, y, {"s": folds}, n_jobs=2, log=messages.append)
    assert len(messages) == 6 and messages[0].startswith("CV fit 1/6: a s fold 0: AUC ")
    assert messages[-1].startswith("CV fit 6/6: b s fold 2")
    s, _ = scores[("b", "s", 2)]
    test = folds == 2
    auc = tuning.evaluate.auc(s[y[test] == 1], s[y[test] == 0])
    assert f"AUC {auc:.3f}" in messages[-1] and "s CPU" in messages[-1]
