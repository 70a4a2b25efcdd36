"""Suitability, uncertainty, clamping and MESS of one tile, window by window."""

import pickle

import numpy as np
import rasterio

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import tile_by_name
from amurlink.habitat import predict


def main(snakemake):
    with open(snakemake.input.model, "rb") as f:
        model = pickle.load(f)
    names = io.read_band_names(snakemake.input.covariates)
    fitted_names = getattr(model, "covariate_names_", names)
    if list(fitted_names) != list(names):
        raise InputError(
            f"{snakemake.input.covariates}: bands {names} differ from the model's {fitted_names}; "
            "refit the model"
        )
    reference = model.reference_
    ensemble = predict.as_ensemble(model, reference)
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        tile = tile_by_name(grid.shape, snakemake.params.tile_size, snakemake.wildcards.tile)
        windows = tile.windows(snakemake.params.window_size)
        read = io.window_reader(ds)
        out = np.full((len(predict.LAYERS), tile.height, tile.width), np.nan, np.float32)
        for window in windows:
            layers = predict.predict_layers(ensemble, read(window), reference)
            r, c = int(window.row_off) - tile.row0, int(window.col_off) - tile.col0
            for i, name in enumerate(predict.LAYERS):
                out[i, r : r + int(window.height), c : c + int(window.width)] = layers[name]
    io.write_raster(
        snakemake.output.tile, out, grid.window_grid(tile.window()), nodata=-9999.0,
        descriptions=list(predict.LAYERS), dtype="float32",
    )  # fmt: skip
    smk.log.info(
        "tile %s: %d x %d cells in %d windows, %d predicted",
        tile.name, tile.height, tile.width, len(windows), int(np.isfinite(out[0]).sum()),
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
