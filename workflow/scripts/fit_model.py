"""Fit the habitat model (tuned CV-weighted ensemble by default), cross-validate it, store metrics."""

import json
import pickle
import time

import numpy as np
import pandas as pd
import rasterio

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import evaluate, models, predict, tuning


def main(snakemake):
    hab = snakemake.params.habitat
    seed = snakemake.params.seed
    presences = pd.read_csv(snakemake.input.presences)
    background = pd.read_csv(snakemake.input.background)
    stations = pd.read_csv(snakemake.input.stations)
    names = io.read_band_names(snakemake.input.covariates)
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        read = io.window_reader(ds)

        def at(table):
            return predict.values_at(
                read, grid.windows(hab["window_size"]), table["row"], table["col"], ds.count
            )

        X_p, X_b = at(presences), at(background)
        X_s = at(stations) if len(stations) else np.zeros((0, ds.count))
    if len(presences) < 5:
        raise InputError(
            f"{snakemake.input.presences}: only {len(presences)} presences after cleaning; "
            "at least 5 are needed to fit a model (see sightings_audit.csv)"
        )
    X = np.vstack([X_p, X_b])
    y = np.r_[np.ones(len(X_p), int), np.zeros(len(X_b), int)]
    weight = np.r_[np.ones(len(X_p)), background["weight"].to_numpy(float)]
    coords = np.vstack([presences[["x", "y"]].to_numpy(), background[["x", "y"]].to_numpy()])
    kind = hab.get("model", "ensemble")
    block_size_m = hab["block_size_km"] * 1000.0
    started = time.perf_counter()
    detected = stations["detected"].astype(bool).to_numpy() if len(stations) else None
    if kind == "ensemble":
        fitted, summary, folds, tuning_table = tuning.fit_tuned_ensemble(
            X,
            y,
            coords[:, 0],
            coords[:, 1],
            members=hab["members"],
            grid=hab["tuning"],
            block_size_m=block_size_m,
            n_folds=hab["cv_folds"],
            seed=seed,
            categorical=hab.get("categorical", []),
            feature_names=names,
            sample_weight=weight,
            n_jobs=snakemake.threads,
            log=smk.log.info,
        )
        metrics = {
            "threshold": summary["threshold"],
            "threshold_rule": summary["threshold_rule"],
            "threshold_training": summary["threshold_training"],
            "n_presences": int(y.sum()),
            "n_background": int((y == 0).sum()),
            "training": summary["training"],
            "cv": summary["ensemble"]["cv"],
            "cv_settings": {"n_folds": hab["cv_folds"], "block_size_m": block_size_m, "seed": seed},
            "members": summary["members"],
            "weighting": summary["weighting"],
            "selection": summary["selection"],
        }
        station_tss = {}
        if len(X_s):
            # each member as it acts in the ensemble: on clamped covariates
            for name, member in fitted.members_:
                # members' cut-offs from their training presences (out of bag for RF)
                thr = evaluate.presence_threshold(
                    evaluate.training_presence_scores(member, fitted.clamp_X(X_p))
                )
                score = _clamped(fitted, member)(X_s)
                station_tss[name] = station_scores(score, detected, thr)
            # the ensemble's cut-off is the out-of-fold one used for habitat.tif
            station_tss["ensemble"] = station_scores(
                models.suitability(fitted, X_s), detected, summary["threshold"]
            )
        metrics["tss"] = station_tss.get("ensemble")
        metrics["stations"] = station_tss or None
        table = tuning.metrics_table(summary, station_tss)
    else:
        model = models.make_model(
            kind,
            features=hab["features"],
            beta=hab["beta"],
            categorical=hab.get("categorical", []),
            feature_names=names,
            seed=seed,
        )
        fitted, metrics, folds = evaluate.assess(
            model,
            X,
            y,
            coords[:, 0],
            coords[:, 1],
            block_size_m=block_size_m,
            n_folds=hab["cv_folds"],
            seed=seed,
            sample_weight=weight,
            X_stations=X_s,
            detected=detected,
            log=smk.log.info,
        )
        tuning_table = pd.DataFrame()
        table = folds
    # Timings go to the log and the benchmark file, not the metrics: outputs stay bit for bit.
    smk.log.info("fitted %s in %.1f s", kind, time.perf_counter() - started)
    fitted.covariate_names_ = list(names)
    # the training environments: MESS reference and clamping range at prediction time
    finite = np.isfinite(X).all(axis=1)
    fitted.reference_ = X[finite].astype(np.float32)  # presences first, then background
    fitted.n_presences_train_ = int(y[finite].sum())
    metrics.update(
        species=snakemake.wildcards.species,
        model=type(fitted).__name__,
        params={
            k: v
            for k, v in fitted.get_params(deep=False).items()
            if k not in ("feature_names", "members")
        },
        covariates=list(names),
        grid=grid.to_dict(),
    )
    if isinstance(fitted, models.MaxentModel):
        metrics["maxent"] = {
            "feature_classes": fitted.feature_classes_,
            "n_features": len(fitted.coef_),
            "n_nonzero": int(np.count_nonzero(fitted.coef_)),
            "entropy": fitted.entropy_,
            "converged": fitted.converged_,
            "coefficients": fitted.coefficients(),
        }
    smk.log.info(
        "metrics: %s",
        json.dumps({k: metrics[k] for k in ("threshold", "training", "cv", "tss")}, default=str),
    )
    smk.log.info("metrics table:\n%s", table.to_string())
    with io.atomic_path(snakemake.output.model) as tmp:
        tmp.write_bytes(pickle.dumps(fitted))
    io.write_text(json.dumps(metrics, indent=2, default=_jsonable), snakemake.output.metrics)
    io.write_table(table, snakemake.output.metrics_csv)
    io.write_table(folds, snakemake.output.cv_folds)
    io.write_table(tuning_table, snakemake.output.tuning)


def _clamped(ensemble, member):
    """Suitability function of one ensemble member on clamped covariates."""
    return lambda X: models.suitability(member, ensemble.clamp_X(X))


def station_scores(s, detected, threshold):
    """TSS at the training threshold and AUC of detections vs effort without detection."""
    return {
        **evaluate.tss(s[detected], s[~detected], threshold),
        "auc_stations": evaluate.auc(s[detected], s[~detected]),
        "n_detected": int(detected.sum()),
        "n_absent": int((~detected).sum()),
    }


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


smk.run(main, globals().get("snakemake"))
