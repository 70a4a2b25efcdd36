"""Covariates of one tile, derived on the tile plus a halo and cut back to the tile."""

from amurlink.core import io, smk
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
    smk.log.info(
        "tile %s: %d x %d cells, read with a %d-cell halo as %d x %d",
        tile.name, tile.height, tile.width, halo, outer.height, outer.width,
    )  # fmt: skip
    stack, names, units = tile_covariates(
        landcover, dem, io.read_vector(inp.roads), io.read_vector(inp.settlements),
        io.read_vector(inp.logging), grid.window_grid(outer.window()), tile.inner(outer), cfg,
        dem_fill=raster_mean(inp.dem),
    )  # fmt: skip
    io.write_raster(
        snakemake.output.tile, stack, grid.window_grid(tile.window()), nodata=-9999.0,
        descriptions=names, units=units,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
