"""Predict suitability, uncertainty, clamping and MESS window by window; cut binary habitat."""

import json
import pickle
from contextlib import ExitStack

import numpy as np
import rasterio

from amurlink import io, predict, smk, styles
from amurlink.grid import Grid


def main(snakemake):
    hab = snakemake.params.habitat
    with open(snakemake.input.model, "rb") as f:
        model = pickle.load(f)
    metrics = json.loads(open(snakemake.input.metrics).read())
    threshold = float(metrics["threshold"])
    names = io.read_band_names(snakemake.input.covariates)
    fitted_names = getattr(model, "covariate_names_", names)
    if list(fitted_names) != list(names):
        raise io.InputError(
            f"{snakemake.input.covariates}: bands {names} differ from the model's {fitted_names}; "
            "refit the model"
        )
    species = snakemake.wildcards.species
    reference = model.reference_
    ensemble = predict.as_ensemble(model, reference)
    meta = {"species": species, "model": type(model).__name__}
    layers = {
        "suitability": ("cloglog 0-1", "weighted mean of the members' suitability"),
        "uncertainty": ("suitability sd", "weighted sd of the members' suitability"),
        "clamping": ("suitability", "|clamped - unclamped prediction| (MaxEnt clamping map)"),
        "mess": ("similarity %", "MESS, Elith et al. 2010; < 0 = novel conditions"),
    }
    with rasterio.open(snakemake.input.covariates) as ds, ExitStack() as stack:
        grid = Grid.from_dataset(ds)
        windows = list(grid.windows(hab["window_size"]))
        writers = {
            name: stack.enter_context(
                io.RasterWriter(
                    snakemake.output[name],
                    grid,
                    dtype="float32",
                    nodata=-9999,
                    descriptions=[name],
                    units=units,
                    metadata={**meta, "definition": definition},
                )
            )
            for name, (units, definition) in layers.items()
        }
        hab_out = stack.enter_context(
            io.RasterWriter(
                snakemake.output.habitat,
                grid,
                dtype="uint8",
                nodata=255,
                descriptions=["habitat"],
                units="class",
                categorical=True,
                colormap=styles.habitat_colours(),
                metadata={
                    "species": species,
                    "threshold": f"{threshold:.6g}",
                    "rule": metrics.get("threshold_rule", ""),
                },
            )
        )
        read = io.window_reader(ds)
        for window in windows:
            out = predict.predict_layers(ensemble, read(window), reference)
            for name, block in out.items():
                writers[name].write(
                    np.where(np.isfinite(block), block, -9999).astype("float32"), window
                )
            hab_out.write(predict.binary_habitat(out["suitability"], threshold), window)
    smk.log.info(
        "suitability, uncertainty, clamping, MESS and habitat (threshold %.4f) over %d windows",
        threshold,
        len(windows),
    )


smk.run(main, snakemake)  # noqa: F821
