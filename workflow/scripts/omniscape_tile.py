"""Omniscape for the targets one tile owns, read with a halo of the window radius."""

import numpy as np

from amurlink.connectivity.omniscape import omniscape_tile, radius_cells
from amurlink.core import io, smk
from amurlink.core.tiles import tile_by_name


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    cfg = params.omniscape
    with io.open_on_grid({"resistance": inp.resistance, "source": inp.source}) as (src, grid):
        radius = radius_cells(cfg["radius_km"], grid.resolution)
        tile = tile_by_name(grid.shape, params.tile_size, snakemake.wildcards.tile)
        outer = tile.expand(radius, grid.shape)
        block = {name: io.window_reader(ds)(outer.window())[0] for name, ds in src.items()}
    smk.log.info(
        "tile %s: rows %d-%d, cols %d-%d; with halo %d x %d cells; radius %d cells",
        tile.name, tile.row0, tile.row0 + tile.height, tile.col0, tile.col0 + tile.width,
        outer.height, outer.width, radius,
    )  # fmt: skip
    result = omniscape_tile(
        block["resistance"], block["source"], outer, tile, grid.shape, radius, cfg["block_size"],
        neighbours=params.neighbours, solver=getattr(params, "solver", "auto"),
    )  # fmt: skip
    io.write_raster(
        snakemake.output.part, np.stack([result.cumulative, result.flow_potential]),
        grid.window_grid(outer.window()), nodata=None,
        descriptions=["cumulative_current", "flow_potential"], units="A",
        metadata={"targets": str(result.n_targets), "tile": tile.name}, dtype="float64",
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
