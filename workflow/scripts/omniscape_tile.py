"""Omniscape for the targets one tile owns, read with a halo of the window radius."""

import math

import numpy as np
import rasterio
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from amurlink.connectivity.omniscape import omniscape_tile
from amurlink.core import io, smk
from amurlink.core.grid import Grid
from amurlink.core.tiles import tile_by_name


def read_window(path, outer):
    """One band of ``path`` over a tile's cells, NaN where no data."""
    with rasterio.open(path) as src:
        window = Window(outer.col0, outer.row0, outer.width, outer.height)
        data = src.read(1, window=window, masked=True).astype(np.float64)
    return np.ma.filled(data, np.nan)


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    cfg = params.omniscape
    with rasterio.open(inp.resistance) as src:
        grid = Grid.from_dataset(src)
    radius = max(1, math.ceil(cfg["radius_km"] * 1000 / grid.resolution - 1e-9))
    tile = tile_by_name(grid.shape, params.tile_size, snakemake.wildcards.tile)
    outer = tile.expand(radius, grid.shape)
    resistance = read_window(inp.resistance, outer)
    source = read_window(inp.source, outer)
    smk.log.info(
        "tile %s: rows %d-%d, cols %d-%d; with halo %d x %d cells; radius %d cells",
        tile.name, tile.row0, tile.row0 + tile.height, tile.col0, tile.col0 + tile.width,
        outer.height, outer.width, radius,
    )  # fmt: skip
    result = omniscape_tile(
        resistance, source, outer, tile, grid.shape, radius, cfg["block_size"],
        neighbours=params.neighbours,
    )  # fmt: skip
    part_grid = Grid(
        grid.crs,
        window_transform(Window(outer.col0, outer.row0, outer.width, outer.height), grid.transform),
        outer.width,
        outer.height,
    )
    io.write_raster(
        snakemake.output.part, np.stack([result.cumulative, result.flow_potential]), part_grid,
        nodata=None, descriptions=["cumulative_current", "flow_potential"], units="A",
        metadata={"targets": str(result.n_targets), "tile": tile.name}, dtype="float64",
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
