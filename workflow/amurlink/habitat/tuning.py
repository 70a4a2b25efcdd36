"""Model tuning on spatial cross-validation and the CV-weighted ensemble.

ENMeval-style tuning (Kass et al. 2021, Methods Ecol Evol 12:1602; Muscarella
et al. 2014, Methods Ecol Evol 5:1198): every candidate setting of a model
(MaxEnt feature classes × regularisation multiplier β, boosted-tree depth, …)
is cross-validated on spatial blocks (Roberts et al. 2017, Ecography 40:913;
blockCV, Valavi et al. 2019, Methods Ecol Evol 10:225) and the setting with the
lowest mean omission rate at the 10th-percentile training-presence threshold
(or.10p) is chosen, ties broken by the highest mean test AUC (ENMeval's
sequential criterion).

The chosen member models are then combined as biomod2's
``BIOMOD_EnsembleModeling`` does with ``em.by = "all"`` and ``prob.mean.weight``:
a weighted mean, each weight the member's spatial-CV AUC minus 0.5 (skill above
random).  The ensemble's own CV scores come from the members' out-of-fold
predictions on the same folds, combined with the same weights.

All fits are independent jobs (candidate × fold) run with joblib; every model
is seeded, so the result does not depend on the number of jobs.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone

from amurlink.habitat import evaluate, models
from amurlink.habitat.models import suitability

logger = logging.getLogger(__name__)

MEMBERS = ("maxent", "glm", "rf", "brt")
METRICS = ("auc", "boyce", "omission_10p")


def candidate_settings(kind: str, grid: dict) -> list[dict]:
    """Settings to try for model ``kind`` from the tuning ``grid`` (config ``habitat.tuning``).

    MaxEnt: ``features`` × ``beta``; BRT: ``brt_max_depth``; GLM: ``glm_C``;
    RF: its defaults (Valavi et al. 2021 found down-sampled RF insensitive to tuning).
    """
    if kind == "maxent":
        return [
            {"features": f, "beta": float(b)}
            for f, b in itertools.product(grid.get("features", ["lqh"]), grid.get("beta", [1.0]))
        ]
    if kind == "brt":
        return [{"max_depth": d} for d in grid.get("brt_max_depth", [None])]
    if kind == "glm":
        return [{"C": float(c)} for c in grid.get("glm_C", [1.0])]
    if kind == "rf":
        return [{}]
    raise ValueError(f"unknown model kind {kind!r}; use one of {MEMBERS}")


def _fold_job(model, X, y, sw, train, test):
    """Fit on ``train``: the test scores, the training presences' scores, and the CPU seconds."""
    started = time.process_time()
    fitted = clone(model).fit(X[train], y[train], sample_weight=None if sw is None else sw[train])
    scores = (
        suitability(fitted, X[test]),
        evaluate.training_presence_scores(fitted, X[train & (y == 1)]),
    )
    return scores, time.process_time() - started


