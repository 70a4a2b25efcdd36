"""Covariates of one tile, derived on the tile plus a halo and cut back to the tile."""

import numpy as np
import rasterio

from amurlink.core import io, smk
from amurlink.core.io import read_band_names
from amurlink.core.io.rasters import raster_mean
from amurlink.core.tiles import tile_by_name
from amurlink.prepare.covariates import covariate_halo_cells, tile_covariates


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    cfg = params.covariates
    with io.open_on_grid({"landcover": inp.landcover, "dem": inp.dem}) as (datasets, grid):
        tile = tile_by_name(grid.shape, params.tile_size, snakemake.wildcards.tile)
        halo = covariate_halo_cells(cfg, grid)
        outer = tile.expand(halo, grid.shape)
        landcover = datasets["landcover"].read(1, window=outer.window())
        dem = io.window_reader(datasets["dem"])(outer.window())[0]
    forest_cover = None
    if hasattr(inp, "fractions"):  # land cover aggregated by class fractions
        forest_cover = read_forest_cover(inp.fractions, cfg["forest_classes"], outer.window())
    smk.log.info(
        "tile %s: %d x %d cells, read with a %d-cell halo as %d x %d",
        tile.name, tile.height, tile.width, halo, outer.height, outer.width,
    )  # fmt: skip
    stack, names, units = tile_covariates(
        landcover, dem, io.read_vector(inp.roads), io.read_vector(inp.settlements),
        io.read_vector(inp.logging), grid.window_grid(outer.window()), tile.inner(outer), cfg,
        dem_fill=raster_mean(inp.dem), forest_cover=forest_cover,
    )  # fmt: skip
    io.write_raster(
        snakemake.output.tile, stack, grid.window_grid(tile.window()), nodata=-9999.0,
        descriptions=names, units=units,
    )  # fmt: skip


def read_forest_cover(path, forest_classes, window):
    """Sum of the forest classes' fraction bands (``fraction_<code>``) over ``window``."""
    names = read_band_names(path)
    bands = [names.index(f"fraction_{c}") + 1 for c in forest_classes if f"fraction_{c}" in names]
    with rasterio.open(path) as src:
        cover = src.read(bands, window=window, masked=True).filled(0).sum(axis=0) if bands else None
    return cover if cover is not None else np.zeros((int(window.height), int(window.width)))


smk.run(main, globals().get("snakemake"))
