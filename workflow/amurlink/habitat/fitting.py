"""Fitting a habitat model: the tuned ensemble or one model, cross-validated and scored.

:func:`fit_habitat_model` is the one fit-or-tune step, for the pipeline (rule
``fit_model``, through :func:`fit_species_model`) and for the SWD command
(:mod:`amurlink.apps.swd`): with ``kind="ensemble"`` every member is tuned on
spatial-block CV and the members are weighted by skill
(:func:`amurlink.habitat.tuning.fit_tuned_ensemble`); any other kind is one
model cross-validated on spatial blocks and random folds
(:func:`amurlink.habitat.evaluate.assess`).  Where camera-trap stations give
true absences, the model (and each ensemble member) is scored there too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import evaluate, models, tuning

#: Fewest cleaned presences a model is fitted to.
MIN_PRESENCES = 5


@dataclass
class HabitatFit:
    """A fitted habitat model and its evaluation.

    Attributes
    ----------
    model : the estimator fitted on all presences and background
    metrics : dict
        Threshold (binary-habitat cut-off), training and CV scores, station scores.
    folds : DataFrame
        One row per model, CV scheme and fold.
    table : DataFrame
        The summary table: per member and ensemble (tuned ensemble), else the folds.
    tuning : DataFrame
        Every candidate setting tried (empty for a single model).
    """

    model: BaseEstimator
    metrics: dict
    folds: pd.DataFrame
    table: pd.DataFrame
    tuning: pd.DataFrame


def fit_habitat_model(
    X,
    y,
    x_coord,
    y_coord,
    *,
    kind: str = "ensemble",
    block_size_m: float,
    n_folds: int,
    seed: int,
    feature_names: Sequence[str],
    members: Sequence[str] = tuning.MEMBERS,
    tuning_grid: dict | None = None,
    features: str = "lqh",
    beta: float = 1.0,
    categorical: Sequence[str | int] = (),
    sample_weight=None,
    X_stations=None,
    detected=None,
    n_jobs: int = 1,
    log: Callable[[str], None] | None = None,
    crs: str | None = None,
) -> HabitatFit:
    """Fit the habitat model ``kind`` to presences (``y == 1``) and background, and evaluate it.

    Parameters
    ----------
    X, y, x_coord, y_coord
        Covariates, 1/0 labels and coordinates (for spatial blocks) of the points.
    kind : {"ensemble", "maxent", "glm", "rf", "brt"}
        ``ensemble``: ``members`` tuned over ``tuning_grid`` (config ``habitat.tuning``)
        and weighted by spatial-CV skill; otherwise one model (MaxEnt with
        ``features`` and ``beta``).
    X_stations, detected
        Covariates at camera-trap stations with effort and whether the species
        was detected there: TSS and AUC against true absences.
    log
        Called with progress messages (folds, tuning choices).
    crs
        The coordinates' CRS: spatial blocks are ``block_size_m`` on the ground
        (geographic coordinates are projected first; ``None``: metres).
    """
    X = np.asarray(X, float)
    if kind != "ensemble":
        model = models.make_model(
            kind, features=features, beta=beta, categorical=categorical,
            feature_names=feature_names, seed=seed,
        )  # fmt: skip
        fitted, metrics, folds = evaluate.assess(
            model, X, y, x_coord, y_coord, block_size_m=block_size_m, n_folds=n_folds,
            seed=seed, sample_weight=sample_weight, X_stations=X_stations, detected=detected,
            log=log, crs=crs,
        )  # fmt: skip
        return HabitatFit(fitted, metrics, folds, folds, pd.DataFrame())
    fitted, summary, folds, tuning_table = tuning.fit_tuned_ensemble(
        X, y, x_coord, y_coord, members=members, grid=tuning_grid, block_size_m=block_size_m,
        n_folds=n_folds, seed=seed, categorical=categorical, feature_names=feature_names,
        sample_weight=sample_weight, n_jobs=n_jobs, log=log, crs=crs,
    )  # fmt: skip
    metrics = {
        "threshold": summary["threshold"],
        "threshold_rule": summary["threshold_rule"],
        "threshold_training": summary["threshold_training"],
        "n_presences": int(y.sum()),
        "n_background": int((y == 0).sum()),
        "training": summary["training"],
        "cv": summary["ensemble"]["cv"],
        "cv_settings": {"n_folds": n_folds, "block_size_m": block_size_m, "seed": seed},
        "members": summary["members"],
        "weighting": summary["weighting"],
        "selection": summary["selection"],
        **{k: summary[k] for k in ("weights_source", "fold_warnings") if k in summary},
    }
    station_tss = {}
    if X_stations is not None and len(X_stations):
        station_tss = ensemble_station_scores(
            fitted, summary["threshold"], X[y == 1], X_stations, detected
        )
    metrics["tss"] = station_tss.get("ensemble")
    metrics["stations"] = station_tss or None
    return HabitatFit(
        fitted, metrics, folds, tuning.metrics_table(summary, station_tss), tuning_table
    )


def ensemble_station_scores(
    ensemble: models.EnsembleModel, threshold: float, X_presence, X_stations, detected
) -> dict[str, dict]:
    """Station scores (:func:`evaluate.station_scores`) of each member and of the ensemble.

    Each member is scored as it acts in the ensemble, on clamped covariates, at
    its own cut-off from its training presences (out of bag for RF); the
    ensemble at ``threshold``, the out-of-fold one used for the habitat map.
    """
    out = {}
    for name, member in ensemble.members_:
        thr = evaluate.presence_threshold(
            evaluate.training_presence_scores(member, ensemble.clamp_X(X_presence))
        )
        score = models.suitability(member, ensemble.clamp_X(X_stations))
        out[name] = evaluate.station_scores(score, detected, thr)
    out["ensemble"] = evaluate.station_scores(
        models.suitability(ensemble, X_stations), detected, threshold
    )
    return out


def fit_species_model(
    presences: pd.DataFrame,
    background: pd.DataFrame,
    stations: pd.DataFrame,
    X_presence: np.ndarray,
    X_background: np.ndarray,
    X_stations: np.ndarray,
    *,
    settings: dict,
    seed: int,
    names: Sequence[str],
    species: str,
    grid: Grid,
    n_jobs: int = 1,
    log: Callable[[str], None] | None = None,
    source: str = "presences",
) -> HabitatFit:
    """The pipeline's habitat model of one species (rule ``fit_model``).

    Parameters
    ----------
    presences, background, stations : DataFrame
        The habitat stage's tables (x, y; background ``weight``; stations ``detected``).
    X_presence, X_background, X_stations : arrays (points × covariates)
        Covariates at their cells.
    settings : dict
        Config ``habitat`` (model, members, tuning, features, beta, categorical,
        cv_folds, block_size_km).
    names : covariate band names; ``grid`` the covariates' grid.
    source : the presences file, for the message when there are too few.

    The fitted model keeps what prediction needs: ``covariate_names_``,
    ``reference_`` (the training environments, presences first, float32: MESS
    reference and clamping range) and ``n_presences_train_``.  The metrics add
    species, model, params, covariates and grid (and MaxEnt's coefficients).
    """
    if len(presences) < MIN_PRESENCES:
        raise InputError(
            f"{source}: only {len(presences)} presences after cleaning; "
            f"at least {MIN_PRESENCES} are needed to fit a model (see sightings_audit.csv)"
        )
    X = np.vstack([X_presence, X_background])
    y = np.r_[np.ones(len(X_presence), int), np.zeros(len(X_background), int)]
    weight = np.r_[np.ones(len(X_presence)), background["weight"].to_numpy(float)]
    coords = np.vstack([presences[["x", "y"]].to_numpy(), background[["x", "y"]].to_numpy()])
    kind = settings.get("model", "ensemble")
    say = log or (lambda msg: None)
    started = time.perf_counter()
    fit = fit_habitat_model(
        X, y, coords[:, 0], coords[:, 1], kind=kind,
        block_size_m=settings["block_size_km"] * 1000.0, n_folds=settings["cv_folds"],
        seed=seed, feature_names=names, members=settings["members"],
        tuning_grid=settings["tuning"], features=settings["features"], beta=settings["beta"],
        categorical=settings.get("categorical", []), sample_weight=weight,
        X_stations=X_stations,
        detected=stations["detected"].astype(bool).to_numpy() if len(stations) else None,
        n_jobs=n_jobs, log=log, crs=grid.crs,
    )  # fmt: skip
    # Timings go to the log and the benchmark file, not the metrics: outputs stay bit for bit.
    say(f"fitted {kind} in {time.perf_counter() - started:.1f} s")
    _keep_training_data(fit.model, X, y, names)
    fit.metrics.update(describe_model(fit.model, names, species=species, grid=grid))
    return fit


def _keep_training_data(fitted, X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> None:
    """Store on the model what prediction and interpretation need of its training data."""
    fitted.covariate_names_ = list(names)
    # the training environments: MESS reference and clamping range at prediction time
    finite = np.isfinite(X).all(axis=1)
    fitted.reference_ = X[finite].astype(np.float32)  # presences first, then background
    fitted.n_presences_train_ = int(y[finite].sum())


def describe_model(fitted, names: Sequence[str], *, species: str, grid: Grid) -> dict:
    """Metrics entries that say what was fitted: species, model, params, covariates, grid.

    A MaxEnt model adds ``maxent``: its feature classes, feature counts, entropy,
    convergence and non-zero coefficients.
    """
    out = {
        "species": species,
        "model": type(fitted).__name__,
        "params": {
            k: v
            for k, v in fitted.get_params(deep=False).items()
            if k not in ("feature_names", "members")
        },
        "covariates": list(names),
        "grid": grid.to_dict(),
    }
    if isinstance(fitted, models.MaxentModel):
        out["maxent"] = {
            "feature_classes": fitted.feature_classes_,
            "n_features": len(fitted.coef_),
            "n_nonzero": int(np.count_nonzero(fitted.coef_)),
            "entropy": fitted.entropy_,
            "converged": fitted.converged_,
            "coefficients": fitted.coefficients(),
        }
    return out
