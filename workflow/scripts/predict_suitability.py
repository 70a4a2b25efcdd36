"""Predict habitat suitability over the covariate stack, window by window, and cut binary habitat."""

import json
import pickle

import numpy as np
import rasterio

from amurlink import io, predict, smk
from amurlink.grid import Grid


def covariate_reader(ds):
    """Window reader over an open covariate stack: float64 bands-first, NaN where no data."""

    def read(window):
        return ds.read(window=window, masked=True).astype(np.float64).filled(np.nan)

    return read


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
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        windows = list(grid.windows(hab["window_size"]))
        with (
            io.RasterWriter(
                snakemake.output.suitability,
                grid,
                dtype="float32",
                nodata=-9999,
                descriptions=["suitability"],
                units="cloglog 0-1",
                metadata={"species": species, "model": type(model).__name__},
            ) as suit_out,
            io.RasterWriter(
                snakemake.output.habitat,
                grid,
                dtype="uint8",
                nodata=255,
                descriptions=["habitat"],
                categorical=True,
                metadata={
                    "species": species,
                    "threshold": f"{threshold:.6g}",
                    "rule": metrics.get("threshold_rule", ""),
                },
            ) as hab_out,
        ):
            for window, block in predict.predict_windows(model, covariate_reader(ds), windows):
                suit_out.write(np.where(np.isfinite(block), block, -9999).astype("float32"), window)
                hab_out.write(predict.binary_habitat(block, threshold), window)
    smk.log.info(
        "suitability and habitat (threshold %.4f) over %d windows", threshold, len(windows)
    )


smk.run(main, snakemake)  # noqa: F821
