"""Fit the habitat model (MaxEnt by default), cross-validate it and store metrics."""

import json
import pickle

import numpy as np
import pandas as pd
import rasterio

from amurlink import evaluate, io, models, predict, smk
from amurlink.grid import Grid


def covariate_reader(ds):
    """Window reader over an open covariate stack: float64 bands-first, NaN where no data."""

    def read(window):
        return ds.read(window=window, masked=True).astype(np.float64).filled(np.nan)

    return read


def main(snakemake):
    hab = snakemake.params.habitat
    seed = snakemake.params.seed
    presences = pd.read_csv(snakemake.input.presences)
    background = pd.read_csv(snakemake.input.background)
    stations = pd.read_csv(snakemake.input.stations)
    names = io.read_band_names(snakemake.input.covariates)
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        read = covariate_reader(ds)

        def at(table):
            return predict.values_at(
                read, grid.windows(hab["window_size"]), table["row"], table["col"], ds.count
            )

        X_p, X_b = at(presences), at(background)
        X_s = at(stations) if len(stations) else np.zeros((0, ds.count))
    if len(presences) < 5:
        raise io.InputError(
            f"{snakemake.input.presences}: only {len(presences)} presences after cleaning; "
            "at least 5 are needed to fit a model (see sightings_audit.csv)"
        )
    X = np.vstack([X_p, X_b])
    y = np.r_[np.ones(len(X_p), int), np.zeros(len(X_b), int)]
    weight = np.r_[np.ones(len(X_p)), background["weight"].to_numpy(float)]
    coords = np.vstack([presences[["x", "y"]].to_numpy(), background[["x", "y"]].to_numpy()])
    model = models.make_model(
        hab.get("model", "maxent"),
        features=hab["features"],
        beta=hab["beta"],
        categorical=hab.get("categorical", []),
        feature_names=names,
        seed=seed,
    )
    smk.log.info("%s: %d presences, %d background, covariates %s", model, len(X_p), len(X_b), names)
    fitted, metrics, folds = evaluate.assess(
        model,
        X,
        y,
        coords[:, 0],
        coords[:, 1],
        block_size_m=hab["block_size_km"] * 1000.0,
        n_folds=hab["cv_folds"],
        seed=seed,
        sample_weight=weight,
        X_stations=X_s,
        detected=stations["detected"].astype(bool).to_numpy() if len(stations) else None,
        log=smk.log.info,
    )
    fitted.covariate_names_ = list(names)
    metrics.update(
        species=snakemake.wildcards.species,
        model=type(fitted).__name__,
        params={k: v for k, v in fitted.get_params().items() if k != "feature_names"},
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
    with io.atomic_path(snakemake.output.model) as tmp:
        tmp.write_bytes(pickle.dumps(fitted))
    io.write_text(json.dumps(metrics, indent=2, default=_jsonable), snakemake.output.metrics)
    io.write_table(folds, snakemake.output.metrics_csv)


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


smk.run(main, snakemake)  # noqa: F821
