"""Fit the habitat model (tuned CV-weighted ensemble by default), cross-validate it, store metrics."""

import json

import numpy as np

from amurlink.core import io, smk
from amurlink.core.io import pickled, tables
from amurlink.habitat import fitting, predict


def main(snakemake):
    inp, out, hab = snakemake.input, snakemake.output, snakemake.params.habitat
    points = {
        name: tables.read_table(inp[name]) for name in ("presences", "background", "stations")
    }
    names = io.read_band_names(inp.covariates)
    with io.open_on_grid({"covariates": inp.covariates}) as (ds, grid):
        read = io.window_reader(ds["covariates"])
        X = {
            name: predict.values_at(
                read, grid.windows(snakemake.params.window_size), t["row"], t["col"], len(names)
            )
            for name, t in points.items()
        }
    fit = fitting.fit_species_model(
        points["presences"], points["background"], points["stations"],
        X["presences"], X["background"], X["stations"],
        settings=hab, seed=snakemake.params.seed, names=names,
        species=snakemake.wildcards.species, grid=grid, n_jobs=snakemake.threads,
        log=smk.log.info, source=inp.presences,
    )  # fmt: skip
    metrics = fit.metrics
    smk.log.info(
        "metrics: %s",
        json.dumps({k: metrics[k] for k in ("threshold", "training", "cv", "tss")}, default=str),
    )
    smk.log.info("metrics table:\n%s", fit.table.to_string())
    pickled.write_pickle(fit.model, out.model)
    io.write_text(json.dumps(metrics, indent=2, default=_jsonable), out.metrics)
    io.write_table(fit.table, out.metrics_csv)
    io.write_table(fit.folds, out.cv_folds)
    io.write_table(fit.tuning, out.tuning)


def _jsonable(obj):
    """JSON for numpy scalars and arrays; anything else as its string."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


smk.run(main, globals().get("snakemake"))
