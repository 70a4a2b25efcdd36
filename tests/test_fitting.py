"""The one fit-or-tune step: a single model or the tuned ensemble, scored at stations."""

import json

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import evaluate, fitting
from amurlink.habitat.models import EnsembleModel, GLMModel


def toy(seed=3, n_p=120, n_b=900, n_s=60):
    """Presences where x0 is high; stations detected where x0 > 0.6."""
    rng = np.random.default_rng(seed)
    Xb = rng.uniform(0, 1, (n_b, 2))
    Xp = np.column_stack([rng.beta(5, 1.5, n_p), rng.uniform(0, 1, n_p)])
    Xs = rng.uniform(0, 1, (n_s, 2))
    return Xp, Xb, Xs, Xs[:, 0] > 0.6, rng.uniform(0, 100_000, (n_p + n_b, 2))


def test_station_scores_are_tss_and_auc_at_the_stations():
    s = np.array([0.9, 0.8, 0.2, 0.1, 0.7])
    det = np.array([True, True, False, False, False])
    got = evaluate.station_scores(s, det, 0.5)
    assert got == {
        "tss": pytest.approx(1 + 2 / 3 - 1), "sensitivity": 1.0, "specificity": pytest.approx(2 / 3),
        "auc_stations": 1.0, "n_detected": 2, "n_absent": 3,
    }  # fmt: skip


def test_single_model_fit_scores_stations_in_assess_order():
    Xp, Xb, Xs, det, xy = toy()
    X, y = np.vstack([Xp, Xb]), np.r_[np.ones(len(Xp), int), np.zeros(len(Xb), int)]
    fit = fitting.fit_habitat_model(
        X, y, xy[:, 0], xy[:, 1], kind="glm", block_size_m=25_000, n_folds=3, seed=1,
        feature_names=["x0", "x1"], X_stations=Xs, detected=det,
    )  # fmt: skip
    assert isinstance(fit.model, GLMModel) and fit.tuning.empty and fit.table is fit.folds
    assert list(fit.metrics["tss"]) == [
        "tss", "sensitivity", "specificity", "n_detected", "n_absent", "auc_stations", "note",
    ]  # fmt: skip
    assert fit.metrics["tss"]["auc_stations"] > 0.8


def test_ensemble_fit_scores_each_member_and_the_ensemble_at_stations():
    Xp, Xb, Xs, det, xy = toy()
    X, y = np.vstack([Xp, Xb]), np.r_[np.ones(len(Xp), int), np.zeros(len(Xb), int)]
    fit = fitting.fit_habitat_model(
        X, y, xy[:, 0], xy[:, 1], members=["glm", "rf"], block_size_m=25_000, n_folds=3,
        seed=1, feature_names=["x0", "x1"], X_stations=Xs, detected=det,
    )  # fmt: skip
    assert isinstance(fit.model, EnsembleModel)
    assert list(fit.metrics["stations"]) == ["glm", "rf", "ensemble"]
    assert fit.metrics["tss"] == fit.metrics["stations"]["ensemble"]
    assert list(fit.table["model"]) == ["glm", "rf", "ensemble"]
    assert fit.table["stations_auc"].notna().all() and fit.tuning["selected"].sum() == 2
    assert fit.metrics["cv_settings"] == {"n_folds": 3, "block_size_m": 25_000, "seed": 1}


def test_fit_species_model_keeps_training_data_and_describes_the_model():
    Xp, Xb, Xs, det, xy = toy(n_s=0)
    presences = pd.DataFrame({"x": xy[: len(Xp), 0], "y": xy[: len(Xp), 1]})
    background = pd.DataFrame({"x": xy[len(Xp) :, 0], "y": xy[len(Xp) :, 1], "weight": 1.0})
    stations = pd.DataFrame(columns=["station", "detected"])
    grid = Grid("EPSG:32652", Affine(1000, 0, 0, 0, -1000, 100_000), 100, 100)
    settings = {
        "model": "maxent", "features": "lq", "beta": 1.0, "members": ["maxent"], "tuning": {},
        "cv_folds": 3, "block_size_km": 25,
    }  # fmt: skip
    kw = dict(settings=settings, seed=0, names=["x0", "x1"], species="cat", grid=grid)
    fit = fitting.fit_species_model(presences, background, stations, Xp, Xb, Xs, **kw)
    model = fit.model
    assert model.covariate_names_ == ["x0", "x1"] and model.n_presences_train_ == len(Xp)
    assert model.reference_.dtype == np.float32 and len(model.reference_) == len(Xp) + len(Xb)
    keys = list(fit.metrics)
    assert keys[-6:] == ["species", "model", "params", "covariates", "grid", "maxent"]
    assert fit.metrics["model"] == "MaxentModel" and fit.metrics["tss"] is None
    json.dumps(fit.metrics, default=str)
    with pytest.raises(InputError, match="p.csv: only 4 presences after cleaning"):
        fitting.fit_species_model(presences[:4], background, stations, Xp[:4], Xb, Xs,
                                  source="p.csv", **kw)  # fmt: skip
