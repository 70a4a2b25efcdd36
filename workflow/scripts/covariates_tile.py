"""Covariates of one tile, derived on the tile plus a halo and cut back to the tile."""

import math

import numpy as np
import rasterio
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from amurlink.core import io, smk
from amurlink.core.grid import Grid
from amurlink.core.tiles import tile_by_name
from amurlink.prepare.layers import COVARIATE_UNITS, compute_covariates, covariate_halo_m


def dem_mean(path):
    """Mean elevation of the whole DEM, read block by block (memory of one block)."""
    total, count = 0.0, 0
    with rasterio.open(path) as src:
        for _, window in src.block_windows(1):
            block = src.read(1, window=window, masked=True).astype(np.float64)
            block = np.ma.masked_invalid(block)
            total += float(block.sum()) if block.count() else 0.0
            count += int(block.count())
    return total / count if count else 0.0


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    cfg = params.covariates
    with rasterio.open(inp.landcover) as src:
        grid = Grid.from_dataset(src)
    tile = tile_by_name(grid.shape, params.tile_size, snakemake.wildcards.tile)
    halo_m = covariate_halo_m(
        cfg["forest_radius_m"], cfg["logging_radius_m"], cfg["max_distance_m"]
    )
    halo = max(grid.shape) if math.isinf(halo_m) else math.ceil(halo_m / grid.resolution) + 1
    outer = tile.expand(halo, grid.shape)
    window = Window(outer.col0, outer.row0, outer.width, outer.height)
    with rasterio.open(inp.landcover) as src:
        landcover = src.read(1, window=window)
    with rasterio.open(inp.dem) as src:
        dem = np.ma.filled(src.read(1, window=window, masked=True).astype(np.float64), np.nan)
    sub = Grid(grid.crs, window_transform(window, grid.transform), outer.width, outer.height)
    smk.log.info(
        "tile %s: %d x %d cells, read with a %d-cell halo as %d x %d",
        tile.name, tile.height, tile.width, halo, outer.height, outer.width,
    )  # fmt: skip
    stack, names = compute_covariates(
        landcover, dem, io.read_vector(inp.roads), io.read_vector(inp.settlements),
        io.read_vector(inp.logging), landcover != 0, sub,
        road_groups=list(cfg["road_classes"]), forest_classes=cfg["forest_classes"],
        forest_radius_m=cfg["forest_radius_m"], logging_radius_m=cfg["logging_radius_m"],
        reference_year=cfg["reference_year"], max_distance_m=cfg["max_distance_m"],
        dem_fill=dem_mean(inp.dem),
    )  # fmt: skip
    inner = tile.inner(outer)
    tile_window = Window(tile.col0, tile.row0, tile.width, tile.height)
    tile_grid = Grid(
        grid.crs, window_transform(tile_window, grid.transform), tile.width, tile.height
    )
    units = [COVARIATE_UNITS.get(n, "m") for n in names]
    io.write_raster(
        snakemake.output.tile, stack[:, inner[0], inner[1]], tile_grid, nodata=-9999.0,
        descriptions=names, units=units,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