def fold_scores(
    jobs: Sequence[tuple[str, BaseEstimator]],
    X,
    y,
    folds_by_scheme: dict[str, np.ndarray],
    sample_weight=None,
    min_presences: int = 2,
    n_jobs: int = 1,
    log: Callable[[str], None] | None = None,
) -> dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray] | str]:
    """Out-of-fold scores of each ``(key, model)`` under each fold scheme.

    Returns ``{(key, scheme, fold): (test scores, training-presence scores)}``, or
    the skip note (a string) for a fold without enough presences or background:
    spatial blocks can leave a fold with no presences, and that is reported, not fatal.
    ``log`` is called as each fit finishes (in order): which member, scheme and
    fold, its test AUC and CPU seconds, so that a long tuning run shows progress.
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(int)
    sw = None if sample_weight is None else np.asarray(sample_weight, float)
    out: dict = {}
    todo = []
    for scheme, folds in folds_by_scheme.items():
        for fold in np.unique(folds):
            test = np.asarray(folds) == fold
            note = evaluate.fold_skip_note(y, test, min_presences)
            for key, model in jobs:
                if note:
                    out[(key, scheme, int(fold))] = note
                else:
                    todo.append(((key, scheme, int(fold)), model, ~test, test))
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fold_job)(model, X, y, sw, train, test) for _, model, train, test in todo
    )
    say = log or (lambda msg: None)
    for i, ((k, _, _, test), (res, seconds)) in enumerate(zip(todo, results, strict=True), 1):
        out[k] = res
        observed = y[test]
        auc = evaluate.auc(res[0][observed == 1], res[0][observed == 0])
        say(
            f"CV fit {i}/{len(todo)}: {k[0]} {k[1]} fold {k[2]}: AUC {auc:.3f}, {seconds:.1f} s CPU"
        )
    return out


def fold_table(
    scores: dict, key: str, y, folds_by_scheme: dict[str, np.ndarray], weights=None
) -> pd.DataFrame:
    """Per-fold metrics of ``key`` (one row per scheme and fold).

    ``key`` may be a sequence of keys with ``weights``: their fold scores are then
    combined as a weighted mean (the ensemble's out-of-fold prediction).
    """
    y = np.asarray(y).astype(int)
    keys = [key] if isinstance(key, str) else list(key)
    w = np.ones(len(keys)) / len(keys) if weights is None else np.asarray(weights, float)
    rows = []
    for scheme, folds in folds_by_scheme.items():
        folds = np.asarray(folds)
        for fold in np.unique(folds):
            test = folds == fold
            row = evaluate.fold_row(scheme, fold, y, test)
            parts = [scores[(k, scheme, int(fold))] for k in keys]
            if isinstance(parts[0], str):
                row["note"] = parts[0]
            else:
                s_test = sum(wi * p[0] for wi, p in zip(w, parts, strict=True))
                s_train_p = sum(wi * p[1] for wi, p in zip(w, parts, strict=True))
                yt = y[test]
                row.update(evaluate.fold_metrics(s_test[yt == 1], s_test[yt == 0], s_train_p))
            rows.append(row)
    return pd.DataFrame(rows)


def select_setting(summary: pd.DataFrame) -> int:
    """Row of ``summary`` with the lowest ``omission_10p_mean``, then the highest ``auc_mean``.

    ENMeval's sequential criterion (Kass et al. 2021).  Candidates whose spatial
    CV did not run (NaN) come last; omission is compared to 1e-9.
    """
    om = summary["omission_10p_mean"].to_numpy(float)
    au = summary["auc_mean"].to_numpy(float)
    om = np.where(np.isfinite(om), np.round(om, 9), np.inf)
    au = np.where(np.isfinite(au), au, -np.inf)
    order = np.lexsort((-au, om))  # last key is primary
    return int(order[0])


def _member(kind: str, setting: dict, categorical, feature_names, seed: int) -> BaseEstimator:
    cat_idx = models._resolve_columns(categorical, len(feature_names), list(feature_names))
    if kind == "maxent":
        return models.MaxentModel(
            features=setting["features"],
            beta=setting["beta"],
            categorical=cat_idx,
            feature_names=list(feature_names),
        )
    if kind == "glm":
        return models.GLMModel(C=setting.get("C", 1.0), categorical=cat_idx)
    if kind == "rf":
        return models.DownsampledRFModel(n_estimators=models.ENSEMBLE_RF_TREES, random_state=seed)
    if kind == "brt":
        return models.BoostingModel(
            max_depth=setting.get("max_depth"), categorical=cat_idx, random_state=seed
        )
    raise ValueError(f"unknown model kind {kind!r}; use one of {MEMBERS}")


def _label(kind: str, setting: dict) -> str:
    if not setting:
        return kind
    return kind + "(" + ", ".join(f"{k}={v}" for k, v in setting.items()) + ")"


def fit_tuned_ensemble(
    X,
    y,
    x_coord,
    y_coord,
    *,
    members: Sequence[str] = MEMBERS,
    grid: dict | None = None,
    block_size_m: float,
    n_folds: int,
    seed: int,
    categorical: Sequence[str | int] = (),
    feature_names: Sequence[str],
    sample_weight=None,
    n_jobs: int = 1,
    log: Callable[[str], None] | None = None,
    crs: str | None = None,
) -> tuple[models.EnsembleModel, dict, pd.DataFrame, pd.DataFrame]:
    """Tune each member on spatial CV, weight the members by spatial-CV skill, fit on all data.

    Steps: (1) every candidate setting of every member is cross-validated on
    spatial blocks; (2) per member the setting with the lowest or.10p, then the
    highest AUC, is kept (:func:`select_setting`); (3) the kept settings are also
    cross-validated on random folds, for the side-by-side report; (4) weights are
    spatial-CV AUC − 0.5, floored at 0; (5) the members are refitted on all data.

    Returns
    -------
    ensemble : fitted :class:`amurlink.habitat.models.EnsembleModel`
    summary : dict
        ``members`` (chosen setting, weight, spatial/random CV means per member),
        ``ensemble`` (its spatial/random CV means), ``threshold`` and ``training``.
    folds : DataFrame
        Per model (each member and ``ensemble``), scheme and fold: AUC, Boyce, or.10p.
    tuning : DataFrame
        Every candidate: member, setting, spatial-CV means and sds, ``selected``.

    Over 80 lines for this docstring; the body (about 54 lines) runs the documented steps, each a helper.
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(int)
    spatial = {
        "spatial_block": evaluate.spatial_block_folds(
            x_coord, y_coord, block_size_m, n_folds, seed, crs=crs
        )
    }
    fold_warnings = evaluate.degenerate_fold_notes(
        y, spatial["spatial_block"], n_folds, "spatial_block"
    )
    rand = {"random": evaluate.random_folds(len(y), n_folds, seed)}
    say = log or (lambda msg: None)

    # (1), (2) tune: all candidates on spatial folds, the best setting per member
    candidates = _candidates(members, grid or {}, categorical, feature_names, seed)
    scores = fold_scores(
        [(lab, est) for _, _, lab, est in candidates], X, y, spatial, sample_weight,
        n_jobs=n_jobs, log=say,
    )  # fmt: skip
    tuning, chosen = _choose_settings(candidates, members, scores, y, spatial, say)

    # (3) random CV of the chosen settings
    scores.update(
        fold_scores(
            [(lab, est) for _, lab, est in chosen.values()], X, y, rand, sample_weight,
            n_jobs=n_jobs, log=say,
        )
    )  # fmt: skip
    both = {**spatial, **rand}
    tables, member_summary = _member_cv(chosen, scores, y, both)

    # (4) weights from spatial-CV skill
    weights, weights_source = _skill_weights(member_summary)
    labels = [lab for _, lab, _ in chosen.values()]
    t = fold_table(scores, labels, y, both, weights=weights)
    t.insert(0, "model", "ensemble")
    tables.append(t)

    # (5) refit members on all data
    ensemble = _refit_ensemble(
        [est for _, _, est in chosen.values()], list(chosen), weights, X, y,
        categorical, feature_names, sample_weight, n_jobs,
    )  # fmt: skip
    train = evaluate.training_metrics(ensemble, X[y == 1], X[y == 0])
    # Binary-habitat cut-off from out-of-fold (random CV) presence scores: a
    # random forest scores its own training presences near 1, which would push a
    # training-data threshold far above what unseen presences reach.
    oof = out_of_fold_presence_scores(scores, labels, weights, y, rand["random"], "random")
    threshold = evaluate.presence_threshold(oof)
    summary = {
        "threshold": threshold if np.isfinite(threshold) else train["threshold"],
        "training": train,
        "members": member_summary,
        "ensemble": {"cv": evaluate.summarise_cv(t)},
        "threshold_training": train["threshold"],
        "threshold_rule": "10th percentile of out-of-fold (random CV) presence suitability",
        "weighting": "spatial-block CV AUC − 0.5, floored at 0, normalised",
        "selection": "lowest spatial-CV or.10p, then highest spatial-CV AUC (ENMeval)",
    }
    # only when CV failed, so that ensembles weighted on sound CV keep their summary
    if weights_source != "spatial CV":
        summary["weights_source"] = weights_source
    if fold_warnings:
        summary["fold_warnings"] = fold_warnings
    ensemble.weights_source_ = weights_source
    return ensemble, summary, pd.concat(tables, ignore_index=True), tuning


def _candidates(members, grid: dict, categorical, feature_names, seed: int) -> list[tuple]:
    """Every setting to try of every member: ``(kind, setting, label, estimator)``."""
    return [
        (kind, setting, _label(kind, setting),
         _member(kind, setting, categorical, feature_names, seed))
        for kind in members
        for setting in candidate_settings(kind, grid)
    ]  # fmt: skip


def _member_cv(chosen: dict, scores: dict, y, folds_by_scheme: dict) -> tuple[list, dict]:
    """Per chosen member: its fold table (with a ``model`` column) and its CV summary."""
    tables, member_summary = [], {}
    for kind, (setting, lab, _) in chosen.items():
        t = fold_table(scores, lab, y, folds_by_scheme)
        t.insert(0, "model", kind)
        tables.append(t)
        member_summary[kind] = {"setting": setting, "label": lab, "cv": evaluate.summarise_cv(t)}
    return tables, member_summary


def _choose_settings(candidates, members, scores, y, spatial, say):
    """The tuning table (every candidate's spatial-CV summary) and the chosen setting per member.

    ``candidates`` are ``(kind, setting, label, estimator)``; returns the table with
    ``selected`` marked and ``{kind: (setting, label, estimator)}`` in ``members`` order.
    """
    tuning_rows = []
    for kind, setting, lab, _ in candidates:
        s = evaluate.summarise_cv(fold_table(scores, lab, y, spatial))["spatial_block"]
        tuning_rows.append({"member": kind, "setting": lab, **setting, **s})
    tuning = pd.DataFrame(tuning_rows)
    tuning["selected"] = False
    chosen: dict[str, tuple[dict, str, BaseEstimator]] = {}
    for kind in members:
        sub = tuning[tuning["member"] == kind]
        best = sub.index[select_setting(sub.reset_index(drop=True))]
        tuning.loc[best, "selected"] = True
        kind_cands = [c for c in candidates if c[0] == kind]
        _, setting, lab, est = kind_cands[list(sub.index).index(best)]
        chosen[kind] = (setting, lab, est)
        say(f"tuning {kind}: chose {lab} of {len(sub)} candidates")
    return tuning, chosen


def _skill_weights(member_summary: dict) -> tuple[np.ndarray, str]:
    """Members' weights: spatial-CV AUC − 0.5 floored at 0, normalised; and where they came from.

    Where no member has a spatial-CV AUC above 0.5 (CV failed: no fold ran, or
    every member scored at or below random) the weights are equal, and that is
    logged as a warning and said in the returned source
    (``"equal (spatial CV failed: …)"``), never silently; members whose CV did
    not run while others' did get weight 0, also warned and said.  Each member's weight
    is also recorded in ``member_summary``.
    """
    auc_sp = np.array([m["cv"]["spatial_block"]["auc_mean"] for m in member_summary.values()])
    weights = np.clip(np.nan_to_num(auc_sp - 0.5, nan=0.0), 0.0, None)
    source = "spatial CV"
    failed = [k for k, a in zip(member_summary, auc_sp, strict=True) if not np.isfinite(a)]
    if failed and weights.sum() > 0:
        source = f"spatial CV (no CV for {', '.join(failed)}: weight 0)"
        logger.warning("ensemble weights: %s", source)
    if weights.sum() <= 0:
        ran = np.isfinite(auc_sp)
        why = (
            "no member's spatial CV ran"
            if not ran.any()
            else "no member scored above AUC 0.5: "
            + ", ".join(f"{k} {a:.3f}" for k, a in zip(member_summary, auc_sp, strict=True))
        )
        source = f"equal (spatial CV failed: {why})"
        logger.warning("ensemble weights: %s", source)
        weights = np.ones(len(member_summary))
    weights = weights / weights.sum()
    for k, w in zip(member_summary, weights, strict=True):
        member_summary[k]["weight"] = float(w)
    return weights, source


def _refit_ensemble(
    estimators, names, weights, X, y, categorical, feature_names, sample_weight, n_jobs
) -> models.EnsembleModel:
    """The members refitted on all data (in parallel), combined with ``weights``."""
    fitted_members = Parallel(n_jobs=n_jobs)(
        delayed(_fit)(est, X, y, sample_weight) for est in estimators
    )
    cat_idx = models._resolve_columns(categorical, X.shape[1], list(feature_names))
    return models.EnsembleModel(
        members=list(zip(names, fitted_members, strict=True)),
        weights=weights,
        categorical=cat_idx,
        prefit=True,
    ).fit(X, y)


def out_of_fold_presence_scores(scores, keys, weights, y, folds, scheme: str) -> np.ndarray:
    """Each presence's score from the model(s) fitted without its fold (weighted over ``keys``).

    Presences in skipped folds are left out.
    """
    y = np.asarray(y).astype(int)
    folds = np.asarray(folds)
    out = []
    for fold in np.unique(folds):
        parts = [scores[(k, scheme, int(fold))] for k in keys]
        if isinstance(parts[0], str):
            continue
        s_test = sum(wi * p[0] for wi, p in zip(weights, parts, strict=True))
        out.append(s_test[y[folds == fold] == 1])
    return np.concatenate(out) if out else np.zeros(0)


def _fit(est, X, y, sample_weight):
    return clone(est).fit(X, y, sample_weight=sample_weight)


def metrics_table(summary: dict, station_tss: dict | None = None) -> pd.DataFrame:
    """One row per member and the ensemble: spatial and random CV means side by side.

    Columns: model, setting, weight, {spatial,random}_{auc,boyce,or10p} (means and sds),
    and TSS / AUC at camera-trap stations when ``station_tss`` gives them per model.
    """
    rows = []
    entries = [(k, v) for k, v in summary["members"].items()] + [("ensemble", summary["ensemble"])]
    for name, entry in entries:
        row = {
            "model": name,
            "setting": entry.get("label", "weighted mean"),
            "weight": entry.get("weight", 1.0),
        }
        for scheme, short in (("spatial_block", "spatial"), ("random", "random")):
            cv = entry["cv"].get(scheme, {})
            for metric, col in (("auc", "auc"), ("boyce", "boyce"), ("omission_10p", "or10p")):
                row[f"{short}_{col}"] = cv.get(f"{metric}_mean", math.nan)
                row[f"{short}_{col}_sd"] = cv.get(f"{metric}_sd", math.nan)
            row[f"{short}_folds_run"] = cv.get("folds_run", 0)
        st = (station_tss or {}).get(name) or {}
        row["stations_tss"] = st.get("tss", math.nan)
        row["stations_auc"] = st.get("auc_stations", math.nan)
        rows.append(row)
    return pd.DataFrame(rows)
